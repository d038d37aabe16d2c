/**
 * Shared styles of the chat elements. `resetStyles` cuts the host page's CSS
 * off at the shadow boundary: `all: initial` drops every inherited property
 * (font, colour, line-height, text-align, direction aside) and the `!important`
 * on `:host` wins over a page's `* { color: red !important }`, because for
 * important declarations the shadow tree's own context beats the outer one.
 * Custom properties still inherit, which is how merchants theme the widget.
 *
 * Lengths are px, never rem: a page may change the root font size.
 */
import { css } from 'lit';

/**
 * Host reset and the design tokens.
 * @cssprop --cs-accent - Brand colour of the launcher, header and own bubbles. Default #4f46e5.
 * @cssprop --cs-accent-text - Text colour on the accent. Default #fff.
 * @cssprop --cs-font - Font stack. Default the system UI font.
 * @cssprop --cs-text - Body text colour. Default #1f2937.
 * @cssprop --cs-muted - Secondary text colour. Default #6b7280.
 * @cssprop --cs-bg - Panel background. Default #fff.
 * @cssprop --cs-bubble - Background of the other side's bubbles. Default #f1f3f7.
 * @cssprop --cs-radius - Corner radius of the panel, px. Default 16px.
 * @cssprop --cs-z - z-index of the launcher and panel. Default 2147483000.
 */
export const resetStyles = css`
  :host {
    all: initial !important;
    display: block !important;
    font-family: var(--cs-font, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'PingFang SC', 'Microsoft YaHei', sans-serif) !important;
    font-size: 15px !important;
    line-height: 1.45 !important;
    color: var(--_text) !important;
    font-weight: 400 !important;
    font-style: normal !important;
    letter-spacing: normal !important;
    text-align: start !important;
    text-transform: none !important;
    -webkit-font-smoothing: antialiased;
    /* The colour tokens, each defined once: a merchant's --cs-* (on the element or any ancestor) or the default. */
    --_accent: var(--cs-accent, #4f46e5);
    --_accent-text: var(--cs-accent-text, #fff);
    --_text: var(--cs-text, #1f2937);
    --_muted: var(--cs-muted, #6b7280);
    --_bg: var(--cs-bg, #fff);
    --_bubble: var(--cs-bubble, #f1f3f7);
    --_line: var(--cs-line, #e5e7eb);
    --_focus: var(--cs-focus, #2563eb);
  }
  :host([hidden]) {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  button,
  textarea {
    font: inherit;
    color: inherit;
    letter-spacing: inherit;
  }
  button {
    cursor: pointer;
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  [hidden] {
    display: none !important;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
