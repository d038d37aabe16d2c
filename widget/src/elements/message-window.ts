/**
 * Renders only a window of a long message list. Sentinels at both ends of the
 * scroller are watched with an IntersectionObserver: when the top one comes
 * into view the window grows upwards a page at a time (and, at the first item,
 * asks the session for the previous page with `loadOlder`); when the bottom one
 * comes into view after scrolling back down it grows downwards. The window
 * never holds more than `max` items: growing one end trims the other.
 *
 * Older pages are prefetched: once the reader has scrolled up and the window
 * starts within two steps of the first item the session holds, the previous
 * page is asked for, so it has usually arrived before the top is reached.
 * Scrolling itself costs one passive listener that schedules a check on the
 * next animation frame; nothing is rendered per scroll event.
 *
 * The scroll position survives every change: before an update the first
 * visible message is noted with its offset, after the update the scroller is
 * moved by however far that message moved. A reader pinned to the bottom stays
 * pinned as new messages arrive. Items are tracked by key, not index, because
 * an older page shifts every index.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { TimelineItem } from '../core/types.js';

/** Options of a {@link MessageWindow}. */
export interface MessageWindowOptions {
  /** Items added per step when an edge comes into view. Default 30. */
  readonly page?: number;
  /** Most items rendered at once. Default 90. */
  readonly max?: number;
  /** Fetch the previous page (the session's `loadOlder`). */
  readonly loadOlder: () => Promise<void>;
}

/** Distance from the bottom, px, under which the reader counts as pinned to it. */
const PIN_SLACK_PX = 32;
/** How close to the visible area, px, an edge must come to grow the window. */
const EDGE_MARGIN_PX = 160;

/** A ReactiveController that picks which items of a timeline are rendered. */
export class MessageWindow implements ReactiveController {
  private readonly page: number;
  private readonly max: number;
  private startKey = '';
  private endKey = '';
  /** The window reaches the newest item and follows new ones. */
  private atTail = true;
  /** The reader is scrolled to the bottom: keep them there. */
  private pinned = true;
  /** Pinned by request (open, send): do not re-measure before the next update. */
  private stick = true;
  private start = 0;
  private end = 0;
  private items: readonly TimelineItem[] = [];
  private hasOlder = false;
  private anchor: { key: string; offset: number } | undefined;
  private scroller: HTMLElement | undefined;
  private observer: IntersectionObserver | undefined;
  /** Rows change size after they are rendered (content-visibility, images): look again then. */
  private resized: ResizeObserver | undefined;
  private observed: Element[] = [];
  /** The scrollTop this controller set last: a position it did not set is the reader's. */
  private ownTop = NaN;
  private frame = 0;
  /** True while `loadOlder` runs. */
  loading = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: MessageWindowOptions,
  ) {
    this.page = options.page ?? 30;
    this.max = options.max ?? 90;
    host.addController(this);
  }

  /** The items to render now, oldest first. Call from `render()`. */
  slice(items: readonly TimelineItem[], hasOlder: boolean): readonly TimelineItem[] {
    this.items = items;
    this.hasOlder = hasOlder;
    const len = items.length;
    const keyed = this.startKey ? items.findIndex((i) => i.key === this.startKey) : -1;
    let start = keyed < 0 ? 0 : keyed;
    let end = len;
    if (!this.atTail) {
      const e = items.findIndex((i) => i.key === this.endKey);
      if (e < 0) this.atTail = true;
      else end = e + 1;
    }
    // A fresh window (the panel opening) starts with one step of items, enough to fill the view: it grows upwards on demand.
    if (keyed < 0) start = Math.max(0, end - this.page);
    else if (end - start > this.max) start = Math.max(0, end - this.max);
    this.start = start;
    this.end = end;
    this.startKey = items[start]?.key ?? '';
    this.endKey = items[end - 1]?.key ?? '';
    return items.slice(start, end);
  }

  /** Rendered items start at the first one the session holds. */
  get atHead(): boolean {
    return this.start === 0;
  }

  /** Jump to the newest items and stay there (after the reader sends). */
  scrollToEnd(): void {
    this.atTail = true;
    this.pinned = true;
    this.stick = true;
    this.host.requestUpdate();
  }

  /** The reader is at the bottom of the newest items (so they see them). */
  get seesNewest(): boolean {
    return this.atTail && this.pinned;
  }

  /** Watches this scroller and its two sentinels; call after each render (no-op when unchanged). */
  attach(scroller: HTMLElement | null, top: Element | null, bottom: Element | null): void {
    if (!scroller || !top || !bottom) return;
    if (scroller === this.scroller && this.observed[0] === top && this.observed[1] === bottom) return;
    this.observer?.disconnect();
    if (this.scroller !== scroller) {
      scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    }
    this.scroller = scroller;
    this.observed = [top, bottom];
    this.observer = new IntersectionObserver(
      () => this.schedule(),
      { root: scroller, rootMargin: `${EDGE_MARGIN_PX}px 0px` },
    );
    this.observer.observe(top);
    this.observer.observe(bottom);
    this.resized ??= new ResizeObserver(() => this.schedule());
    this.watchRows(scroller);
    if (this.pinned && this.atTail) this.scrollTo(scroller, scroller.scrollHeight);
    this.stick = false;
    this.schedule();
  }

  hostUpdate(): void {
    const s = this.scroller;
    if (!s || !s.isConnected) return;
    if (!this.stick) this.measurePinned();
    this.anchor = undefined;
    if (this.pinned) return;
    const top = s.getBoundingClientRect().top;
    for (const el of s.querySelectorAll<HTMLElement>('[data-key]')) {
      const r = el.getBoundingClientRect();
      if (r.bottom > top) {
        this.anchor = { key: el.dataset.key ?? '', offset: r.top - top };
        break;
      }
    }
  }

  hostUpdated(): void {
    const s = this.scroller;
    if (!s || !s.isConnected) return;
    this.stick = false;
    this.watchRows(s);
    if (this.pinned && this.atTail) {
      this.scrollTo(s, s.scrollHeight);
    } else if (this.anchor) {
      const el = [...s.querySelectorAll<HTMLElement>('[data-key]')].find((e) => e.dataset.key === this.anchor?.key);
      if (el) this.scrollTo(s, s.scrollTop + el.getBoundingClientRect().top - s.getBoundingClientRect().top - this.anchor.offset);
    }
    this.schedule();
  }

  private scrollTo(s: HTMLElement, top: number): void {
    s.scrollTop = top;
    this.ownTop = s.scrollTop;
    this.anchorMode(s);
  }

  /**
   * The browser's scroll anchoring keeps a reader's place when rows above
   * resize (content-visibility sizes resolve as rows come into view); a
   * reader pinned to the bottom must follow the bottom instead, which this
   * controller does itself, so anchoring is off while pinned.
   */
  private anchorMode(s: HTMLElement): void {
    const mode = this.pinned && this.atTail ? 'none' : 'auto';
    if (s.style.overflowAnchor !== mode) s.style.overflowAnchor = mode;
  }

  private watchRows(s: HTMLElement): void {
    const r = this.resized;
    if (!r) return;
    r.disconnect();
    for (const el of s.querySelectorAll('[data-key]')) r.observe(el);
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    this.resized?.disconnect();
    this.resized = undefined;
    this.observed = [];
    this.scroller = undefined;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  /** Pinned follows the reader's scrolling only: rows growing under a position this controller set do not unpin. */
  private measurePinned(): void {
    const s = this.scroller;
    if (!s || s.clientHeight === 0 || s.scrollTop === this.ownTop) return;
    this.pinned = s.scrollHeight - s.scrollTop - s.clientHeight < PIN_SLACK_PX;
  }

  /** Looks at the edges on the next frame, so one update never starts another synchronously. */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.checkEdges();
    });
  }

  /** Edge within this many px of the visible area counts as in view. */
  private near(edge: Element, s: HTMLElement): boolean {
    const r = edge.getBoundingClientRect();
    const v = s.getBoundingClientRect();
    return r.bottom >= v.top - EDGE_MARGIN_PX && r.top <= v.bottom + EDGE_MARGIN_PX;
  }

  /** Measured here rather than taken from the observer's last report, which lags a growth step. */
  private checkEdges(): void {
    const s = this.scroller;
    const [top, bottom] = this.observed;
    if (!s || !top || !bottom || !s.isConnected || s.clientHeight === 0) return;
    if (!this.stick) this.measurePinned();
    // Rows that grew after the last render (sizes resolved late) must not pull a pinned reader off the bottom.
    if (this.pinned && this.atTail && s.scrollTop === this.ownTop && s.scrollHeight - s.clientHeight - s.scrollTop > 1) this.scrollTo(s, s.scrollHeight);
    this.anchorMode(s);
    const nearTop = this.near(top, s);
    if (this.hasOlder && !this.loading && this.start < 2 * this.page && (nearTop || !this.pinned)) this.fetchOlder();
    if (nearTop && this.start > 0) return this.grow(Math.max(0, this.start - this.page), this.end);
    if (!this.atTail && this.near(bottom, s)) this.grow(this.start, Math.min(this.items.length, this.end + this.page));
  }

  private grow(start: number, end: number): void {
    const growsUp = start < this.start;
    if (end - start > this.max) {
      if (growsUp) end = start + this.max;
      else start = end - this.max;
    }
    this.atTail = end >= this.items.length;
    this.startKey = this.items[start]?.key ?? '';
    this.endKey = this.items[end - 1]?.key ?? '';
    this.host.requestUpdate();
  }

  private fetchOlder(): void {
    this.loading = true;
    this.host.requestUpdate();
    this.options.loadOlder().finally(() => {
      this.loading = false;
      this.host.requestUpdate();
    });
  }
}
