/**
 * The workbench's panes on narrow screens (issue 11). Wide (over 1100 px):
 * list, conversation and visitor details side by side, no switcher. Tablet
 * (701–1100 px): the list beside either the conversation or the details.
 * Phone (700 px and less): one pane at a time. The switcher bar lets the
 * agent move between them; picking a conversation shows it. Which columns
 * show is pure CSS on `.cols[data-pane]` (inbox-styles.ts), so a resize
 * never loses the agent's place.
 */
import { html, type TemplateResult } from 'lit';
import type { WorkbenchStrings } from './workbench-i18n.js';

export const Pane = { List: 'list', Thread: 'thread', Details: 'details' } as const;
export type Pane = (typeof Pane)[keyof typeof Pane];

const PANES: readonly Pane[] = [Pane.List, Pane.Thread, Pane.Details];

/** The switcher bar: one button per pane, the shown one pressed. */
export function paneSwitcher(current: Pane, hasThread: boolean, show: (pane: Pane) => void, t: WorkbenchStrings): TemplateResult {
  return html`<div class="panes" role="toolbar" aria-label=${t.panes}>
    ${PANES.map(
      (pane) => html`<button
        type="button"
        class=${`to-${pane}`}
        aria-pressed=${String(current === pane)}
        ?disabled=${pane !== Pane.List && !hasThread}
        @click=${() => show(pane)}
      >
        ${t.paneLabel(pane)}
      </button>`,
    )}
  </div>`;
}
