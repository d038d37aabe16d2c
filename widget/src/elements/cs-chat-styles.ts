/** Styles of the inside of `<cs-chat>`'s panel: header, banner, log, quoting line and composer (the lazy panel chunk; the launcher and the panel's box are in launcher-styles.ts). */
import { css } from 'lit';

export const chatStyles = css`
  header {
    flex: none;
    display: flex;
    align-items: center;
    gap: 12px;
    padding: 16px 14px 16px 18px;
    padding-inline: 18px 10px;
    background: var(--_accent);
    background-image: linear-gradient(135deg, #ffffff1f, #00000014);
    color: var(--_accent-text);
  }
  .avatar {
    flex: none;
    width: 40px;
    height: 40px;
    border-radius: 50%;
    display: grid;
    place-items: center;
    background: #ffffff33;
    font-weight: 700;
    font-size: 17px;
  }
  .heading {
    flex: 1;
    min-width: 0;
  }
  h2 {
    margin: 0;
    font-size: 16px;
    font-weight: 650;
    line-height: 1.3;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .presence {
    margin: 2px 0 0;
    display: flex;
    align-items: center;
    gap: 6px;
    font-size: 12.5px;
    opacity: 0.9;
  }
  .presence i {
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: #fbbf24;
  }
  .presence i.online {
    background: #34d399;
    box-shadow: 0 0 0 2px #34d39955;
  }
  .icon-btn {
    flex: none;
    border: 0;
    background: none;
    color: inherit;
    width: 36px;
    height: 36px;
    border-radius: 50%;
    display: grid;
    place-items: center;
  }
  .icon-btn:hover {
    background: #ffffff26;
  }
  .icon-btn svg {
    width: 20px;
    height: 20px;
  }
  header :focus-visible {
    outline-color: #fff;
  }
  .banner {
    flex: none;
    padding: 6px 14px;
    font-size: 12.5px;
    text-align: center;
    background: #fef3c7;
    color: #78350f;
  }
  .banner.failed {
    background: #fee2e2;
    color: #7f1d1d;
  }
  .log {
    flex: 1;
    min-height: 0;
    background: var(--_bg);
  }
  .empty {
    margin: 8px 0;
    padding: 14px 16px;
    border-radius: 12px;
    background: var(--_bubble);
    color: var(--_text);
    font-size: 14px;
  }
  .below {
    flex: none;
    padding: 0 14px 6px;
    min-height: 6px;
  }
  .quoting {
    flex: none;
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0 12px;
    padding: 6px 4px 6px 10px;
    border-inline-start: 3px solid var(--_accent);
    background: var(--_bubble);
    border-radius: 6px;
    font-size: 13px;
    color: var(--_muted);
  }
  .quoting span {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .quoting b {
    color: var(--_text);
    font-weight: 600;
  }
  .quoting .icon-btn {
    width: 28px;
    height: 28px;
    color: var(--_muted);
  }
  .quoting .icon-btn:hover {
    background: #0000000d;
  }
  .quoting .icon-btn svg {
    width: 16px;
    height: 16px;
  }
  form {
    flex: none;
    display: flex;
    align-items: flex-end;
    gap: 8px;
    margin: 8px 12px 12px;
    padding: 6px 6px 6px 14px;
    padding-inline: 14px 6px;
    border: 1px solid #e5e7eb;
    border-radius: 22px;
    background: var(--_bg);
  }
  form:focus-within {
    border-color: var(--_accent);
    box-shadow: 0 0 0 3px color-mix(in srgb, var(--_accent) 18%, transparent);
  }
  textarea {
    flex: 1;
    min-width: 0;
    resize: none;
    border: 0;
    outline: 0;
    background: none;
    padding: 6px 0;
    max-height: 120px;
    /* 16 px: iOS zooms the page into any smaller input on focus. */
    font-size: 16px;
    line-height: 1.4;
    color: var(--_text);
  }
  textarea:focus-visible {
    outline: none;
  }
  textarea::placeholder {
    color: #9ca3af;
  }
  .send {
    flex: none;
    width: 34px;
    height: 34px;
    border: 0;
    border-radius: 50%;
    display: grid;
    place-items: center;
    background: var(--_accent);
    color: var(--_accent-text);
  }
  .send:disabled {
    background: #e5e7eb;
    color: #9ca3af;
    cursor: default;
  }
  .send svg {
    width: 18px;
    height: 18px;
  }
  :dir(rtl) .send svg {
    transform: scaleX(-1);
  }
  /* The optional "Get the reply by email" card at the end of the conversation (email-capture.ts). */
  .email-ask {
    display: block;
    margin: 8px 0;
    padding: 12px 14px;
    border-radius: 12px;
    background: var(--_bubble);
    color: var(--_text);
    font-size: 14px;
  }
  .email-ask label {
    display: block;
    font-weight: 600;
    margin-bottom: 8px;
  }
  .email-row {
    display: flex;
    gap: 6px;
  }
  .email-ask input {
    flex: 1;
    min-width: 0;
    padding: 8px 10px;
    border: 1px solid #d1d5db;
    border-radius: 8px;
    font: inherit;
    font-size: 16px;
    color: var(--_text);
    background: var(--_bg);
  }
  .email-ask input:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 1px;
  }
  .email-save {
    flex: none;
    padding: 8px 12px;
    border: 0;
    border-radius: 8px;
    font: inherit;
    font-weight: 600;
    background: var(--_accent);
    color: var(--_accent-text);
    cursor: pointer;
  }
  .email-hint,
  .email-error {
    margin: 6px 0 0;
    font-size: 12px;
    color: #4b5563;
  }
  .email-error {
    color: #b91c1c;
  }
  .email-skip {
    margin-top: 4px;
    padding: 4px 0;
    border: 0;
    background: none;
    font: inherit;
    font-size: 12px;
    color: #374151;
    text-decoration: underline;
    cursor: pointer;
  }
  .email-saved {
    margin: 8px 0;
    font-size: 12px;
    color: #4b5563;
    text-align: center;
  }
`;
