/**
 * Styles of what `dist/cs-chat.js` renders before the panel's code is loaded:
 * the launcher, its badge, the panel's box (position, size, phone
 * full-screen) and the line shown while the panel loads or failed to. The
 * panel's inside is styled by cs-chat-styles.ts, in the lazy panel chunk.
 */
import { css } from 'lit';

export const launcherStyles = css`
  .launcher {
    position: fixed;
    z-index: var(--cs-z, 2147483000);
    bottom: calc(20px + env(safe-area-inset-bottom, 0px));
    right: 20px;
    width: 60px;
    height: 60px;
    border: 0;
    border-radius: 50%;
    display: grid;
    place-items: center;
    background: var(--_accent);
    color: var(--_accent-text);
    box-shadow: 0 6px 20px #0f172a40, 0 2px 6px #0f172a26;
    transition: transform 0.15s ease;
  }
  :host([position='left']) .launcher,
  :host([position='left']) .panel {
    right: auto;
    left: 20px;
  }
  .launcher:hover {
    transform: scale(1.06);
  }
  .launcher svg {
    width: 28px;
    height: 28px;
  }
  .badge {
    position: absolute;
    top: -2px;
    inset-inline-end: -2px;
    min-width: 22px;
    height: 22px;
    padding: 0 6px;
    border-radius: 11px;
    background: #ef4444;
    color: #fff;
    border: 2px solid #fff;
    font-size: 12px;
    font-weight: 700;
    line-height: 18px;
    text-align: center;
  }
  .panel {
    position: fixed;
    z-index: var(--cs-z, 2147483000);
    bottom: 92px;
    right: 20px;
    width: 380px;
    height: min(640px, calc(100vh - 112px));
    display: flex;
    flex-direction: column;
    overflow: hidden;
    border-radius: var(--cs-radius, 16px);
    background: var(--_bg);
    color: var(--_text);
    box-shadow: 0 18px 50px #0f172a38, 0 4px 12px #0f172a1f;
    animation: cs-pop 0.16s ease-out;
  }
  @keyframes cs-pop {
    from { opacity: 0; transform: translateY(8px) scale(0.98); }
  }
  @media (max-width: 480px) {
    .panel {
      inset: 0;
      width: auto;
      height: auto;
      border-radius: 0;
      bottom: 0;
      right: 0;
    }
    .panel > header {
      padding-top: calc(16px + env(safe-area-inset-top, 0px));
    }
    .panel > form {
      margin-bottom: calc(12px + env(safe-area-inset-bottom, 0px));
    }
    :host([position='left']) .panel {
      left: 0;
    }
    :host([open]) .launcher {
      display: none;
    }
  }
  .loading {
    margin: auto;
    padding: 24px;
    display: grid;
    justify-items: center;
    gap: 12px;
    text-align: center;
    font-size: 14px;
  }
  .loading button {
    border: 0;
    border-radius: 16px;
    padding: 6px 16px;
    background: var(--_accent);
    color: var(--_accent-text);
  }
`;
