/**
 * Group commit on the main thread's side (DESIGN.md §5). `write(record)`
 * adds the record to the open batch and returns a promise that resolves
 * once the writer thread (writer-worker.ts) committed the transaction
 * holding it.
 *
 * ## Batching
 *
 * When the writer is idle, the first record starts a timer of `commitMs`
 * (default 5 ms, `CS_COMMIT_MS`); when it fires the batch goes to the writer
 * thread as one transaction. While a batch is being committed, new records
 * collect in the next batch, which is sent the moment the commit returns (no
 * extra wait). So under load there is one commit (one fsync) per batch, not
 * per message, each record waits about one commit plus `commitMs`, and the
 * main thread never waits for the disk at all.
 *
 * ## Disk trouble
 *
 * A batch whose transaction fails (SQLITE_FULL on a full disk, SQLITE_READONLY,
 * SQLITE_IOERR, SQLITE_BUSY past the busy timeout) is rolled back by SQLite:
 * none of its records is stored. Its promises and every record queued behind
 * it reject with StoreUnavailableError, `healthy` turns false and later
 * writes reject at once (the sender gets Ack REJECTED with retry-after).
 * Every `probeMs` the writer tries a one-row transaction; when it commits the
 * store is healthy again. Nothing that was acknowledged is touched.
 */
import { Worker } from 'node:worker_threads';
import { MESSAGE_FIELDS, StoreUnavailableError, type MessageFields, type StoreRecord } from './records.js';
import type { Merged } from './message-log.js';
import { NextBatch, sharedNow } from './background-turns.js';
import type { JobDurations } from './writer-timings.js';
import type { WriterData, WriterReply, WriterRequest } from './writer-worker.js';

/** Where the writer reports what it does; pino's logger fits. */
export interface StoreLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface StoreWriterOptions {
  /** Group-commit window: how long the first record of an idle batch waits for others, ms. Default 5 (`CS_COMMIT_MS`). */
  commitMs?: number;
  /** How long a commit waits for another connection's lock before failing, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** How often to try the disk again while unhealthy, ms. Default 1000. */
  probeMs?: number;
  log?: StoreLogger;
}

/** Records in one transaction at most (keeps one commit and its message to the thread bounded). */
const MAX_BATCH_RECORDS = 4000;

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

interface Pending {
  readonly request: WriterRequest;
  readonly waiters: Waiter[];
}

/** Counters for metrics and tests. */
export interface WriterStats {
  records: number;
  commits: number;
  failures: number;
  /** Batches the writer thread counted for the checkpointer thread (checkpointer.ts `countCommit`), as of the last answer: `commits` when it does. */
  counted: number;
}

/** A batch being filled: its messages flat (see `MessageFields`), every other record as it is. */
interface OpenBatch {
  readonly records: StoreRecord[];
  readonly messages: MessageFields;
  readonly waiter: Waiter;
  readonly committed: Promise<void>;
}

/** A new, empty batch with its shared promise. */
function openBatch(): OpenBatch {
  let waiter: Waiter | undefined;
  const committed = new Promise<void>((resolve, reject) => (waiter = { resolve, reject }));
  return { records: [], messages: [], waiter: waiter!, committed };
}

/** Appends a message record's fields in `MESSAGE_FIELDS` order. */
function pushMessage(into: MessageFields, r: StoreRecord & { t: 'msg' }): void {
  const quickReplies = r.quickReplies.length > 0 ? JSON.stringify(r.quickReplies) : '';
  into.push(r.conversationId, r.seq, r.clientMsgId, r.senderId, r.senderRole, r.senderName, r.kind, r.text, r.serverTimeMs, r.quoteSeq, quickReplies);
}

/** The URL of the writer thread's module: the .ts source under tsx, the bundled .js in dist. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./writer-worker.ts', import.meta.url) : new URL('./store-writer.js', import.meta.url);
}

export class StoreWriter {
  readonly stats: WriterStats = { records: 0, commits: 0, failures: 0, counted: 0 };
  private readonly commitMs: number;
  private readonly probeMs: number;
  private readonly log: StoreLogger | undefined;
  private worker: Worker | undefined;
  private nextId = 1;
  /** Requests sent to the thread, answered in order. */
  private readonly sent = new Map<number, Pending>();
  /** The batch being filled; its records share one promise (one transaction: they commit or fail together). */
  private open: OpenBatch | undefined;
  /** Purges waiting for the batch in flight. */
  private readonly queued: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When `timer` fires (`sharedNow` time). */
  private timerAt = 0;
  /**
   * When the next batch leaves, shared with the writer thread, which fits
   * its background jobs into the gap (background-turns.ts); kept current by
   * `publishNext`.
   */
  readonly nextBatch: NextBatch;
  private probeTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private closed = false;

  constructor(
    private readonly dataDir: string,
    options: StoreWriterOptions = {},
  ) {
    this.commitMs = options.commitMs ?? 5;
    this.nextBatch = new NextBatch(this.commitMs);
    this.probeMs = options.probeMs ?? 1000;
    this.log = options.log;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.worker = this.startWorker();
    this.checkpointer = this.startThread('checkpointer');
    // A checkpointer that fails is only missed (the writer thread checkpoints too): never a reason to stop.
    this.checkpointer.on('error', (error) => this.log?.warn({ err: error }, 'store: the checkpointer thread failed'));
    this.checkpointer.unref();
  }

  /** The thread copying the WAL into the database file beside the commits (checkpointer.ts). */
  private readonly checkpointer: Worker;

  /** Batches committed, counted by the writer thread and watched by the checkpointer (which copies right after one); one shared Int32. */
  private readonly commits = new Int32Array(new SharedArrayBuffer(4));

  private readonly busyTimeoutMs: number;

  get healthy(): boolean {
    return this.failure === undefined && !this.closed;
  }

  /**
   * Adds a record to the open batch; resolves once its transaction committed.
   * Every record of a batch gets the same promise (one per transaction, not
   * one per message: the hot path allocates nothing per record here).
   */
  write(record: StoreRecord): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    if (this.failure) return Promise.reject(this.unavailable());
    const batch = (this.open ??= openBatch());
    if (record.t === 'msg') pushMessage(batch.messages, record);
    else batch.records.push(record);
    if (batch.records.length + batch.messages.length / MESSAGE_FIELDS >= MAX_BATCH_RECORDS) this.flush();
    else this.schedule();
    return batch.committed;
  }

  /** Deletes conversations (retention) after everything written before, having stored `epochSalt` first; in small transactions on the thread. */
  purge(conversationIds: readonly string[], epochSalt: string): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    if (this.failure) return Promise.reject(this.unavailable());
    this.flush();
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ request: { type: 'purge', id: this.nextId++, conversationIds: [...conversationIds], epochSalt }, waiters: [{ resolve, reject }] });
      this.pump();
    });
  }

  /** Resolves once everything written before is committed and merged out of the message log (readable: message-log.ts). */
  merge(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    if (this.failure) return Promise.reject(this.unavailable());
    this.flush();
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ request: { type: 'merge', id: this.nextId++ }, waiters: [{ resolve, reject }] });
      this.pump();
    });
  }

  /** Commits what is pending, then stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.clearTimers();
    this.flush();
    await new Promise<void>((done) => {
      this.idleWaiters.push(done);
      this.checkIdle();
    });
    this.closed = true;
    await this.checkpointer.terminate();
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((done) => worker.once('exit', () => done()));
    worker.ref();
    worker.postMessage({ type: 'close', id: this.nextId++ } satisfies WriterRequest);
    await Promise.race([exited, new Promise((done) => setTimeout(done, 5000).unref())]);
    await worker.terminate();
  }

  private readonly idleWaiters: (() => void)[] = [];

  /** Wakes `close` once nothing is queued or in flight. */
  private checkIdle(): void {
    if (!this.inFlight()) this.worker?.unref();
    if (this.inFlight() || this.queued.length > 0 || this.open) return;
    for (const done of this.idleWaiters.splice(0)) done();
  }

  private schedule(): void {
    if (this.timer) return;
    if (this.inFlight()) {
      // A running commit sends the next batch when it returns.
      this.publishNext();
      return;
    }
    if (this.commitMs <= 0) {
      this.flush();
      return;
    }
    this.timerAt = sharedNow() + this.commitMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.commitMs);
    this.publishNext();
  }

  /** Tells the writer thread when the next batch leaves: at once (it waits for the one in flight, or requests are queued), when the timer fires, or none is open. */
  private publishNext(): void {
    if (this.queued.length > 0 || (this.open && this.inFlight())) this.nextBatch.publish(true);
    else this.nextBatch.publish(this.timer ? this.timerAt : undefined);
  }

  /** Moves the open batch into the queue and sends what can be sent. */
  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.open;
    this.open = undefined;
    if (batch && (batch.records.length > 0 || batch.messages.length > 0)) {
      const request: WriterRequest = { type: 'batch', id: this.nextId++, records: batch.records, messages: batch.messages };
      this.queued.push({ request, waiters: [batch.waiter] });
    }
    this.pump();
  }

  private inFlight(): boolean {
    return this.sent.size > 0;
  }

  /** Sends the next queued request when none is in flight (one transaction at a time, in order), and publishes what follows. */
  private pump(): void {
    this.send();
    this.publishNext();
  }

  private send(): void {
    if (this.inFlight() || !this.worker) return;
    const next = this.queued.shift();
    if (!next) return;
    this.sent.set(next.request.id, next);
    if (next.request.type === 'batch') next.request.postedAt = performance.timeOrigin + performance.now();
    this.worker.ref(); // keeps the process alive while a commit is owed; unref'd again when idle
    this.worker.postMessage(next.request);
  }

  /** A thread of writer-worker.ts in `role`. */
  private startThread(role: WriterData['role']): Worker {
    const data: WriterData = {
      dataDir: this.dataDir,
      busyTimeoutMs: this.busyTimeoutMs,
      role,
      commits: this.commits.buffer as SharedArrayBuffer,
      nextBatch: this.nextBatch.buffer,
      commitMs: this.commitMs,
    };
    const url = workerUrl();
    // Running from source (tests under tsx): a worker does not inherit tsx's loader hooks, so it registers them before importing.
    return url.pathname.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData: data })
      : new Worker(url, { workerData: data });
  }

  private startWorker(): Worker {
    const worker = this.startThread('writer');
    worker.on('message', (reply: WriterReply) => this.answered(reply));
    worker.on('error', (error) => this.crashed(error));
    worker.on('exit', (code) => {
      if (!this.closed && this.worker === worker) this.crashed(new Error(`the writer thread exited with code ${code}`));
    });
    worker.unref();
    return worker;
  }

  /** Called with what each merge of the message log made readable (see DurableStore.onReadable). */
  onMerged: ((merged: readonly Merged[]) => void) | undefined;

  /** Called with how long the writer thread's jobs took, about once a second (writer-timings.ts). */
  onTimings: ((timings: JobDurations) => void) | undefined;

  private answered(reply: WriterReply): void {
    if ('merged' in reply) {
      this.onMerged?.(reply.merged);
      return;
    }
    if ('timings' in reply) {
      this.onTimings?.(reply.timings);
      return;
    }
    const pending = this.sent.get(reply.id);
    if (!pending) return;
    this.sent.delete(reply.id);
    const { request } = pending;
    if (reply.ok) {
      if (request.type === 'batch') {
        this.stats.commits += 1;
        this.stats.counted = Atomics.load(this.commits, 0);
        this.stats.records += request.records.length + request.messages.length / MESSAGE_FIELDS;
      }
      if (request.type === 'probe') this.recovered();
      for (const waiter of pending.waiters) waiter.resolve();
    } else {
      const error = Object.assign(new Error(reply.message), { code: reply.code });
      if (request.type === 'probe') {
        this.scheduleProbe();
      } else {
        this.fail(error);
        for (const waiter of pending.waiters) waiter.reject(this.unavailable());
      }
    }
    if (this.open && !this.timer && this.queued.length === 0) this.flush();
    else this.pump();
    this.checkIdle();
  }

  /** The thread died (it should not): everything in flight is unknown, so reject it; a probe starts a new thread. */
  private crashed(error: Error): void {
    if (this.closed) return;
    this.log?.warn({ err: error }, 'store: the writer thread failed');
    this.worker = undefined;
    this.fail(error);
    for (const pending of this.sent.values()) for (const waiter of pending.waiters) waiter.reject(this.unavailable());
    this.sent.clear();
    this.checkIdle();
  }

  /** Turns unhealthy: rejects everything queued, starts probing. */
  private fail(error: Error): void {
    const wasHealthy = this.failure === undefined;
    this.failure = error;
    const open = this.open;
    this.open = undefined;
    const stranded = [...this.queued.splice(0), ...(open ? [{ waiters: [open.waiter] }] : [])];
    for (const pending of stranded) for (const waiter of pending.waiters) waiter.reject(this.unavailable());
    if (wasHealthy) {
      this.stats.failures += 1;
      this.log?.warn({ err: error, dataDir: this.dataDir }, 'store: the disk refuses writes; rejecting them until it recovers');
    }
    this.scheduleProbe();
    this.checkIdle();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.closed || !this.failure) return;
      if (!this.worker) this.worker = this.startWorker();
      const id = this.nextId++;
      this.sent.set(id, { request: { type: 'probe', id }, waiters: [] });
      this.worker.ref();
      this.worker.postMessage({ type: 'probe', id } satisfies WriterRequest);
    }, this.probeMs);
    this.probeTimer.unref();
  }

  private recovered(): void {
    if (!this.failure) return;
    this.failure = undefined;
    this.log?.info({ dataDir: this.dataDir }, 'store: the disk takes writes again');
  }

  private unavailable(): StoreUnavailableError {
    const cause = this.failure;
    return new StoreUnavailableError(`storage unavailable: ${cause?.message ?? 'the disk refuses writes'}`, { cause });
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.timer = undefined;
    this.probeTimer = undefined;
  }
}
