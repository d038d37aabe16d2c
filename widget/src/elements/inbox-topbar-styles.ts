/**
 * Styles of the workbench's top bar (inbox-topbar.ts): one row at every
 * width. Wide: every item in the bar. ≤ 1100 px: brand, connection and the
 * away toggle stay; the rest is a dropdown under the "Menu" button, one
 * item a row, 44 px tall touch targets.
 */
import { css } from 'lit';

export const inboxTopbarStyles = css`
  .topbar {
    position: relative;
    z-index: 3;
    flex: none;
    display: flex;
    align-items: center;
    gap: 8px;
    height: 56px;
    padding: 0 16px;
    background: #fff;
    border-bottom: 1px solid var(--_line);
  }
  .topbar > *,
  .menu > * {
    white-space: nowrap;
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
    color: inherit;
    text-decoration: none;
  }
  a.me:hover {
    text-decoration: underline;
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
  /* Wide: the menu's items are the bar's own. */
  .menu {
    display: contents;
  }
  .menu-button {
    display: none;
  }
  .menu-button svg {
    width: 20px;
    height: 20px;
  }

  @media (max-width: 1100px) {
    .topbar {
      padding: 0 8px 0 12px;
      gap: 6px;
    }
    .menu-button {
      display: inline-flex;
      align-items: center;
      gap: 6px;
    }
    .menu-button[aria-expanded='true'] {
      background: #eef2ff;
      color: var(--_accent);
    }
    .menu {
      display: none;
      position: absolute;
      top: calc(100% + 4px);
      right: 8px;
      min-width: 230px;
      max-width: calc(100vw - 16px);
      flex-direction: column;
      align-items: stretch;
      padding: 6px;
      background: #fff;
      border: 1px solid var(--_line);
      border-radius: 12px;
      box-shadow: 0 12px 32px rgb(17 24 39 / 0.16);
    }
    .menu[data-open] {
      display: flex;
    }
    .menu > button,
    .menu > a,
    .menu > .me {
      display: flex;
      align-items: center;
      min-height: 44px;
      padding: 8px 12px;
      text-align: left;
      justify-content: flex-start;
    }
    .menu > .online {
      padding: 8px 12px 4px;
    }
    .menu > .me {
      order: -1;
      border-bottom: 1px solid var(--_line);
      margin-bottom: 4px;
    }
  }
  @media (max-width: 420px) {
    .brand span {
      font-size: 16px;
    }
    .menu-button span {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
  }
`;
