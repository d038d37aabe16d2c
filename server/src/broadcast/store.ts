/**
 * The public mailbox on disk (DESIGN.md §5, §6): one row per announcement
 * (with its counters), its whitelist, the one mailbox seq, and per visitor
 * only what that visitor did (seen, clicked, dismissed, replied) — nothing
 * at all for visitors who never interact. A publish to any number of
 * visitors writes one row.
 */
import type Database from 'better-sqlite3';
import type { Migration } from '../store/migrations.js';
import type { Announcement, AnnouncementState, Audience, AnnouncementStats } from './types.js';

/** The schema step that adds the broadcast tables (appended to store/migrations.ts). */
export const BROADCAST_MIGRATIONS: readonly Migration[] = [
  {
    name: 'broadcasts, broadcast whitelist, broadcast events, broadcast clock',
    up(db) {
      db.exec(`
        -- One row per announcement: its content, state, last mailbox seq and counters.
        CREATE TABLE broadcasts (
          id             TEXT PRIMARY KEY,
          site           TEXT NOT NULL,
          state          TEXT NOT NULL CHECK (state IN ('draft', 'prerelease', 'published', 'stopped', 'recalled')),
          seq            INTEGER NOT NULL DEFAULT 0,
          first_seq      INTEGER NOT NULL DEFAULT 0,
          title          TEXT NOT NULL,
          body           TEXT NOT NULL DEFAULT '',
          link_url       TEXT NOT NULL DEFAULT '',
          link_label     TEXT NOT NULL DEFAULT '',
          expires_ms     INTEGER NOT NULL,
          starts_ms      INTEGER NOT NULL DEFAULT 0,
          audience       TEXT NOT NULL DEFAULT 'all' CHECK (audience IN ('all', 'identified', 'anonymous')),
          url_pattern    TEXT NOT NULL DEFAULT '',
          lang           TEXT NOT NULL DEFAULT '',
          min_core_level INTEGER NOT NULL DEFAULT 0,
          fallback_text  TEXT NOT NULL DEFAULT '',
          created_by     TEXT NOT NULL DEFAULT '',
          created_ms     INTEGER NOT NULL,
          updated_ms     INTEGER NOT NULL,
          published_ms   INTEGER NOT NULL DEFAULT 0,
          delivered      INTEGER NOT NULL DEFAULT 0,
          seen           INTEGER NOT NULL DEFAULT 0,
          clicked        INTEGER NOT NULL DEFAULT 0,
          dismissed      INTEGER NOT NULL DEFAULT 0,
          replied        INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX broadcasts_by_site ON broadcasts (site, state);

        -- Who sees an announcement in prerelease: visitor ids and identified user ids.
        CREATE TABLE broadcast_whitelist (
          broadcast_id TEXT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
          kind         TEXT NOT NULL CHECK (kind IN ('visitor', 'user')),
          value        TEXT NOT NULL,
          PRIMARY KEY (broadcast_id, kind, value)
        ) WITHOUT ROWID;

        -- What a visitor did with an announcement, once per kind (cs.v1.BroadcastEvent.Kind).
        -- The only per-visitor rows of the mailbox: a visitor who never interacts has none.
        CREATE TABLE broadcast_events (
          broadcast_id TEXT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
          visitor_id   TEXT NOT NULL,
          event        INTEGER NOT NULL,
          at_ms        INTEGER NOT NULL,
          PRIMARY KEY (broadcast_id, visitor_id, event)
        ) WITHOUT ROWID;

        -- The mailbox seq: bumped by every publish, edit, stop and recall.
        CREATE TABLE broadcast_clock (
          id  INTEGER PRIMARY KEY CHECK (id = 1),
          seq INTEGER NOT NULL
        );
        INSERT INTO broadcast_clock (id, seq) VALUES (1, 0);
      `);
    },
  },
];

/** Counter columns by event kind (cs.v1.BroadcastEvent.Kind numbers). */
export const EVENT_COLUMNS: Readonly<Record<number, keyof AnnouncementStats>> = { 1: 'seen', 2: 'clicked', 3: 'dismissed', 4: 'replied' };

/** One visitor event to record. */
export interface EventRecord {
  readonly broadcastId: string;
  readonly visitorId: string;
  readonly event: number;
  readonly atMs: number;
}

interface Row {
  id: string;
  site: string;
  state: string;
  seq: number;
  first_seq: number;
  title: string;
  body: string;
  link_url: string;
  link_label: string;
  expires_ms: number;
  starts_ms: number;
  audience: string;
  url_pattern: string;
  lang: string;
  min_core_level: number;
  fallback_text: string;
  created_by: string;
  created_ms: number;
  updated_ms: number;
  published_ms: number;
  delivered: number;
  seen: number;
  clicked: number;
  dismissed: number;
  replied: number;
}

/** Reads and writes the broadcast tables. Writes are synchronous transactions (few and small). */
export class BroadcastStore {
  private readonly upsert: Database.Statement;
  private readonly bumpClock: Database.Statement;
  private readonly insertEvent: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare(`
      INSERT INTO broadcasts (id, site, state, seq, first_seq, title, body, link_url, link_label, expires_ms, starts_ms, audience, url_pattern, lang,
                              min_core_level, fallback_text, created_by, created_ms, updated_ms, published_ms)
      VALUES (@id, @site, @state, @seq, @firstSeq, @title, @body, @linkUrl, @linkLabel, @expiresMs, @startsMs, @audience, @urlPattern, @lang,
              @minCoreLevel, @fallbackText, @createdBy, @createdMs, @updatedMs, @publishedMs)
      ON CONFLICT (id) DO UPDATE SET site = excluded.site, state = excluded.state, seq = excluded.seq, first_seq = excluded.first_seq,
        title = excluded.title, body = excluded.body, link_url = excluded.link_url, link_label = excluded.link_label,
        expires_ms = excluded.expires_ms, starts_ms = excluded.starts_ms, audience = excluded.audience, url_pattern = excluded.url_pattern,
        lang = excluded.lang, min_core_level = excluded.min_core_level, fallback_text = excluded.fallback_text,
        updated_ms = excluded.updated_ms, published_ms = excluded.published_ms`);
    this.bumpClock = db.prepare('UPDATE broadcast_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq');
    this.insertEvent = db.prepare('INSERT OR IGNORE INTO broadcast_events (broadcast_id, visitor_id, event, at_ms) VALUES (?, ?, ?, ?)');
  }

  /** The mailbox seq now. */
  clock(): number {
    return (this.db.prepare('SELECT seq FROM broadcast_clock WHERE id = 1').get() as { seq: number }).seq;
  }

  /** Every announcement with its whitelist, oldest first. */
  loadAll(): Announcement[] {
    const rows = this.db.prepare('SELECT * FROM broadcasts ORDER BY created_ms, id').all() as Row[];
    const lists = this.db.prepare('SELECT broadcast_id, kind, value FROM broadcast_whitelist ORDER BY value').all() as { broadcast_id: string; kind: string; value: string }[];
    const byId = new Map(rows.map((row) => [row.id, fromRow(row)]));
    for (const entry of lists) {
      const announcement = byId.get(entry.broadcast_id);
      if (!announcement) continue;
      (entry.kind === 'user' ? announcement.whitelist.userIds : announcement.whitelist.visitorIds).push(entry.value);
    }
    return [...byId.values()];
  }

  /**
   * Saves an announcement. With `bump`, the mailbox seq moves first and the
   * announcement takes the new seq (set on it and returned; also its
   * `firstSeq` when it becomes visible for the first time); one transaction.
   */
  save(announcement: Announcement, bump: boolean): number {
    return this.db.transaction(() => {
      if (bump) {
        announcement.seq = (this.bumpClock.get() as { seq: number }).seq;
        if (announcement.firstSeq === 0 && announcement.state !== 'draft') announcement.firstSeq = announcement.seq;
      }
      this.upsert.run(rowParams(announcement));
      return announcement.seq;
    }).immediate();
  }

  /** Replaces the whitelist of an announcement (and saves it, bumping the seq when asked). */
  saveWhitelist(announcement: Announcement, bump: boolean): number {
    return this.db.transaction(() => {
      const seq = this.save(announcement, bump);
      this.db.prepare('DELETE FROM broadcast_whitelist WHERE broadcast_id = ?').run(announcement.id);
      const insert = this.db.prepare('INSERT INTO broadcast_whitelist (broadcast_id, kind, value) VALUES (?, ?, ?)');
      for (const value of announcement.whitelist.visitorIds) insert.run(announcement.id, 'visitor', value);
      for (const value of announcement.whitelist.userIds) insert.run(announcement.id, 'user', value);
      return seq;
    }).immediate();
  }

  /**
   * Records visitor events (each kind once per visitor and announcement) and
   * adds the delivered counts, in one transaction.
   * @returns the events that were new (the others were recorded before).
   */
  record(events: readonly EventRecord[], delivered: ReadonlyMap<string, number>): EventRecord[] {
    return this.db.transaction(() => {
      const fresh: EventRecord[] = [];
      for (const event of events) {
        const column = EVENT_COLUMNS[event.event];
        if (!column) continue;
        if (this.insertEvent.run(event.broadcastId, event.visitorId, event.event, event.atMs).changes === 0) continue;
        this.db.prepare(`UPDATE broadcasts SET ${column} = ${column} + 1 WHERE id = ?`).run(event.broadcastId);
        fresh.push(event);
      }
      const addDelivered = this.db.prepare('UPDATE broadcasts SET delivered = delivered + ? WHERE id = ?');
      for (const [id, count] of delivered) addDelivered.run(count, id);
      return fresh;
    }).immediate();
  }
}

/** The named parameters of the upsert (only the columns: better-sqlite3 binds every key it is given). */
function rowParams(a: Announcement): Record<string, string | number> {
  return {
    id: a.id, site: a.site, state: a.state, seq: a.seq, firstSeq: a.firstSeq, title: a.title, body: a.body, linkUrl: a.linkUrl, linkLabel: a.linkLabel,
    expiresMs: a.expiresMs, startsMs: a.startsMs, audience: a.audience, urlPattern: a.urlPattern, lang: a.lang, minCoreLevel: a.minCoreLevel,
    fallbackText: a.fallbackText, createdBy: a.createdBy, createdMs: a.createdMs, updatedMs: a.updatedMs, publishedMs: a.publishedMs,
  };
}

function fromRow(row: Row): Announcement {
  return {
    id: row.id,
    site: row.site,
    state: row.state as AnnouncementState,
    seq: row.seq,
    firstSeq: row.first_seq,
    title: row.title,
    body: row.body,
    linkUrl: row.link_url,
    linkLabel: row.link_label,
    expiresMs: row.expires_ms,
    startsMs: row.starts_ms,
    audience: row.audience as Audience,
    urlPattern: row.url_pattern,
    lang: row.lang,
    minCoreLevel: row.min_core_level,
    fallbackText: row.fallback_text,
    createdBy: row.created_by,
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
    publishedMs: row.published_ms,
    stats: { delivered: row.delivered, seen: row.seen, clicked: row.clicked, dismissed: row.dismissed, replied: row.replied },
    whitelist: { visitorIds: [], userIds: [] },
  };
}
