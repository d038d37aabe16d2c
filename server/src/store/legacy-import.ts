/**
 * Import of a data directory written by the earlier hand-written journal
 * (DESIGN.md §5 "Migration"): `snapshot-<k>.snap` (the whole state as
 * records, covering every log segment below k) and `log-<n>.jnl` segments.
 * Both hold frames of `| u32 LE length | u32 LE CRC-32 | UTF-8 JSON record |`.
 *
 * The import replays them exactly as the journal's replay did (newest
 * snapshot, then every segment at or above it, in order; a torn or damaged
 * frame ends its file; a `msg` whose seq does not follow is skipped), but
 * streams each file in chunks (the journal read files whole and could not
 * start once a snapshot passed 2 GiB) straight into one SQLite transaction.
 * Before committing it checks what it wrote against what it read: per
 * conversation the message count, the last seq (1..n contiguous) and a hash
 * of every (seq, sender, client_msg_id), so the epochs, seqs and dedup ids
 * survive exactly. Any mismatch or error rolls the transaction back; the
 * journal files are only read, never changed, and are moved to
 * `journal-imported-<date>/` only after the commit. The `secret` file stays
 * where it is (visitor tokens keep verifying).
 *
 * A crash between the commit and the move is safe: the `meta` row
 * `journal_import` names the files imported, so the next start only moves
 * them aside.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Db } from './db.js';
import type { StoreLogger } from './writer.js';

const SEGMENT_RE = /^log-(\d+)\.jnl$/;
const SNAPSHOT_RE = /^snapshot-(\d+)\.snap$/;
/** Left by a crash of the journal mid-compaction or mid-probe; moved aside with the rest. */
const LEFTOVER_RE = /^(snapshot-\d+\.tmp|probe\.tmp)$/;
const HEADER_BYTES = 8;
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const READ_CHUNK = 4 * 1024 * 1024;
const ROLE_VISITOR = 1;

/** Raised when the journal could not be imported; nothing was changed. */
export class JournalImportError extends Error {
  readonly type = 'JournalImport';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalImportError';
  }
}

/** What an import did. */
export interface ImportReport {
  files: string[];
  records: number;
  conversations: number;
  messages: number;
  /** Bytes of torn or damaged tails ignored (a crash mid-write leaves one). */
  tornBytes: number;
  /** Messages whose client_msg_id repeated one earlier in their conversation (kept, with `~<seq>` appended). */
  renamedDuplicates: number;
  /** Where the journal files went. */
  movedTo: string;
}

/** The journal files in `dataDir`, in replay order, plus leftovers. */
export function journalFiles(dataDir: string): { replay: string[]; all: string[] } {
  if (!existsSync(dataDir)) return { replay: [], all: [] };
  const names = readdirSync(dataDir);
  const numbered = (re: RegExp): Map<number, string> => {
    const found = new Map<number, string>();
    for (const name of names) {
      const match = re.exec(name);
      if (match) found.set(Number(match[1]), name);
    }
    return new Map([...found].sort(([a], [b]) => a - b));
  };
  const snapshots = numbered(SNAPSHOT_RE);
  const base = [...snapshots.keys()].at(-1) ?? 0;
  const replay = [...(base > 0 ? [snapshots.get(base)!] : []), ...[...numbered(SEGMENT_RE)].filter(([n]) => n >= base).map(([, name]) => name)];
  const all = names.filter((n) => SEGMENT_RE.test(n) || SNAPSHOT_RE.test(n) || LEFTOVER_RE.test(n)).sort();
  return { replay, all };
}

/** Reads the frames of one file in chunks; stops at the first bad one. @returns bytes ignored at the end. */
function readFrames(path: string, onRecord: (record: Record<string, unknown>) => void): number {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    let carry = Buffer.alloc(0);
    let position = 0;
    let consumed = 0;
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    for (;;) {
      const read = position < size ? readSync(fd, chunk, 0, READ_CHUNK, position) : 0;
      position += read;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let offset = 0;
      while (buf.length - offset >= HEADER_BYTES) {
        const length = buf.readUInt32LE(offset);
        if (length === 0 || length > MAX_RECORD_BYTES) return size - consumed;
        if (buf.length - offset - HEADER_BYTES < length) break;
        const body = buf.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
        if (crc32(body) !== buf.readUInt32LE(offset + 4)) return size - consumed;
        let value: unknown;
        try {
          value = JSON.parse(body.toString('utf8'));
        } catch {
          return size - consumed;
        }
        if (typeof value !== 'object' || value === null || typeof (value as { t?: unknown }).t !== 'string') return size - consumed;
        onRecord(value as Record<string, unknown>);
        offset += HEADER_BYTES + length;
        consumed += HEADER_BYTES + length;
      }
      carry = Buffer.from(buf.subarray(offset));
      if (read === 0) return size - consumed;
    }
  } finally {
    closeSync(fd);
  }
}

interface Tally {
  visitorId: string;
  lastSeq: number;
  lastActivityMs: number;
  status: number;
  assigneeId: string;
  read: { visitor: number; agent: number };
  hash: ReturnType<typeof createHash>;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function fingerprint(dataDir: string, files: string[]): string {
  return JSON.stringify(files.map((name) => [name, statSync(join(dataDir, name)).size]));
}

/**
 * Imports the journal of `dataDir` into `db` (already migrated) when there is
 * one, verifies it, and moves the journal files aside.
 * @returns the report, or undefined when there was nothing to import.
 * @throws JournalImportError with a clear reason; then nothing was changed.
 */
export function importJournal(db: Db, dataDir: string, nowMs: number, log?: StoreLogger): ImportReport | undefined {
  const { replay, all } = journalFiles(dataDir);
  if (all.length === 0) return undefined;
  const print = fingerprint(dataDir, all);
  const done = db.prepare("SELECT value FROM meta WHERE key = 'journal_import'").pluck().get() as string | undefined;
  let report: ImportReport;
  if (done && (JSON.parse(done) as { fingerprint?: string }).fingerprint === print) {
    report = { ...(JSON.parse(done) as ImportReport), movedTo: '' };
    log?.info({ files: all }, 'journal: already imported; moving the files aside');
  } else {
    try {
      report = db.transaction(() => importInTransaction(db, dataDir, replay, all, print, nowMs)).immediate();
    } catch (error) {
      throw new JournalImportError(
        `cannot import the old journal in ${dataDir}: ${(error as Error).message}. Nothing was changed: the journal files are where they were. ` +
          'Fix the cause (or move the log-*.jnl / snapshot-*.snap files away to start empty) and start again.',
        { cause: error },
      );
    }
  }
  report.movedTo = moveAside(dataDir, all, nowMs);
  log?.info({ ...report }, 'journal: imported into cs-chat.db and moved aside');
  return report;
}

function importInTransaction(db: Db, dataDir: string, replay: string[], all: string[], print: string, nowMs: number): ImportReport {
  const insertConv = db.prepare(
    `INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status, assignee_id)
     VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, '') ON CONFLICT (id) DO NOTHING`,
  );
  const insertMsg = db.prepare(
    `INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms, quote_seq, quick_replies)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const tallies = new Map<string, Tally>();
  const profiles = new Map<string, { userId: string; name: string; email: string }>();
  let records = 0;
  let messages = 0;
  let tornBytes = 0;
  let renamedDuplicates = 0;

  const apply = (r: Record<string, unknown>): void => {
    records += 1;
    switch (r.t) {
      case 'conv': {
        const id = str(r.id);
        if (!id || tallies.has(id)) return;
        insertConv.run(id, str(r.site), str(r.visitorId), str(r.topic), str(r.epoch), num(r.createdMs), num(r.createdMs));
        tallies.set(id, { visitorId: str(r.visitorId), lastSeq: 0, lastActivityMs: num(r.createdMs), status: 0, assigneeId: '', read: { visitor: 0, agent: 0 }, hash: createHash('sha256') });
        return;
      }
      case 'msg': {
        const tally = tallies.get(str(r.conversationId));
        const seq = num(r.seq);
        if (!tally || seq !== tally.lastSeq + 1) return;
        const replies = Array.isArray(r.quickReplies) ? r.quickReplies.filter((x): x is string => typeof x === 'string') : [];
        const args = [str(r.senderId), num(r.senderRole), str(r.senderName), num(r.kind), str(r.text), num(r.serverTimeMs), num(r.quoteSeq), replies.length > 0 ? JSON.stringify(replies) : ''] as const;
        let clientMsgId = str(r.clientMsgId);
        if (insertMsg.run(str(r.conversationId), seq, clientMsgId, ...args).changes === 0) {
          clientMsgId = `${clientMsgId}~${seq}`;
          insertMsg.run(str(r.conversationId), seq, clientMsgId, ...args);
          renamedDuplicates += 1;
        }
        tally.lastSeq = seq;
        tally.lastActivityMs = Math.max(tally.lastActivityMs, num(r.serverTimeMs));
        tally.hash.update(`${seq}\n${str(r.senderId)}\n${clientMsgId}\n`);
        messages += 1;
        return;
      }
      case 'status': {
        const tally = tallies.get(str(r.conversationId));
        if (tally) tally.status = num(r.status);
        return;
      }
      case 'assign': {
        const tally = tallies.get(str(r.conversationId));
        if (tally) tally.assigneeId = str(r.assigneeId);
        return;
      }
      case 'visitor':
        profiles.set(str(r.visitorId), { userId: str(r.userId), name: str(r.name), email: str(r.email) });
        return;
      case 'read': {
        const tally = tallies.get(str(r.conversationId));
        const side = num(r.role) === ROLE_VISITOR ? 'visitor' : 'agent';
        if (tally) tally.read[side] = Math.max(tally.read[side], num(r.upToSeq));
        return;
      }
    }
  };
  for (const name of replay) tornBytes += readFrames(join(dataDir, name), apply);

  const finish = db.prepare('UPDATE conversations SET last_seq = ?, last_activity_ms = ?, status = ?, assignee_id = ? WHERE id = ?');
  const cursor = db.prepare('INSERT INTO cursors (conversation_id, side, read_seq, delivered_seq) VALUES (?, ?, ?, ?)');
  const visitor = db.prepare(
    `INSERT INTO visitors (id, user_id, name, email, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, email = excluded.email`,
  );
  for (const [id, tally] of tallies) {
    finish.run(tally.lastSeq, tally.lastActivityMs, tally.status, tally.assigneeId, id);
    for (const side of ['visitor', 'agent'] as const) {
      const seq = Math.min(tally.read[side], tally.lastSeq);
      if (seq > 0) cursor.run(id, side, seq, seq);
    }
    visitor.run(tally.visitorId, '', '', '', nowMs, nowMs);
  }
  for (const [id, p] of profiles) visitor.run(id, p.userId, p.name, p.email, nowMs, nowMs);

  verify(db, tallies, messages);
  const report: ImportReport = { files: all, records, conversations: tallies.size, messages, tornBytes, renamedDuplicates, movedTo: '' };
  db.prepare("INSERT INTO meta (key, value) VALUES ('journal_import', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
    JSON.stringify({ ...report, fingerprint: print, importedMs: nowMs }),
  );
  return report;
}

/** Checks what the transaction holds against what was read; throws on any difference. */
function verify(db: Db, tallies: Map<string, Tally>, messages: number): void {
  const stats = db.prepare('SELECT count(*) AS n, coalesce(max(seq), 0) AS last FROM messages WHERE conversation_id = ?');
  const keys = db.prepare('SELECT seq, sender_id, client_msg_id FROM messages WHERE conversation_id = ? ORDER BY seq');
  const row = db.prepare('SELECT last_seq FROM conversations WHERE id = ?').pluck();
  let total = 0;
  for (const [id, tally] of tallies) {
    const { n, last } = stats.get(id) as { n: number; last: number };
    if (n !== tally.lastSeq || last !== tally.lastSeq || row.get(id) !== tally.lastSeq) {
      throw new Error(`conversation ${id}: the journal holds seq 1..${tally.lastSeq}, the database ${n} messages up to ${last}`);
    }
    const hash = createHash('sha256');
    for (const m of keys.iterate(id) as Iterable<{ seq: number; sender_id: string; client_msg_id: string }>) hash.update(`${m.seq}\n${m.sender_id}\n${m.client_msg_id}\n`);
    if (hash.digest('hex') !== tally.hash.digest('hex')) throw new Error(`conversation ${id}: seqs, senders or client_msg_ids differ from the journal`);
    total += n;
  }
  const stored = db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
  if (total !== messages || stored < messages) throw new Error(`the journal holds ${messages} messages, the database ${stored}`);
}

/** Moves the journal files into `journal-imported-<date>/` (a fresh name if that exists) and fsyncs both directories. */
function moveAside(dataDir: string, files: string[], nowMs: number): string {
  const date = new Date(nowMs).toISOString();
  let target = join(dataDir, `journal-imported-${date.slice(0, 10)}`);
  if (existsSync(target)) target = join(dataDir, `journal-imported-${date.slice(0, 19).replace(/[:T]/g, '-')}`);
  for (let n = 2; existsSync(target); n += 1) target = join(dataDir, `journal-imported-${date.slice(0, 10)}-${n}`);
  mkdirSync(target);
  for (const name of files) renameSync(join(dataDir, name), join(target, name));
  for (const dir of [target, dataDir]) {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return target;
}
