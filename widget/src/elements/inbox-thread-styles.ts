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
  /* Attachments: the attach row above the composer, the files panel, the lightbox. */
  .attach-row {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 4px 12px 0;
    font-size: 12px;
  }
  .attach-row .muted {
    min-width: 0;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .attach-row .banner {
    color: #b91c1c;
  }
  .files h3 {
    margin: 16px 0 6px;
    font-size: 13px;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: #6b7280;
  }
  .files ul {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .files li {
    display: flex;
    flex-direction: column;
    padding: 6px 0;
    border-bottom: 1px solid #eef0f4;
    font-size: 13px;
  }
  .files a {
    overflow-wrap: anywhere;
  }
  .lightbox {
    position: fixed;
    inset: 0;
    z-index: 1000;
    display: grid;
    place-items: center;
    background: #0b1020f2;
    padding: 24px 24px 72px;
  }
  .lightbox img {
    max-width: 100%;
    max-height: calc(100vh - 120px);
    border-radius: 6px;
    box-shadow: 0 10px 40px #0008;
  }
  .lightbox-bar {
    position: fixed;
    inset-inline: 0;
    bottom: 0;
    display: flex;
    gap: 16px;
    align-items: center;
    justify-content: center;
    padding: 14px;
    color: #fff;
    font-size: 14px;
  }
  .lightbox-bar span {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .lightbox-bar a,
  .lightbox-bar button {
    flex: none;
  }
  .lightbox-bar a,
  .lightbox-bar button {
    color: #fff;
    background: #ffffff22;
    border: 1px solid #ffffff55;
    border-radius: 6px;
    padding: 6px 12px;
    font: inherit;
    text-decoration: none;
    cursor: pointer;
  }
`;
