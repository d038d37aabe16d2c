/**
 * The public mailbox (DESIGN.md §6): announcements stored once, cached in
 * memory, managed through a lifecycle, and delivered to open widgets by
 * read fan-out. One write per publish / edit / stop / recall whatever the
 * number of visitors; visitor events are batched into one transaction a
 * second (each kind counted once per visitor and announcement).
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { cs } from '../../../proto/gen/chat.js';
import { BroadcastDelivery, type Viewer, type WelcomeBroadcasts } from './delivery.js';
import { BroadcastStore, EVENT_COLUMNS, type EventRecord } from './store.js';
import { variantFor } from './targeting.js';
import {
  AnnouncementState,
  BroadcastError,
  EDITABLE,
  TRANSITIONS,
  WHITELIST_EDITABLE,
  type Announcement,
  type AnnouncementContent,
  type Transition,
  type Whitelist,
} from './types.js';
import { checkContent, withDefaults } from './validate.js';

/** Settings of the mailbox. */
export interface BroadcastOptions {
  /** Jitter window over which a publish, edit or recall reaches the open widgets, ms. Default 30000 (`CS_BROADCAST_SPREAD_MS`). */
  spreadMs?: number;
  /** How often visitor events and delivered counts are written, ms. Default 1000. */
  flushMs?: number;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** Random in [0, 1) for the rollout order. */
  random?: () => number;
  /** Called when a background write fails (logged by the server). */
  onError?: (error: unknown) => void;
}

/** Most pending events kept in memory before a flush is forced. */
const MAX_PENDING = 10_000;
/** How long after expiry an announcement still concerns clients (none: they drop it themselves at expiry). */
const KEEP_AFTER_EXPIRY_MS = 0;

export class BroadcastService {
  private readonly store: BroadcastStore;
  private readonly byId = new Map<string, Announcement>();
  /** Per site, the announcements a client may need to hear about (cached, rebuilt on change). */
  private readonly bySite = new Map<string, Announcement[]>();
  private clockSeq: number;
  readonly delivery: BroadcastDelivery;
  private readonly now: () => number;
  private readonly pending = new Map<string, EventRecord>();
  private readonly delivered = new Map<string, number>();
  private readonly flushTimer: NodeJS.Timeout;
  private startTimer: NodeJS.Timeout | undefined;
  private readonly onError: (error: unknown) => void;

  constructor(db: Database.Database, options: BroadcastOptions = {}) {
    this.store = new BroadcastStore(db);
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
    this.clockSeq = this.store.clock();
    for (const a of this.store.loadAll()) this.byId.set(a.id, a);
    this.reindex();
    this.delivery = new BroadcastDelivery({
      announcementsOf: (site) => this.bySite.get(site) ?? [],
      clock: () => this.clockSeq,
      now: this.now,
      spreadMs: options.spreadMs ?? 30_000,
      random: options.random,
      delivered: (id) => this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1),
    });
    this.flushTimer = setInterval(() => this.flushQuietly(), options.flushMs ?? 1000);
    this.flushTimer.unref();
    this.scheduleStarts();
  }

  /** The mailbox seq now. */
  get clock(): number {
    return this.clockSeq;
  }

  // ---- management (admins, through the API) --------------------------------

  /** Every announcement, newest first. */
  list(): Announcement[] {
    this.flushQuietly();
    return [...this.byId.values()].sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1));
  }

  /** One announcement. @throws BroadcastError not_found */
  get(id: string): Announcement {
    this.flushQuietly();
    const a = this.byId.get(id);
    if (!a) throw new BroadcastError('not_found', `no announcement ${id}`);
    return a;
  }

  /** Creates a draft. `content` was checked by parseContent. */
  create(fields: Partial<AnnouncementContent>, createdBy: string): Announcement {
    const content = withDefaults(fields);
    const now = this.now();
    checkContent(content, now);
    const a: Announcement = {
      ...content,
      id: `an_${randomBytes(9).toString('base64url')}`,
      state: AnnouncementState.Draft,
      seq: 0,
      firstSeq: 0,
      createdBy,
      createdMs: now,
      updatedMs: now,
      publishedMs: 0,
      stats: { delivered: 0, seen: 0, clicked: 0, dismissed: 0, replied: 0 },
      whitelist: { visitorIds: [], userIds: [] },
    };
    this.store.save(a, false);
    this.byId.set(a.id, a);
    return a;
  }

  /**
   * Edits the content. A visible one (prerelease, published) takes a new seq
   * and is re-sent: clients replace their copy.
   * @throws BroadcastError not_found, conflict (stopped / recalled), bad_input
   */
  update(id: string, fields: Partial<AnnouncementContent>): Announcement {
    const a = this.get(id);
    if (!EDITABLE.includes(a.state)) throw new BroadcastError('conflict', `a ${a.state} announcement cannot be edited`);
    const next: Announcement = { ...a, ...fields, updatedMs: this.now() };
    checkContent(next, this.now());
    const visible = a.state !== AnnouncementState.Draft;
    return this.commit(next, visible, [a.site, next.site], a.state === AnnouncementState.Prerelease);
  }

  /**
   * Replaces the whitelist (draft or prerelease). In prerelease it takes
   * effect at once: added sessions get it, removed ones drop it.
   * @throws BroadcastError not_found, conflict
   */
  setWhitelist(id: string, whitelist: Whitelist): Announcement {
    const a = this.get(id);
    if (!WHITELIST_EDITABLE.includes(a.state)) throw new BroadcastError('conflict', `the whitelist of a ${a.state} announcement cannot be changed`);
    const next: Announcement = { ...a, whitelist, updatedMs: this.now() };
    const live = a.state === AnnouncementState.Prerelease;
    this.store.saveWhitelist(next, live);
    return this.install(next, live, [a.site], true);
  }

  /**
   * Moves an announcement along its lifecycle; every move bumps the mailbox
   * seq. Publish / recall reach open widgets over the jitter window;
   * prerelease reaches the whitelisted sessions at once; stop pushes nothing
   * (copies already held stay until they expire).
   * @throws BroadcastError not_found, conflict (a move its state does not allow), bad_input (expired)
   */
  transition(id: string, move: Transition): Announcement {
    const a = this.get(id);
    const rule = TRANSITIONS[move];
    if (!rule.from.includes(a.state)) {
      throw new BroadcastError('conflict', `cannot ${move} a ${a.state} announcement (allowed from ${rule.from.join(', ')})`);
    }
    const now = this.now();
    if ((move === 'prerelease' || move === 'publish') && a.expiresMs <= now) {
      throw new BroadcastError('bad_input', 'the announcement has expired: set a later expires_at first');
    }
    const next: Announcement = { ...a, state: rule.to, updatedMs: now };
    if (move === 'publish') next.publishedMs = now;
    // Only the whitelisted few hold a prerelease copy: those changes go out at once, not over the window.
    const immediate = next.state === AnnouncementState.Prerelease || (a.state === AnnouncementState.Prerelease && move !== 'publish');
    return this.commit(next, true, [a.site], immediate);
  }

  /** Saves `next` (with a new seq when `bump`) and installs it. */
  private commit(next: Announcement, bump: boolean, sites: readonly string[], immediate: boolean): Announcement {
    this.store.save(next, bump);
    return this.install(next, bump, sites, immediate);
  }

  /** Serves a saved `next`: re-indexes and, when its seq moved, starts delivery to the sites concerned (a stop pushes nothing). */
  private install(next: Announcement, bumped: boolean, sites: readonly string[], immediate: boolean): Announcement {
    if (bumped) this.clockSeq = Math.max(this.clockSeq, next.seq);
    this.byId.set(next.id, next);
    this.reindex();
    this.scheduleStarts();
    if (bumped && next.state !== AnnouncementState.Stopped) for (const site of new Set(sites)) this.delivery.changed(site, immediate);
    return next;
  }

  // ---- visitors (through the gateway) ----------------------------------------

  /** A visitor session said Hello with `cursor`: what its Welcome carries. */
  join(viewer: Viewer, cursor: number): WelcomeBroadcasts {
    return this.delivery.join(viewer, cursor);
  }

  /** A visitor session closed. */
  leave(viewer: Viewer): void {
    this.delivery.leave(viewer);
  }

  /** The visitor moved to another page: URL-targeted announcements follow. */
  pageChanged(viewer: Viewer, pageUrl: string): void {
    if (viewer.pageUrl === pageUrl) return;
    viewer.pageUrl = pageUrl;
    this.delivery.refresh(viewer);
  }

  /**
   * A visitor's event (seen, clicked, dismissed, replied), counted once per
   * visitor, announcement and kind; written with the next flush.
   * @returns false when the announcement is unknown to this visitor (nothing counted).
   */
  event(viewer: Viewer, id: string, kind: number): boolean {
    const a = this.byId.get(id);
    if (!a || a.site !== viewer.site || !EVENT_COLUMNS[kind] || a.state === AnnouncementState.Draft) return false;
    if (!viewer.held?.has(id) && !variantFor(a, viewer, this.now())) return false;
    const key = `${id}\n${viewer.visitorId}\n${kind}`;
    if (!this.pending.has(key)) this.pending.set(key, { broadcastId: id, visitorId: viewer.visitorId, event: kind, atMs: this.now() });
    if (this.pending.size >= MAX_PENDING) this.flushQuietly();
    return true;
  }

  /** Writes pending events and delivered counts now (one transaction) and updates the counters in memory. */
  flush(): void {
    if (this.pending.size === 0 && this.delivered.size === 0) return;
    const events = [...this.pending.values()];
    const delivered = new Map(this.delivered);
    const fresh = this.store.record(events, delivered);
    this.pending.clear();
    this.delivered.clear();
    for (const [id, count] of delivered) {
      const a = this.byId.get(id);
      if (a) a.stats.delivered += count;
    }
    for (const event of fresh) {
      const a = this.byId.get(event.broadcastId);
      const column = EVENT_COLUMNS[event.event];
      if (a && column) a.stats[column] += 1;
    }
  }

  /** Stops timers and writes what is pending. */
  close(): void {
    clearInterval(this.flushTimer);
    if (this.startTimer) clearTimeout(this.startTimer);
    this.delivery.dispose();
    this.flushQuietly();
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (error) {
      this.onError(error);
    }
  }

  /** Rebuilds the per-site lists clients are served from. */
  private reindex(): void {
    this.bySite.clear();
    const now = this.now();
    for (const a of this.byId.values()) {
      if (a.state === AnnouncementState.Draft || a.expiresMs + KEEP_AFTER_EXPIRY_MS <= now) continue;
      let list = this.bySite.get(a.site);
      if (!list) this.bySite.set(a.site, (list = []));
      list.push(a);
    }
    for (const list of this.bySite.values()) list.sort((a, b) => a.seq - b.seq);
  }

  /** Arms one timer for the next scheduled start of a published announcement; at it, the site's widgets get it over the window. */
  private scheduleStarts(): void {
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = undefined;
    const now = this.now();
    let next: Announcement | undefined;
    for (const a of this.byId.values()) {
      if (a.state === AnnouncementState.Published && a.startsMs > now && a.startsMs < a.expiresMs && (!next || a.startsMs < next.startsMs)) next = a;
    }
    if (!next) return;
    const site = next.site;
    this.startTimer = setTimeout(() => {
      this.reindex();
      this.delivery.changed(site, false);
      this.scheduleStarts();
    }, Math.min(next.startsMs - now, 2 ** 31 - 1));
    this.startTimer.unref();
  }
}

/** The BroadcastEvent kinds the server counts. */
export const COUNTED_EVENTS = [cs.v1.BroadcastEvent.Kind.SEEN, cs.v1.BroadcastEvent.Kind.CLICKED, cs.v1.BroadcastEvent.Kind.DISMISSED, cs.v1.BroadcastEvent.Kind.REPLIED];
