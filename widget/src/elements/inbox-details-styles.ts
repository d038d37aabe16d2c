/** The workbench's visitor details column (`detailsPanel` in inbox-views.ts). */
import { css } from 'lit';

export const inboxDetailsStyles = css`
  /* Visitor details. */
  .details {
    min-height: 0;
    overflow-y: auto;
    background: #fff;
    border-left: 1px solid var(--_line);
    padding: 20px;
  }
  .who-card {
    display: flex;
    align-items: center;
    gap: 12px;
    padding-bottom: 16px;
    margin-bottom: 12px;
    border-bottom: 1px solid var(--_line);
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
    color: var(--_muted);
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
  .will-email {
    padding: 0 6px;
    border-radius: 999px;
    background: #dbeafe;
    color: #1e40af;
    font-size: 11px;
    font-weight: 600;
  }
`;
