/**
 * The widget's small stroke icons (Lit SVG templates), shared by the panel,
 * the message views and the workbench. The launcher's own two are in
 * launcher-icons.ts, so dist/cs-chat.js carries only those.
 */
import { svg } from 'lit';
import { icon, launcherIcons } from './launcher-icons.js';

/** Small stroke icons used by the views and the chat element. */
export const icons = {
  ...launcherIcons,
  clock: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>`),
  check: icon(svg`<path d="M5 12.5l4.5 4.5L19 7.5"/>`),
  checks: icon(svg`<path d="M2 12.5l4.5 4.5L16 7.5"/><path d="M11 16.5l.5.5L21 7.5"/>`),
  alert: icon(svg`<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/>`),
  reply: icon(svg`<path d="M9 14L4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 6 6v5"/>`),
  close: icon(svg`<path d="M6 6l12 12M18 6L6 18"/>`),
  send: icon(svg`<path d="M4 12l16-8-6 16-2.5-6.5z"/><path d="M11.5 13.5L20 4"/>`),
};
