/** The workbench's conversation list (`conversationOption` in inbox-views.ts): filter tabs, rows, avatars, status chips. */
import { css } from 'lit';

export const inboxListStyles = css`
  /* Sidebar: filters and list. */
  .sidebar {
    display: flex;
    flex-direction: column;
    min-height: 0;
    background: #fff;
    border-right: 1px solid var(--_line);
  }
  .search {
    flex: none;
    padding: 10px 10px 0;
  }
  .search {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
  }
  .search input {
    flex: 1;
    min-width: 0;
    padding: 7px 10px;
  }
  .search select {
    max-width: 45%;
    font: inherit;
    font-size: 14px;
    border: 1px solid #d1d5db;
    border-radius: 8px;
    padding: 6px 8px;
    background: #fff;
  }
  .search .error {
    flex-basis: 100%;
  }
  .site {
    font-size: 11px;
    font-weight: 600;
    color: #0f766e;
    background: #f0fdfa;
    padding: 1px 6px;
    border-radius: 999px;
  }
  .search .error {
    margin-top: 6px;
  }
  .tabs {
    flex: none;
    display: flex;
    gap: 2px;
    padding: 10px 8px 0;
    border-bottom: 1px solid var(--_line);
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
    color: var(--_accent);
    border-bottom-color: var(--_accent);
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
    color: var(--_accent);
  }
  #list-panel {
    flex: 1;
    min-height: 0;
    overflow-y: auto;
  }
  .none {
    padding: 32px 20px;
    text-align: center;
    color: var(--_muted);
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
    border-inline-start-color: var(--_accent);
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
    /* 28%: at least 4.5:1 on the 92% background for every hue (yellow ones were 4.47 at 32%). */
    color: hsl(var(--hue, 230) 45% 28%);
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
  /* A search hit's excerpt: two lines, so the marked words show in a narrow column. */
  .preview.excerpt {
    white-space: normal;
    display: -webkit-box;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 2;
    overflow-wrap: anywhere;
  }
  .preview mark {
    background: #fef08a;
    color: #1f2937;
    border-radius: 2px;
  }
  .unread {
    flex: none;
    min-width: 20px;
    padding: 0 6px;
    border-radius: 999px;
    background: var(--_accent);
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
`;
