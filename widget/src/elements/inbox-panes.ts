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

export const Pane = { List: 'list', Thread: 'thread', Details: 'details' } as const;
export type Pane = (typeof Pane)[keyof typeof Pane];

const LABELS: readonly (readonly [Pane, string])[] = [
  [Pane.List, 'Conversations'],
  [Pane.Thread, 'Conversation'],
  [Pane.Details, 'Details'],
];

/** The switcher bar: one button per pane, the shown one pressed. */
export function paneSwitcher(current: Pane, hasThread: boolean, show: (pane: Pane) => void): TemplateResult {
  return html`<div class="panes" role="toolbar" aria-label="Show">
    ${LABELS.map(
      ([pane, label]) => html`<button
        type="button"
        class=${`to-${pane}`}
        aria-pressed=${String(current === pane)}
        ?disabled=${pane !== Pane.List && !hasThread}
        @click=${() => show(pane)}
      >
        ${label}
      </button>`,
    )}
  </div>`;
}
