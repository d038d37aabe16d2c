/** Styles of the message views (rows, bubbles, quotes, states, typing), shared by `<cs-chat>`'s lazy panel and `<cs-inbox>`. Lengths are px (see styles.ts). */
import { css } from 'lit';

/**
 * The message list, bubbles, quotes, quick replies and state labels (shared with `<cs-inbox>`).
 * Each row contains its layout, so a row that changes does not lay out its
 * neighbours. (`content-visibility: auto` was tried: its placeholder sizes
 * resolve a frame or two late and move a reader who is pinned to the
 * newest message; a window of at most 90 rows does not need it.)
 */
export const messageStyles = css`
  .log {
    display: flex;
    flex-direction: column;
    gap: 6px;
    padding: 12px 14px;
    overflow-y: auto;
    overflow-anchor: auto;
    overscroll-behavior: contain;
  }
  /* The keyed rows' containers (message-rows.ts): the rows lay out as children of the log. */
  .rows,
  .rows > div {
    display: contents;
  }
  .sentinel {
    flex: none;
    height: 1px;
  }
  .older {
    align-self: center;
    font-size: 12px;
    color: var(--_muted);
  }
  .msg {
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    max-width: 100%;
  }
  .msg,
  .event {
    contain: layout style;
  }
  .msg.own {
    align-items: flex-end;
  }
  .who {
    font-size: 12px;
    color: var(--_muted);
    margin-block: 4px 2px;
    margin-inline: 4px;
  }
  .row {
    display: flex;
    align-items: center;
    gap: 4px;
    max-width: 85%;
  }
  .msg.own .row {
    flex-direction: row-reverse;
  }
  .bubble {
    min-width: 0;
    padding: 8px 12px;
    border-radius: 16px;
    border-end-start-radius: 4px;
    background: var(--_bubble);
    color: var(--_text);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .msg.own .bubble {
    border-end-start-radius: 16px;
    border-end-end-radius: 4px;
    background: var(--_accent);
    color: var(--_accent-text);
  }
  .bubble a {
    color: inherit;
    text-decoration: underline;
  }
  .msg.failed .bubble {
    opacity: 0.75;
  }
  .bubble img {
    display: block;
    max-width: 100%;
    max-height: 240px;
    border-radius: 10px;
  }
  .quote {
    display: block;
    margin-block-end: 6px;
    padding-block: 2px;
    padding-inline: 8px;
    border-inline-start: 3px solid currentColor;
    opacity: 0.8;
    font-size: 13px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .act {
    flex: none;
    border: 0;
    background: none;
    padding: 4px;
    border-radius: 50%;
    color: var(--_muted);
    opacity: 0;
    line-height: 0;
  }
  .msg:hover .act,
  .msg:focus-within .act {
    opacity: 1;
  }
  .act:hover {
    background: #0000000d;
  }
  .act svg {
    width: 16px;
    height: 16px;
  }
  .state {
    display: flex;
    align-items: center;
    gap: 4px;
    margin-block-start: 2px;
    margin-inline: 4px;
    font-size: 11px;
    color: var(--_muted);
  }
  .state svg {
    width: 14px;
    height: 14px;
  }
  .state.read svg {
    color: var(--_accent);
  }
  .state.failed {
    color: #b91c1c;
  }
  .retry {
    border: 1px solid currentColor;
    background: none;
    color: #b91c1c;
    border-radius: 999px;
    padding: 0 8px;
    font-size: 11px;
    font-weight: 600;
  }
  .event {
    align-self: center;
    margin-block: 6px;
    padding: 2px 10px;
    font-size: 12px;
    color: var(--_muted);
    background: #00000008;
    border-radius: 999px;
    text-align: center;
  }
  .replies {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin-block-start: 6px;
    max-width: 85%;
  }
  .replies button {
    border: 1px solid var(--_accent);
    color: var(--_accent);
    background: var(--_bg);
    border-radius: 999px;
    padding: 5px 12px;
    font-size: 13px;
  }
  .replies button:hover {
    background: color-mix(in srgb, var(--_accent) 8%, transparent);
  }
  .replies button:disabled {
    opacity: 0.45;
    cursor: default;
  }
  .typing {
    display: flex;
    align-items: center;
    gap: 8px;
    font-size: 12px;
    color: var(--_muted);
  }
  .dots {
    display: inline-flex;
    gap: 3px;
    padding: 10px 12px;
    border-radius: 16px;
    background: var(--_bubble);
  }
  .dots i {
    width: 6px;
    height: 6px;
    border-radius: 50%;
    background: #9ca3af;
    animation: cs-blink 1.2s infinite ease-in-out;
  }
  .dots i:nth-child(2) {
    animation-delay: 0.15s;
  }
  .dots i:nth-child(3) {
    animation-delay: 0.3s;
  }
  @keyframes cs-blink {
    0%, 80%, 100% { opacity: 0.3; transform: translateY(0); }
    40% { opacity: 1; transform: translateY(-2px); }
  }
  @media (prefers-reduced-motion: reduce) {
    .dots i { animation: none; }
  }
`;
