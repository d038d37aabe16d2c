/**
 * The writer thread (DESIGN.md §5): a worker that owns the only write
 * connection to `cs-chat.db`. The main thread (writer.ts) sends it batches
 * of records; it applies each batch in one `BEGIN IMMEDIATE … COMMIT`
 * transaction under `synchronous=FULL` and answers once the commit returned,
 * so the fsync happens here and never stalls the uWS loop. A batch that fails
 * is rolled back whole and answered with the error; the main thread decides
 * what that means (storage unavailable) and when to probe again.
 *
 * Retention deletes go through here too, as many small transactions (at most
 * `PURGE_CHUNK` messages each, with their search index entries), so a long
 * delete never holds the write lock for long and the batches queued behind
 * it keep flowing.
 *
 * A batch's messages go to the message log (message-log.ts), in arrival
 * order; the log is moved into `messages` in bulk after the replies, and
 * each move is posted to the main thread (`merged`), which keeps unmerged
 * messages in memory until then. The full-text index is kept current from
 * what was merged, never inside a batch's transaction: after the reply, in
 * small slices of their own while no batch waits (search-index.ts). Merges
 * go first: they bound the log and the memory it pins (background-turns.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDb, type Db } from './db.js';
import { walProgress, writerCheckpointDue } from './wal.js';
import { MessageLog, type Merged } from './message-log.js';
import type { MessageFields, StoreRecord } from './records.js';
import { countCommit, runCheckpointer } from './checkpointer.js';
import { SearchIndexer } from './search-index.js';
import { JobTimings, type JobDurations } from './writer-timings.js';
import { BackgroundScheduler, NextBatch } from './background-turns.js';

/** What the main thread sends. */
export type WriterRequest =
  /** `messages`: the batch's `msg` records, flat (`MessageFields`); `records`: the others. */
  /** `postedAt`: when the main thread posted it (`performance.timeOrigin + performance.now()`, comparable across threads). */
  | { type: 'batch'; id: number; records: StoreRecord[]; messages: MessageFields; postedAt?: number }
  /** `epochSalt`: the new salt of derived epochs, stored before anything is deleted. */
  | { type: 'purge'; id: number; conversationIds: string[]; epochSalt: string }
  | { type: 'probe'; id: number }
  /** Moves the whole message log into `messages` now (tests, tools: everything committed before is readable once answered). */
  | { type: 'merge'; id: number }
  | { type: 'close'; id: number };

/**
 * What the writer answers (one per request, same id), and what it tells
 * unasked: `merged`, the conversations whose messages up to a seq are in
 * `messages` now (id 0).
 */
export type WriterReply =
  | { id: number; ok: true }
  | { id: number; ok: false; message: string; code: string }
  | { id: 0; ok: true; merged: Merged[] }
  /** How long the thread's jobs took since the last such message (about once a second; writer-timings.ts). */
  | { id: 0; ok: true; timings: JobDurations };

/** workerData of the writer. */
export interface WriterData {
  readonly dataDir: string;
  readonly busyTimeoutMs: number;
  /** 'checkpointer': this thread only copies the WAL into the database file (checkpointer.ts). Default: the writer. */
  readonly role?: 'writer' | 'checkpointer';
  /** One Int32: batches committed. The writer adds one after each and wakes the checkpointer, which copies in the gap before the next. */
  readonly commits?: SharedArrayBuffer;
  /** When the main thread's next batch leaves (background-turns.ts `NextBatch`), and its group-commit window, ms. */
  readonly nextBatch?: SharedArrayBuffer;
  readonly commitMs?: number;
}

/** How long close spends indexing what waits, ms (the rest is caught up at the next start). */
const CLOSE_INDEXING_MS = 1000;

/** Rows one purge transaction deletes at most. */
const PURGE_CHUNK = 2000;

const ROLE_VISITOR = 1;

function prepare(db: Db) {
  return {
    conv: db.prepare(
      `INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status, assignee_id)
       VALUES (@id, @site, @visitorId, @topic, @epoch, @createdMs, 0, @createdMs, @status, @assigneeId)
       ON CONFLICT (id) DO NOTHING`,
    ),
    visitorSeen: db.prepare(`INSERT INTO visitors (id, created_ms, updated_ms) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`),
    visitor: db.prepare(
      `INSERT INTO visitors (id, user_id, name, email, created_ms, updated_ms) VALUES (@visitorId, @userId, @name, @email, @now, @now)
       ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, email = excluded.email, updated_ms = excluded.updated_ms`,
    ),
    status: db.prepare(`UPDATE conversations SET status = ?, last_activity_ms = max(last_activity_ms, ?) WHERE id = ?`),
    assign: db.prepare(`UPDATE conversations SET assignee_id = ?, last_activity_ms = max(last_activity_ms, ?) WHERE id = ?`),
    cursor: db.prepare(
      `INSERT INTO cursors (conversation_id, side, read_seq, delivered_seq) VALUES (@conversationId, @side, @readSeq, @deliveredSeq)
       ON CONFLICT (conversation_id, side) DO UPDATE SET read_seq = max(read_seq, excluded.read_seq), delivered_seq = max(delivered_seq, excluded.delivered_seq)`,
    ),
    probe: db.prepare(`INSERT INTO meta (key, value) VALUES ('writer_probe_ms', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    lastStoredSeq: db.prepare('SELECT max(seq) FROM messages WHERE conversation_id = ?').pluck(),
    purgeMessages: db.prepare('DELETE FROM messages WHERE conversation_id = ? AND seq >= ? AND seq < ?'),
    purgeRest: db.prepare('DELETE FROM messages WHERE conversation_id = ?'),
    purgeCursors: db.prepare(`DELETE FROM cursors WHERE conversation_id = ?`),
    purgeConversation: db.prepare(`DELETE FROM conversations WHERE id = ?`),
    epochSalt: db.prepare(`INSERT INTO meta (key, value) VALUES ('epoch_salt', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
  };
}

type Statements = ReturnType<typeof prepare>;

/**
 * Applies one record inside the batch's transaction.
 * @returns the rows it appended to the message log (0 or 1).
 */
function apply(s: Statements, log: MessageLog, record: StoreRecord, now: number): number {
  switch (record.t) {
    case 'conv':
      s.conv.run({ ...record, status: record.status ?? 0, assigneeId: record.assigneeId ?? '' });
      s.visitorSeen.run(record.visitorId, now, now);
      return 0;
    case 'msg': {
      const r = record;
      const quickReplies = r.quickReplies.length > 0 ? JSON.stringify(r.quickReplies) : '';
      // The row's last_seq and last_activity_ms move with the merge (message-log.ts).
      log.append(r.conversationId, r.seq, r.clientMsgId, r.senderId, r.senderRole, r.senderName, r.kind, r.text, r.serverTimeMs, r.quoteSeq, quickReplies);
      return 1;
    }
    case 'status':
      s.status.run(record.status, record.atMs, record.conversationId);
      return 0;
    case 'assign':
      s.assign.run(record.assigneeId, record.atMs, record.conversationId);
      return 0;
    case 'visitor':
      s.visitor.run({ ...record, now });
      return 0;
    case 'sync':
      // Any row written makes this a real commit, and a FULL commit fsyncs the whole WAL, the modules' frames before it included.
      s.probe.run(String(record.atMs));
      return 0;
    case 'read': {
      const side = record.role === ROLE_VISITOR ? 'visitor' : 'agent';
      s.cursor.run({ conversationId: record.conversationId, side, readSeq: record.upToSeq, deliveredSeq: Math.max(record.upToSeq, record.deliveredUpToSeq ?? 0) });
      return 0;
    }
  }
}

function errorReply(id: number, error: unknown): WriterReply {
  const code = (error as { code?: unknown } | undefined)?.code;
  return { id, ok: false, message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : 'UNKNOWN' };
}

function run(): void {
  const port = parentPort;
  if (!port) throw new Error('writer-worker runs as a worker thread');
  const { dataDir, busyTimeoutMs, commits: commitsBuffer, nextBatch: nextBatchBuffer, commitMs } = workerData as WriterData;
  const commits = commitsBuffer ? new Int32Array(commitsBuffer) : undefined;
  const nextBatch = nextBatchBuffer ? new NextBatch(commitMs ?? 0, nextBatchBuffer) : undefined;
  let db: Db | undefined;
  let statements: Statements | undefined;
  let log: MessageLog | undefined;
  let indexer: SearchIndexer | undefined;
  const connection = (): { db: Db; s: Statements; log: MessageLog; indexer: SearchIndexer } => {
    if (!db || !statements || !log || !indexer) {
      db = openDb(dataDir, { busyTimeoutMs });
      // Checkpoints run after the reply (see checkpointIfDue), never inside a commit whose Acks wait for it.
      db.pragma('wal_autocheckpoint = 0');
      statements = prepare(db);
      // A new log counts the rows it finds (what a reset after a disk error left) and merges them soon.
      log = new MessageLog(db);
      // A new indexer walks every conversation once: what a crash (or a reset after a disk error) left unindexed is caught up.
      indexer = new SearchIndexer(db);
    }
    return { db, s: statements, log, indexer };
  };
  /** Tells the main thread (and the indexer) what a merge made readable. */
  const merged = (moved: Merged[]): void => {
    if (moved.length === 0) return;
    for (const m of moved) indexer?.committed(m.conversationId, m.seq, m.messages);
    port.postMessage({ id: 0, ok: true, merged: moved } satisfies WriterReply);
  };
  const timings = new JobTimings();
  setInterval(() => {
    const taken = timings.take();
    if (taken) port.postMessage({ id: 0, ok: true, timings: taken } satisfies WriterReply);
  }, 1000).unref();
  let closing = false;
  /** Merge steps and index slices between the batches (background-turns.ts). */
  const background = new BackgroundScheduler(
    () => ({ merge: log?.dueInMs(), index: indexer?.dueInMs() }),
    (job, budgetMs) => {
      if (closing || !db || !log || !indexer) return false;
      try {
        if (job === 'merge') merged(timings.time('merge', () => log!.merge(budgetMs)));
        else timings.time(indexer.mergesNext ? 'segments' : 'index', () => indexer!.slice(budgetMs));
      } catch {
        // A busy or broken disk: tried again after the next batch that commits (a new connection counts and walks everything).
        try {
          if (db.inTransaction) db.exec('ROLLBACK');
        } catch {
          // reset() on the next failing batch closes the connection.
        }
        return false;
      }
      checkpointIfDue(db, dataDir, timings);
      return true;
    },
    undefined,
    () => nextBatch?.gapMs() ?? 0,
  );
  const reset = (): void => {
    // After a failed commit the connection may hold a half-done transaction: start over on the next request.
    try {
      if (db?.inTransaction) db.exec('ROLLBACK');
    } catch {
      // The rollback itself can fail on a broken disk; closing drops the transaction anyway.
    }
    try {
      db?.close();
    } catch {
      // Already closed.
    }
    db = undefined;
    statements = undefined;
    log = undefined;
    indexer = undefined;
  };

  port.on('message', (request: WriterRequest) => {
    try {
      switch (request.type) {
        case 'batch': {
          if (request.postedAt !== undefined) timings.note('queue', performance.timeOrigin + performance.now() - request.postedAt);
          const { db: conn, s, log: messageLog } = connection();
          const now = Date.now();
          let rows = 0;
          timings.time('commit', () => conn.transaction(() => {
            for (const record of request.records) rows += apply(s, messageLog, record, now);
            // The row's last_seq and last_activity_ms move with the merge (message-log.ts).
            rows += messageLog.appendFlat(request.messages);
          }).immediate());
          // Committed: the log's merge (and after it the index) learns what it has to do after the reply.
          messageLog.committed(rows);
          // The disk is free until the next batch (about `commitMs` away): the checkpointer's copy and fsync go there.
          if (commits) countCommit(commits);
          break;
        }
        case 'purge': {
          const { db: conn, s, log: messageLog, indexer: search } = connection();
          // Whatever of these conversations waits in the log is moved first, and deleted with the rest below.
          merged(messageLog.mergeAll());
          // Before any row goes: a crash in between leaves the conversations with their own epochs, never a deleted one's epoch reused.
          conn.transaction(() => s.epochSalt.run(request.epochSalt)).immediate();
          for (const id of request.conversationIds) {
            const last = (s.lastStoredSeq.get(id) as number | null) ?? 0;
            // Small transactions: batches queued meanwhile wait at most one chunk.
            for (let from = 1; from + PURGE_CHUNK <= last; from += PURGE_CHUNK) {
              conn.transaction(() => {
                // The index first: its entries are found by the messages' text (search-index.ts `purge`).
                search.purge(id, from, from + PURGE_CHUNK, false);
                s.purgeMessages.run(id, from, from + PURGE_CHUNK);
              }).immediate();
            }
            conn.transaction(() => {
              search.purge(id, 0, 2 ** 32, true);
              s.purgeRest.run(id);
              messageLog.purge(id);
              s.purgeCursors.run(id);
              s.purgeConversation.run(id);
            }).immediate();
          }
          break;
        }
        case 'merge':
          merged(connection().log.mergeAll());
          break;
        case 'probe': {
          const { db: conn, s } = connection();
          conn.transaction(() => s.probe.run(String(Date.now()))).immediate();
          break;
        }
        case 'close':
          closing = true;
          background.close();
          if (db) {
            try {
              // An empty log at a clean stop: the next start has nothing to merge.
              if (log) merged(log.mergeAll());
            } catch {
              // Merged at the next start.
            }
            try {
              // What waits is a few hundred ms of messages: indexed now, a restart then searches everything at once.
              indexer?.drain(CLOSE_INDEXING_MS);
            } catch {
              // Caught up at the next start.
            }
            try {
              db.pragma('wal_checkpoint(TRUNCATE)');
            } catch {
              // A checkpoint is an optimisation; the WAL replays at the next open.
            }
            db.close();
          }
          db = undefined;
          port.postMessage({ id: request.id, ok: true } satisfies WriterReply);
          port.close();
          return;
      }
      port.postMessage({ id: request.id, ok: true } satisfies WriterReply);
    } catch (error) {
      reset();
      port.postMessage(errorReply(request.id, error));
      return;
    }
    if (db) checkpointIfDue(db, dataDir, timings);
    background.handled();
  });
  // The start-up walk of the index begins at once (the connection opens now rather than with the first batch).
  try {
    connection();
    background.schedule();
  } catch {
    // A disk that refuses to open: the first batch reports it, and the walk starts with the first connection that works.
  }
}

/**
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses the
 * threshold: that commit returns only after the WAL's pages were copied into
 * the database file and both were fsynced, and every Ack of its batch waited
 * that long (more, the larger and more scattered the file). Here the same
 * PASSIVE checkpoint runs right after the batch's reply went out: that
 * batch's Acks leave at once, and the records arriving meanwhile gather into
 * the next batch. It waits until the checkpointer thread (checkpointer.ts)
 * has copied nearly all of the WAL beside the commits (wal.ts,
 * `writerCheckpointDue`), so this one copies the last few hundred KiB and
 * lets the next batch restart the WAL.
 * PASSIVE never waits for readers, and a failed one is retried after the
 * next batch (the WAL replays at open anyway).
 */
function checkpointIfDue(db: Db, dataDir: string, timings: JobTimings): void {
  const wal = walProgress(db);
  if (!wal || !writerCheckpointDue(wal)) return;
  try {
    timings.time('checkpoint', () => db.pragma('wal_checkpoint(PASSIVE)'));
  } catch {
    // Busy or a disk error: the next batch's commit reports a real problem.
  }
}

const data = workerData as WriterData;
if (data.role === 'checkpointer') runCheckpointer(data.dataDir, 0, data.commits);
else run();
