/**
 * The icon template and the launcher's two icons, in dist/cs-chat.js; the
 * views' icons (icons.ts) are in the lazy chunks and the workbench.
 */
import { html, svg, type TemplateResult } from 'lit';

/** A small stroke icon (24 × 24) from its SVG body. */
export const icon = (body: TemplateResult): TemplateResult =>
  html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;

/** The launcher's icons: the chat bubble (closed) and the chevron (open). */
export const launcherIcons = {
  chat: icon(svg`<path d="M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v9a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4h0A1.5 1.5 0 0 1 4 15.5z"/>`),
  down: icon(svg`<path d="M6 9l6 6 6-6"/>`),
};
