/**
 * Layout and looks of `<cs-inbox>`: a top bar, then three columns (list,
 * conversation, visitor details). The message bubbles come from the shared
 * `messageStyles`. Lengths in px (the page's root font size must not matter).
 */
import { css } from 'lit';

export const inboxStyles = css`
  :host {
    display: flex !important;
    flex-direction: column !important;
    height: 100% !important;
    min-height: 0 !important;
    background: #f6f7fb !important;
    --cs-line: #e5e7eb;
  }
  h1,
  h2,
  p,
  dl,
  dd,
  ul {
    margin: 0;
  }
  ul {
    padding: 0;
    list-style: none;
  }
  a {
    color: var(--cs-accent, #4f46e5);
  }
  .muted {
    color: var(--cs-muted, #6b7280);
    font-size: 13px;
  }
  button {
    border: 1px solid var(--cs-line);
    background: #fff;
    border-radius: 8px;
    padding: 6px 12px;
    font-size: 13px;
    font-weight: 600;
  }
  button:hover {
    background: #f3f4f6;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button.primary {
    background: var(--cs-accent, #4f46e5);
    border-color: var(--cs-accent, #4f46e5);
    color: #fff;
  }
  button.primary:hover {
    filter: brightness(1.08);
  }
  button.ghost {
    border-color: transparent;
    background: transparent;
    color: #374151;
  }
  button.ghost:hover {
    background: #f3f4f6;
  }
  a.ghost {
    padding: 6px 10px;
    border-radius: 8px;
    color: #374151;
    font-weight: 600;
    text-decoration: none;
  }
  a.ghost:hover {
    background: #f3f4f6;
  }
  button.resolve {
    border-color: #bbf7d0;
    background: #f0fdf4;
    color: #15803d;
  }
  input {
    font: inherit;
    border: 1px solid #d1d5db;
    border-radius: 8px;
    padding: 6px 10px;
    background: #fff;
  }

  /* Sign-in and connecting screens. */
  .center {
    flex: 1;
    display: grid;
    place-items: center;
    gap: 12px;
    padding: 24px;
    background: linear-gradient(160deg, #eef2ff 0%, #f6f7fb 60%);
  }
  .signin {
    width: min(420px, 100%);
    display: flex;
    flex-direction: column;
    gap: 10px;
    padding: 32px;
    background: #fff;
    border-radius: 16px;
    box-shadow: 0 20px 50px #1e1b4b1f, 0 1px 3px #0000000f;
  }
  .signin h1 {
    font-size: 22px;
    font-weight: 700;
  }
  .signin label {
    font-size: 13px;
    font-weight: 600;
    margin-top: 6px;
  }
  .signin .check {
    display: flex;
    align-items: center;
    gap: 8px;
    font-weight: 400;
  }
  .signin input[type='password'] {
    padding: 10px 12px;
  }
  .signin .primary {
    margin-top: 8px;
    padding: 10px;
    font-size: 15px;
  }
  .error {
    color: #b91c1c;
    background: #fef2f2;
    border-radius: 8px;
    padding: 8px 10px;
    font-size: 13px;
  }
  code {
    font-family: ui-monospace, Menlo, Consolas, monospace;
    font-size: 12px;
    color: #1f2937;
    background: #f3f4f6;
    padding: 1px 4px;
    border-radius: 4px;
  }
  .spinner {
    width: 28px;
    height: 28px;
    border: 3px solid #c7d2fe;
    border-top-color: var(--cs-accent, #4f46e5);
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }

  /* Top bar. */
  .topbar {
    flex: none;
    display: flex;
    align-items: center;
    gap: 12px;
    height: 56px;
    padding: 0 16px;
    background: #fff;
    border-bottom: 1px solid var(--cs-line);
  }
  .brand {
    display: flex;
    align-items: center;
    gap: 8px;
    font-weight: 700;
    font-size: 17px;
    color: #111827;
  }
  .brand svg {
    width: 26px;
    height: 26px;
    padding: 4px;
    color: #fff;
    background: var(--cs-accent, #4f46e5);
    border-radius: 8px;
  }
  .brand.big svg {
    width: 36px;
    height: 36px;
    padding: 6px;
  }
  .brand.big {
    font-size: 20px;
  }
  .conn {
    display: flex;
    align-items: center;
    gap: 6px;
    font-size: 12px;
    color: #b45309;
    background: #fffbeb;
    padding: 3px 10px;
    border-radius: 999px;
  }
  .conn i {
    width: 7px;
    height: 7px;
    border-radius: 50%;
    background: currentColor;
  }
  .conn.ok {
    color: #15803d;
    background: #f0fdf4;
  }
  .spacer {
    flex: 1;
  }
  .me {
    display: flex;
    align-items: center;
    gap: 8px;
    font-size: 13px;
    font-weight: 600;
  }
  .me-avatar {
    display: grid;
    place-items: center;
    width: 30px;
    height: 30px;
    border-radius: 50%;
    background: #1f2937;
    color: #fff;
    font-size: 13px;
  }

  .notice {
    flex: none;
    padding: 8px 16px;
    background: #fef2f2;
    color: #991b1b;
    border-bottom: 1px solid #fecaca;
    font-size: 13px;
  }

  /* Columns. */
  .cols {
    flex: 1;
    min-height: 0;
    display: grid;
    grid-template-columns: 360px minmax(0, 1fr) 300px;
  }
  @media (max-width: 1100px) {
    .cols {
      grid-template-columns: 300px minmax(0, 1fr);
    }
    .details {
      display: none;
    }
  }

  /* Sidebar: filters and list. */
  .sidebar {
    display: flex;
    flex-direction: column;
    min-height: 0;
    background: #fff;
    border-right: 1px solid var(--cs-line);
  }
  .tabs {
    flex: none;
    display: flex;
    gap: 2px;
    padding: 10px 8px 0;
    border-bottom: 1px solid var(--cs-line);
  }
  .tabs [role='tab'] {
    flex: 1;
    border: 0;
    border-bottom: 2px solid transparent;
    border-radius: 0;
    background: none;
    padding: 8px 2px 10px;
    color: #6b7280;
    white-space: nowrap;
    font-size: 13px;
  }
  .tabs [role='tab'][aria-selected='true'] {
    color: var(--cs-accent, #4f46e5);
    border-bottom-color: var(--cs-accent, #4f46e5);
  }
  .count {
    margin-inline-start: 4px;
    padding: 0 6px;
    border-radius: 999px;
    background: #f3f4f6;
    color: #6b7280;
    font-size: 11px;
  }
  [role='tab'][aria-selected='true'] .count {
    background: #eef2ff;
    color: var(--cs-accent, #4f46e5);
  }
  #list-panel {
    flex: 1;
    min-height: 0;
    overflow-y: auto;
  }
  .none {
    padding: 32px 20px;
    text-align: center;
    color: var(--cs-muted, #6b7280);
    font-size: 14px;
  }
  .conv {
    display: flex;
    gap: 12px;
    padding: 12px 14px;
    border-bottom: 1px solid #f3f4f6;
    border-inline-start: 3px solid transparent;
    cursor: pointer;
  }
  .conv:hover {
    background: #f9fafb;
  }
  .conv.selected {
    background: #eef2ff;
    border-inline-start-color: var(--cs-accent, #4f46e5);
  }
  .conv:focus-visible {
    outline-offset: -2px;
  }
  .avatar {
    position: relative;
    flex: none;
    display: grid;
    place-items: center;
    width: 40px;
    height: 40px;
    border-radius: 50%;
    background: hsl(var(--hue, 230) 70% 92%);
    color: hsl(var(--hue, 230) 45% 32%);
    font-weight: 700;
    font-size: 14px;
  }
  .dot {
    position: absolute;
    right: 0;
    bottom: 0;
    width: 11px;
    height: 11px;
    border-radius: 50%;
    background: #d1d5db;
    border: 2px solid #fff;
  }
  .dot.on {
    background: #22c55e;
  }
  .conv-main {
    flex: 1;
    min-width: 0;
    display: flex;
    flex-direction: column;
    gap: 3px;
  }
  .conv-top,
  .conv-bottom,
  .conv-meta {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .conv-name {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-size: 14px;
  }
  .age {
    flex: none;
    font-size: 12px;
    color: #4b5563;
  }
  .preview {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-size: 13px;
    color: #4b5563;
  }
  .unread {
    flex: none;
    min-width: 20px;
    padding: 0 6px;
    border-radius: 999px;
    background: var(--cs-accent, #4f46e5);
    color: #fff;
    font-size: 11px;
    font-weight: 700;
    text-align: center;
    line-height: 20px;
  }
  .conv-meta {
    font-size: 11px;
    color: #4b5563;
  }
  .status {
    padding: 1px 8px;
    border-radius: 999px;
    font-size: 11px;
    font-weight: 600;
    text-transform: capitalize;
  }
  .status.open {
    background: #dbeafe;
    color: #1d4ed8;
  }
  .status.pending {
    background: #fef3c7;
    color: #92400e;
  }
  .status.resolved {
    background: #dcfce7;
    color: #166534;
  }
  .topic {
    color: #6b7280;
  }

  /* The open conversation. */
  .thread {
    display: flex;
    flex-direction: column;
    min-height: 0;
    min-width: 0;
    background: #fff;
  }
  .thread.empty {
    display: grid;
    place-items: center;
    color: var(--cs-muted, #6b7280);
    background: #f9fafb;
  }
  .thread-head {
    flex: none;
    display: flex;
    align-items: center;
    justify-content: space-between;
    flex-wrap: wrap;
    gap: 10px;
    padding: 12px 16px;
    border-bottom: 1px solid var(--cs-line);
  }
  .thread-head h2 {
    display: inline;
    font-size: 17px;
    margin-inline-end: 8px;
  }
  .actions {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .transfer {
    display: flex;
    gap: 4px;
  }
  .transfer input {
    width: 130px;
    font-size: 13px;
  }
  .log {
    flex: 1;
    min-height: 0;
    background: #fafbfc;
  }
  .note-msg {
    align-self: stretch;
    margin: 4px 8% 4px 0;
    padding: 8px 12px;
    background: #fffbeb;
    border: 1px dashed #f59e0b;
    border-radius: 10px;
  }
  .note-text {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .note-head {
    font-size: 11px;
    color: #92400e;
    margin-bottom: 2px;
  }
  cs-inbox-composer {
    flex: none;
  }

  /* Visitor details. */
  .details {
    min-height: 0;
    overflow-y: auto;
    background: #fff;
    border-left: 1px solid var(--cs-line);
    padding: 20px;
  }
  .who-card {
    display: flex;
    align-items: center;
    gap: 12px;
    padding-bottom: 16px;
    margin-bottom: 12px;
    border-bottom: 1px solid var(--cs-line);
  }
  .who-card .avatar {
    width: 48px;
    height: 48px;
    font-size: 16px;
  }
  .vname {
    font-size: 16px;
  }
  .presence {
    font-size: 12px;
    color: var(--cs-muted, #6b7280);
  }
  .field {
    padding: 8px 0;
  }
  dt {
    font-size: 11px;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: #4b5563;
  }
  dd {
    font-size: 13px;
    overflow-wrap: anywhere;
  }
  .verified {
    margin-inline-start: 4px;
    padding: 0 6px;
    border-radius: 999px;
    background: #dcfce7;
    color: #166534;
    font-size: 11px;
    font-weight: 600;
  }
`;
