/**
 * Keyed message rows for a windowed list. Each message gets its own small
 * container, rendered with Lit's `render()` only when its item or what it
 * shows of the list (newest message, newest own message, quoted message
 * present, language) changed; the containers are moved, not re-rendered,
 * when the window grows or shrinks. So growing a 90-row window by 30 costs
 * 30 row renders instead of re-binding all 90 (what a positional `map` does
 * when every index shifts), a keystroke in the composer renders no row, and
 * the browser keeps each row's layout (and `content-visibility` size).
 * Lit's `repeat` directive would do the reordering too, at about 1 KB gzip
 * more than this.
 *
 * The containers are plain divs the list's styles make `display: contents`,
 * so the rows lay out as children of the list itself.
 */
import { render, type TemplateResult } from 'lit';
import type { TimelineItem } from '../core/types.js';
import { renderMessage, type MessageViewContext } from './message-list.js';

interface Row {
  readonly el: HTMLElement;
  item?: TimelineItem;
  shows?: string;
}

/** Keeps `parent`'s children in step with a list of messages; see the module comment. */
export class MessageRows {
  private rows = new Map<string, Row>();

  /** `renderRow` draws one message (default `renderMessage`; the workbench adds private notes). */
  constructor(private readonly renderRow: (item: TimelineItem, ctx: MessageViewContext) => TemplateResult = renderMessage) {}

  /**
   * Makes `parent` hold exactly the rows of `items`, in order. Call after each
   * render of the list. `variant` is anything else the rows show (a display
   * name): when it changes, every row renders again.
   */
  sync(parent: HTMLElement, items: readonly TimelineItem[], ctx: MessageViewContext, variant = ''): void {
    const kept = new Map<string, Row>();
    let next = parent.firstChild;
    for (const item of items) {
      let row = this.rows.get(item.key);
      row ??= { el: document.createElement('div') };
      kept.set(item.key, row);
      const shows = `${item.key === ctx.latestKey}${item.key === ctx.lastOwnKey}${!!item.quoteSeq && !!ctx.bySeq(item.quoteSeq)}${ctx.lang}${variant}`;
      if (row.item !== item || row.shows !== shows) {
        render(this.renderRow(item, ctx), row.el);
        row.item = item;
        row.shows = shows;
      }
      if (row.el === next) next = next.nextSibling;
      else parent.insertBefore(row.el, next);
    }
    for (const [key, row] of this.rows) if (!kept.has(key)) row.el.remove();
    this.rows = kept;
  }
}
