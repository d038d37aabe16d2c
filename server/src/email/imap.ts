/**
 * Polls an ordinary mailbox over IMAP (imapflow) for visitors' emailed
 * replies (issue 14, DESIGN.md §10): no DNS change, no inbound webhook.
 * While connected the mailbox is watched with IDLE where the server has it
 * (imapflow idles by itself once the mailbox is selected and quiet; new mail
 * wakes a sweep at once) and swept every `pollMs` in any case, so a server
 * without IDLE is simply polled. A lost or refused connection is retried
 * with full-jitter backoff; nothing here ever throws into the server.
 *
 * A sweep looks at unseen mail of the last `LOOKBACK_DAYS` days and any mail
 * past the highest UID already looked at this run (so mail a person marks
 * read in their mail program meanwhile is not missed). Each message's size
 * and its addressing headers come first (RFC822.SIZE, To/Cc/Delivered-To/
 * In-Reply-To/References): mail that names no conversation is not
 * downloaded at all, and one over `maxBytes` is refused with a log line and
 * never downloaded. Imported mail (and duplicates) is flagged `\Seen`, so
 * a restart does not look at it again (and the dedup on its Message-ID would
 * make that harmless anyway). Mail that is ignored is left as it is: the
 * mailbox may be shared with people, and what is not for us stays unread
 * for them.
 */
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { ImportOutcome } from './import.js';
import type { ImapTarget } from './imap-url.js';

/** The headers fetched before deciding to download a message (where a reply address or a thread Message-ID can be). */
const ADDRESSING_HEADERS = ['to', 'cc', 'delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'in-reply-to', 'references'];

/**
 * True when the headers name a reply address (`+<c|x><base32>.<mac>@`) or a
 * Message-ID of ours (`<cs.…`): only such mail is downloaded and checked
 * (the mac is verified by the importer; a forged one is logged there).
 */
export function mayBeForAConversation(headers: string): boolean {
  return /\+[cx][a-z2-7]+\.[a-z2-7]{16}@|<cs\.[a-z2-7]+\./i.test(headers);
}

/** How far back a sweep looks for unseen mail, days. */
export const LOOKBACK_DAYS = 14;

/** Full-jitter backoff: a random delay in [0, min(cap, base · 2^attempt)], ms. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30)));
}

/** The connection's state, as `status()` reports it. */
export const ImapState = { Connecting: 'connecting', Watching: 'watching', Retrying: 'retrying', Stopped: 'stopped' } as const;
export type ImapState = (typeof ImapState)[keyof typeof ImapState];

/** What a mailbox watcher reports about itself (logs, tests). */
export interface ImapStatus {
  readonly state: ImapState;
  /** Failed connection attempts in a row. */
  readonly failures: number;
  readonly lastError: string;
  /** True when the server announced IDLE. */
  readonly idle: boolean;
}

/** One message's fate, as the watcher tells its listeners. */
export type HandledMail = { readonly uid: number; readonly size: number } & (ImportOutcome | { readonly kind: 'refused'; readonly reason: string });

/** Settings and collaborators of a mailbox watcher. */
export interface ImapInboxOptions {
  readonly target: ImapTarget;
  /** Largest email imported, bytes (CS_MAX_EMAIL_BYTES). Default 10 MiB. */
  readonly maxBytes: number;
  /** Sweep interval even without IDLE news, ms (CS_IMAP_POLL_MS). Default 60000. */
  readonly pollMs: number;
  /** First retry delay bound after a failed connection, ms. Default 1000. */
  readonly retryBaseMs: number;
  /** Largest retry delay bound, ms. Default 300000. */
  readonly retryCapMs: number;
  /** Turns one raw email into a message (import.ts). */
  readonly handle: (raw: Buffer) => Promise<ImportOutcome>;
  readonly log: Logger;
  /** Randomness of the backoff, [0, 1) (injected for tests). */
  readonly random: () => number;
  /** Clock, ms since the epoch. */
  readonly now: () => number;
}

/** Watches one mailbox until `stop()`. */
export class ImapInbox {
  private state: ImapState = ImapState.Connecting;
  private failures = 0;
  private lastError = '';
  private idle = false;
  private stopped = false;
  private client: ImapFlow | undefined;
  private wake: (() => void) | undefined;
  /** New mail was announced while a sweep ran: sweep again at once. */
  private news = false;
  private highestUid = 0;
  private uidValidity = '';
  /** UIDs already decided this run (ignored or refused mail is not flagged, so it is remembered here). */
  private readonly decided = new Set<number>();
  private readonly listeners = new Set<(mail: HandledMail) => void>();
  private readonly running: Promise<void>;

  constructor(private readonly options: ImapInboxOptions) {
    this.running = this.run();
  }

  /** The connection's state now. */
  status(): ImapStatus {
    return { state: this.state, failures: this.failures, lastError: this.lastError, idle: this.idle };
  }

  /** Calls `listener` with every message looked at; returns its disposer. */
  onHandled(listener: (mail: HandledMail) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sweeps now instead of at the next IDLE news or poll (tests, admin). */
  sweepSoon(): void {
    this.wake?.();
  }

  /** Logs out and stops; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.state = ImapState.Stopped;
    this.wake?.();
    this.client?.close();
    await this.running;
  }

  private async run(): Promise<void> {
    const { target, log } = this.options;
    while (!this.stopped) {
      this.state = ImapState.Connecting;
      const client = new ImapFlow({
        host: target.host,
        port: target.port,
        secure: target.secure,
        auth: { user: target.user, pass: target.password },
        logger: false,
        connectionTimeout: 30_000,
        greetingTimeout: 16_000,
        maxIdleTime: this.options.pollMs,
        // Start IDLE soon after a sweep: new mail then arrives as EXISTS within a second or two.
        autoIdleDelay: 1000,
      });
      this.client = client;
      // An 'error' event without a listener would throw out of the event loop and end the process.
      client.on('error', (error: Error) => (this.lastError = error.message));
      try {
        await client.connect();
        this.idle = client.capabilities.has('IDLE');
        const opened = await client.mailboxOpen(target.mailbox);
        this.resetIfNewMailbox(String(opened.uidValidity));
        this.state = ImapState.Watching;
        if (this.failures > 0) log.info({ host: target.host, failures: this.failures }, 'email: IMAP connected again');
        this.failures = 0;
        this.lastError = '';
        client.on('exists', () => {
          this.news = true;
          this.wake?.();
        });
        while (!this.stopped && client.usable) {
          await this.sweep(client);
          await this.waitForNews(client);
        }
      } catch (error) {
        if (this.stopped) break;
        this.failures++;
        this.lastError = (error as Error).message;
        log.warn({ host: target.host, port: target.port, failures: this.failures, err: this.lastError }, 'email: IMAP connection failed; retrying with backoff');
      } finally {
        client.close();
        this.client = undefined;
      }
      if (this.stopped) break;
      this.state = ImapState.Retrying;
      await this.sleep(backoffMs(this.failures, this.options.retryBaseMs, this.options.retryCapMs, this.options.random));
    }
    this.state = ImapState.Stopped;
  }

  private resetIfNewMailbox(uidValidity: string): void {
    if (uidValidity === this.uidValidity) return;
    this.uidValidity = uidValidity;
    this.highestUid = 0;
    this.decided.clear();
  }

  /** Resolves on IDLE news (EXISTS), `pollMs`, a closed connection or stop. */
  private waitForNews(client: ImapFlow): Promise<void> {
    return new Promise((resolve) => {
      if (this.news) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        client.off('close', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollMs);
      client.once('close', done);
      this.wake = done;
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async sweep(client: ImapFlow): Promise<void> {
    this.news = false;
    const since = new Date(this.options.now() - LOOKBACK_DAYS * 86_400_000);
    const unseen = (await client.search({ seen: false, since }, { uid: true })) || [];
    const newer = this.highestUid > 0 ? (await client.search({ uid: `${this.highestUid + 1}:*` }, { uid: true })) || [] : [];
    const uids = [...new Set([...unseen, ...newer])].filter((uid) => !this.decided.has(uid)).sort((a, b) => a - b);
    for (const uid of uids) {
      if (this.stopped || !client.usable) return;
      await this.consider(client, uid);
    }
  }

  private async consider(client: ImapFlow, uid: number): Promise<void> {
    const { log, maxBytes } = this.options;
    this.highestUid = Math.max(this.highestUid, uid);
    const meta = await client.fetchOne(String(uid), { uid: true, size: true, headers: ADDRESSING_HEADERS }, { uid: true });
    if (!meta) return;
    const size = meta.size ?? 0;
    if (!mayBeForAConversation(meta.headers?.toString('latin1') ?? '')) {
      // The mailbox may be an ordinary one shared with people: what names no conversation is not even downloaded.
      this.decided.add(uid);
      log.info({ uid, size }, 'email: ignored (names no conversation in its recipients or thread headers; not downloaded)');
      return this.tell({ uid, size, kind: 'ignored', reason: 'names no conversation (recipients, In-Reply-To, References)' });
    }
    if (size > maxBytes) {
      this.decided.add(uid);
      log.warn({ uid, size, maxBytes }, `email: refused a ${Math.round(size / 1048576)} MB email (over the ${Math.round(maxBytes / 1048576)} MB limit, CS_MAX_EMAIL_BYTES); not downloaded, nothing stored`);
      return this.tell({ uid, size, kind: 'refused', reason: `larger than ${maxBytes} bytes` });
    }
    const full = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    if (!full || !full.source) return;
    let outcome: ImportOutcome;
    try {
      outcome = await this.options.handle(full.source);
    } catch (error) {
      // A bug in one email's handling must not stop the others (nor the server): log it and skip the mail.
      this.decided.add(uid);
      log.error({ uid, err: error }, 'email: importing an email failed');
      return;
    }
    if (outcome.kind === 'imported' || outcome.kind === 'duplicate') {
      await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    }
    if (outcome.kind !== 'retry') this.decided.add(uid);
    if (outcome.kind === 'imported') log.info({ uid, conversationId: outcome.conversationId, seq: outcome.seq }, 'email: reply imported');
    else if (outcome.kind === 'duplicate') log.info({ uid, conversationId: outcome.conversationId, seq: outcome.seq }, 'email: reply already imported (same Message-ID)');
    else log.info({ uid, conversationId: outcome.conversationId, reason: outcome.reason }, outcome.kind === 'retry' ? 'email: reply not stored now; trying again later' : 'email: ignored');
    this.tell({ uid, size, ...outcome });
  }

  private tell(mail: HandledMail): void {
    for (const listener of this.listeners) {
      try {
        listener(mail);
      } catch (error) {
        this.options.log.warn({ err: error }, 'email: a listener failed');
      }
    }
  }
}
