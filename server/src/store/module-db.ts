/**
 * The modules' connection (DESIGN.md §5): accounts, settings, canned
 * replies, announcements and attachments keep their tables in `cs-chat.db`
 * and write them on the main thread, synchronously, through this second
 * connection (their few, small writes read more simply that way than as
 * messages to the writer thread).
 *
 * So that none of those writes waits for the disk on the socket loop, the
 * connection commits with `synchronous=NORMAL`: in WAL mode a commit then
 * appends its pages to the WAL without an fsync (it survives a crash of the
 * process at once, as the OS holds the pages), and it never checkpoints
 * (`wal_autocheckpoint=0`; the writer thread's connection does that, off the
 * loop). `ModuleWrites` watches the connection's change counter and, after
 * any change, hands a `sync` record to the writer thread: that commit runs
 * with `synchronous=FULL`, and its fsync of the WAL covers every frame
 * before it. A module's change is therefore durable against power loss one
 * writer commit (a few ms) after it returned, instead of after an fsync on
 * the main thread.
 *
 * What still can wait on the loop: a module write while the writer thread
 * holds the write lock (it does during each commit) waits for that commit,
 * up to the busy timeout. Messages never take this path.
 */
import { openDb, type Db } from './db.js';
import type { DurableStore } from './records.js';

/** How often the change counter is looked at, ms. */
const WATCH_EVERY_MS = 20;

/** Opens `dataDir`'s database for the modules (see above). */
export function openModuleDb(dataDir: string, busyTimeoutMs?: number): Db {
  const db = openDb(dataDir, { busyTimeoutMs });
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  return db;
}

/** Hands the modules' changes to the writer thread for their fsync. */
export class ModuleWrites {
  private readonly changes;
  private seen: number;
  private readonly timer: NodeJS.Timeout;
  /** Syncs handed to the writer (tests, metrics). */
  synced = 0;

  constructor(
    db: Db,
    private readonly durable: Pick<DurableStore, 'append'>,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
    everyMs = WATCH_EVERY_MS,
  ) {
    // total_changes() counts this connection's inserts, updates and deletes since it opened: one cheap read per look.
    this.changes = db.prepare('SELECT total_changes()').pluck();
    this.seen = this.changes.get() as number;
    this.timer = setInterval(() => this.check(), everyMs);
    this.timer.unref();
  }

  /** Syncs now when something changed since the last look. @returns the commit to wait for, if any. */
  check(): Promise<void> | undefined {
    const total = this.changes.get() as number;
    if (total === this.seen) return undefined;
    this.seen = total;
    this.synced += 1;
    const done = this.durable.append({ t: 'sync', atMs: this.now() });
    done.catch(this.onError);
    return done;
  }

  /** Syncs what changed (the caller closes the connection after) and stops watching. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.check()?.catch(() => undefined);
  }
}
