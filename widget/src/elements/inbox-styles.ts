/**
 * The shell of `<cs-inbox>`: the host, controls, the sign-in form, the top
 * bar and the three columns (list, conversation, visitor details), whose own
 * looks sit beside their views: `inbox-list-styles.ts`,
 * `inbox-thread-styles.ts`, `inbox-details-styles.ts`. The message bubbles
 * come from the shared `messageStyles`, the colour tokens (`--_accent` …)
 * from `resetStyles`. Lengths in px (the page's root font size must not
 * matter).
 */
import { css } from 'lit';

export const inboxStyles = css`
  :host {
    display: flex !important;
    flex-direction: column !important;
    height: 100% !important;
    min-height: 0 !important;
    background: #f6f7fb !important;
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
    color: var(--_accent);
  }
  .muted {
    color: var(--_muted);
    font-size: 13px;
  }
  button {
    border: 1px solid var(--_line);
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
    background: var(--_accent);
    border-color: var(--_accent);
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
  /* My own away toggle (AgentStatus) while it is on. */
  button.ghost.away-on {
    background: #fef3c7;
    color: #92400e;
  }
  a.ghost {
    padding: 6px 10px;
    font-size: 13px;
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
    font-size: 16px;
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
  .signin input:not([type='checkbox']) {
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
    border-top-color: var(--_accent);
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
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
    background: var(--_accent);
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
  /* Narrow screens: panes switched by the bar (inbox-panes.ts). */
  .panes {
    display: none;
    flex: none;
    gap: 4px;
    padding: 6px 8px;
    background: #fff;
    border-bottom: 1px solid var(--_line);
  }
  .panes button {
    flex: 1;
    min-height: 40px;
  }
  .panes button[aria-pressed='true'] {
    background: #eef2ff;
    border-color: var(--_accent);
    color: var(--_accent);
  }
  @media (max-width: 1100px) {
    .cols {
      grid-template-columns: 300px minmax(0, 1fr);
    }
    .panes {
      display: flex;
    }
    .panes .to-list {
      display: none;
    }
    .cols[data-pane='details'] > .thread,
    .cols:not([data-pane='details']) > .details {
      display: none;
    }
    .details {
      border-left: 0;
    }
    .tabs {
      flex-wrap: wrap;
    }
    .tabs [role='tab'] {
      flex: 1 0 auto;
      padding-inline: 6px;
    }
  }
  @media (max-width: 700px) {
    .cols {
      grid-template-columns: minmax(0, 1fr);
    }
    .panes .to-list {
      display: block;
    }
    .cols:not([data-pane='list']) > .sidebar,
    .cols[data-pane='list'] > .thread,
    .cols[data-pane='list'] > .details {
      display: none;
    }
    .sidebar {
      border-right: 0;
    }
    .actions {
      flex-wrap: wrap;
    }
  }
`;
