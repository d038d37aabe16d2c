/**
 * Delivery of the public mailbox to open widgets (DESIGN.md §6).
 *
 * - **Welcome**: what is after the client's cursor and targeted at it (plus
 *   URL-targeted ones that match the page now, since the page, not the
 *   cursor, decides those), and tombstones for recalled ones it may hold.
 * - **Pushes**: a publish, edit or recall starts a *rollout* over the site's
 *   open sessions, in random order, spread uniformly over the jitter window
 *   (`CS_BROADCAST_SPREAD_MS`): session i of n gets its turn at
 *   `start + window * i / n`, so 10,000 open widgets see a steady trickle,
 *   not a spike. A prerelease change goes to its few whitelisted sessions at
 *   once. At its turn a session is evaluated against the mailbox *then*
 *   (targeting in memory), and gets only what differs from what it holds:
 *   so a later change overtaking a rollout costs nothing twice.
 * - The server's work does not grow with visitors who are not connected:
 *   nothing is written per visitor, and only open sessions are visited.
 *
 * This module knows no sockets: a session is a `Viewer` with a `send`.
 */
import { cs } from '../../../proto/gen/chat.js';
import { tombstone, variantFor, wireItem, type ViewerProfile } from './targeting.js';
import { AnnouncementState, type Announcement } from './types.js';

/** One open visitor session as the mailbox sees it. */
export interface Viewer extends ViewerProfile {
  pageUrl: string;
  /** Announcement id -> the seq of the copy this session holds (made on the first one). */
  held: Map<string, number> | undefined;
  /**
   * Sends one encoded `Frame{broadcast}`; false when the session is gone or
   * past its buffered limit (it then resyncs, and a reconnect's Welcome
   * carries what it missed).
   */
  send(frame: Uint8Array): boolean;
}

/** What delivery needs from the rest of the mailbox. */
export interface DeliveryDeps {
  /** The announcements of a site that may concern a client (not drafts, not long expired). */
  announcementsOf(site: string): readonly Announcement[];
  /** The mailbox seq now. */
  clock(): number;
  now(): number;
  /** Jitter window of a publish, edit or recall, ms. */
  spreadMs: number;
  /** How often a rollout hands out its due turns, ms. Default 50. */
  tickMs?: number;
  /** Random in [0, 1) (injected for tests). */
  random?: () => number;
  /** A copy of `id` was handed to a client. */
  delivered(id: string): void;
}

/** The answer for a Welcome. */
export interface WelcomeBroadcasts {
  readonly items: cs.v1.BroadcastItem.$Properties[];
  readonly cursor: number;
}

interface Rollout {
  readonly site: string;
  readonly viewers: Viewer[];
  readonly startMs: number;
  readonly windowMs: number;
  next: number;
}

/** The open sessions per site and the rollouts in progress. */
export class BroadcastDelivery {
  private readonly viewers = new Map<string, Set<Viewer>>();
  private readonly rollouts = new Map<string, Rollout>();
  private timer: NodeJS.Timeout | undefined;
  /** Encoded frames by content key, for the current clock (most sessions get the same bytes). */
  private readonly encoded = new Map<string, Uint8Array>();
  private encodedAt = -1;
  private readonly random: () => number;
  private readonly tickMs: number;
  /** Pushes sent (frames), for the bench and tests. */
  pushes = 0;

  constructor(private readonly deps: DeliveryDeps) {
    this.random = deps.random ?? Math.random;
    this.tickMs = deps.tickMs ?? 50;
  }

  /** Open sessions of a site (all sites when omitted). */
  count(site?: string): number {
    if (site !== undefined) return this.viewers.get(site)?.size ?? 0;
    let n = 0;
    for (const set of this.viewers.values()) n += set.size;
    return n;
  }

  /**
   * A session said Hello with `cursor`: registers it and returns what its
   * Welcome carries.
   */
  join(viewer: Viewer, cursor: number): WelcomeBroadcasts {
    let set = this.viewers.get(viewer.site);
    if (!set) this.viewers.set(viewer.site, (set = new Set()));
    set.add(viewer);
    const clock = this.deps.clock();
    // A cursor past the clock is from another store (a reset data directory): send everything.
    const after = cursor > clock ? 0 : cursor;
    const now = this.deps.now();
    const items: cs.v1.BroadcastItem.$Properties[] = [];
    for (const a of this.deps.announcementsOf(viewer.site)) {
      const variant = variantFor(a, viewer, now);
      if (variant) {
        (viewer.held ??= new Map()).set(a.id, a.seq);
        if (a.seq > after || a.urlPattern) items.push(wireItem(a, variant));
        // Counted once per client copy: a URL-targeted one re-sent with every Welcome is not delivered again.
        if (a.seq > after) this.deps.delivered(a.id);
      } else if (after > 0 && a.seq > after && a.firstSeq > 0 && after >= a.firstSeq && dropsCopies(a)) {
        items.push(tombstone(a));
      }
    }
    return { items, cursor: clock };
  }

  /** A session closed. */
  leave(viewer: Viewer): void {
    const set = this.viewers.get(viewer.site);
    if (!set) return;
    set.delete(viewer);
    if (set.size === 0) this.viewers.delete(viewer.site);
  }

  /**
   * Sends a session what differs between the mailbox now and what it holds.
   * @returns true when something was sent.
   */
  refresh(viewer: Viewer): boolean {
    const now = this.deps.now();
    const items: cs.v1.BroadcastItem.$Properties[] = [];
    const keys: string[] = [];
    const before: [string, number | undefined][] = [];
    for (const a of this.deps.announcementsOf(viewer.site)) {
      const variant = variantFor(a, viewer, now);
      const heldSeq = viewer.held?.get(a.id);
      if (variant) {
        if (heldSeq === a.seq) continue;
        before.push([a.id, heldSeq]);
        (viewer.held ??= new Map()).set(a.id, a.seq);
        items.push(wireItem(a, variant));
        keys.push(`${a.id}:${a.seq}:${variant}`);
      } else if (heldSeq !== undefined && (dropsCopies(a) || now >= a.expiresMs)) {
        before.push([a.id, heldSeq]);
        viewer.held?.delete(a.id);
        if (now >= a.expiresMs) continue;
        items.push(tombstone(a));
        keys.push(`${a.id}:${a.seq}:x`);
      }
    }
    if (items.length === 0) return false;
    this.pushes++;
    if (viewer.send(this.frame(keys.join(','), items))) {
      for (const item of items) if (!item.recalled) this.deps.delivered(item.id ?? '');
      return true;
    }
    // Not sent (gone, or past its buffered limit): it does not hold what it was not sent, so a later turn tries again.
    for (const [id, seq] of before) {
      if (seq === undefined) viewer.held?.delete(id);
      else viewer.held?.set(id, seq);
    }
    return false;
  }

  /**
   * The mailbox of `site` changed: every open session of it gets its turn,
   * spread over the jitter window, or at once (`immediate`: prerelease
   * changes, which concern a few whitelisted sessions). A new spread rollout
   * replaces one in progress for the site: its sessions are a superset, and
   * each is evaluated at its turn against the newest state.
   */
  changed(site: string, immediate: boolean): void {
    const set = this.viewers.get(site);
    if (!set || set.size === 0) return;
    if (immediate || this.deps.spreadMs <= 0) {
      for (const viewer of [...set]) this.refresh(viewer);
      return;
    }
    const viewers = [...set];
    for (let i = viewers.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [viewers[i], viewers[j]] = [viewers[j]!, viewers[i]!];
    }
    this.rollouts.set(site, { site, viewers, startMs: this.deps.now(), windowMs: this.deps.spreadMs, next: 0 });
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
    this.timer.unref?.();
  }

  /** True while a rollout is handing out turns. */
  get rolling(): boolean {
    return this.rollouts.size > 0;
  }

  /** Hands out the turns that are due (also called by the timer). */
  tick(): void {
    const now = this.deps.now();
    for (const [site, rollout] of this.rollouts) {
      const n = rollout.viewers.length;
      const due = Math.min(n, Math.ceil((n * (now - rollout.startMs + this.tickMs / 2)) / rollout.windowMs));
      const set = this.viewers.get(site);
      for (; rollout.next < due; rollout.next++) {
        const viewer = rollout.viewers[rollout.next]!;
        if (set?.has(viewer)) this.refresh(viewer);
      }
      if (rollout.next >= n) this.rollouts.delete(site);
    }
    if (this.rollouts.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Stops the timer (server shutdown). */
  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.rollouts.clear();
  }

  private frame(key: string, items: cs.v1.BroadcastItem.$Properties[]): Uint8Array {
    const clock = this.deps.clock();
    if (clock !== this.encodedAt || this.encoded.size > 1000) {
      this.encoded.clear();
      this.encodedAt = clock;
    }
    let bytes = this.encoded.get(key);
    if (!bytes) {
      bytes = cs.v1.Frame.encode({ broadcast: { items, cursor: clock } }).finish();
      this.encoded.set(key, bytes);
    }
    return bytes;
  }
}

/** True when clients holding `a` must drop it now (recalled, or no longer targeted at them; a stopped one stays until it expires). */
function dropsCopies(a: Announcement): boolean {
  return a.state !== AnnouncementState.Stopped;
}
