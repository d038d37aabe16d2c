/**
 * The visitor's announcements (DESIGN.md §6) in the session: restored from
 * IndexedDB (expired ones dropped there too), merged from Welcome and
 * Broadcast frames, the broadcast cursor for Hello, and BroadcastEvents sent
 * once each (remembered in IndexedDB, so a reload does not send them again).
 */
import { mergeAnnouncements, type AnnouncementEvent, type Announcement, type AnnouncementWire } from '../core/index.js';
import type { ChatStore } from '../store/index.js';
import type { FrameInit } from './codec.js';
import { ignore } from './conversations.js';

/** What the announcements need from the session. */
export interface AnnouncementsDeps {
  store(): ChatStore | undefined;
  send(frame: FrameInit): boolean;
  now(): number;
  /** The list to show changed. (`<cs-news>` re-renders itself when one expires.) */
  changed(): void;
}

export class Announcements {
  private readonly held = new Map<string, Announcement>();
  /** The highest broadcast seq held (Hello.broadcast_cursor). */
  cursor = 0;

  constructor(private readonly deps: AnnouncementsDeps) {}

  /** Loads what IndexedDB holds; expired rows are deleted. */
  async restore(store: ChatStore): Promise<void> {
    const [rows, cursor] = await Promise.all([store.announcements(), store.getMeta('broadcast_cursor')]);
    this.cursor = Number(cursor) || 0;
    const { drop } = mergeAnnouncements(this.held, rows, this.deps.now());
    if (drop.length) await store.applyAnnouncements([], drop, this.cursor);
    if (this.held.size) this.deps.changed();
  }

  /** Applies a Welcome's or a Broadcast's items and keeps its cursor. */
  apply(items: readonly AnnouncementWire[], cursor: number): void {
    const { put, drop } = mergeAnnouncements(this.held, items, this.deps.now());
    if (cursor > this.cursor || put.length || drop.length) {
      this.cursor = Math.max(this.cursor, cursor);
      void this.deps.store()?.applyAnnouncements(put, drop, this.cursor).catch(ignore);
    }
    if (put.length || drop.length) this.deps.changed();
  }

  /** What is held (expired ones are dropped at the next start; `<cs-news>` never shows them and orders the rest). */
  current(): Announcement[] {
    return [...this.held.values()];
  }

  /**
   * Records what the visitor did (kept in IndexedDB: a dismissed one stays
   * dismissed) and sends it as a BroadcastEvent, once per announcement and
   * kind. While offline the record is kept and the count is lost: counters
   * are statistics, not a delivery contract.
   */
  event(id: string, event: AnnouncementEvent): void {
    const held = this.held.get(id);
    if (!held || held.sent.includes(event)) return;
    this.deps.send({ broadcastEvent: { id, event } });
    const next = { ...held, sent: [...held.sent, event] };
    this.held.set(id, next);
    void this.deps.store()?.applyAnnouncements([next], [], this.cursor).catch(ignore);
    this.deps.changed();
  }

  /** Forgets everything (log-out). */
  clear(): void {
    this.held.clear();
    this.cursor = 0;
    this.deps.changed();
  }
}
