/** The workbench's open conversation (`renderThread` in cs-inbox.ts): its header, actions, log and private notes. */
import { css } from 'lit';

export const inboxThreadStyles = css`
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
    color: var(--_muted);
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
    border-bottom: 1px solid var(--_line);
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
  .transfer select,
  .transfer input {
    width: 130px;
    font-size: 13px;
  }
  .transfer select {
    width: auto;
    max-width: 210px;
    font: inherit;
    font-size: 13px;
    border: 1px solid #d1d5db;
    border-radius: 8px;
    padding: 6px 8px;
    background: #fff;
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
`;
