/** Wires the mailbox watcher to the importer for one server (index.ts starts it when CS_IMAP_URL is set). */
import type { Logger } from 'pino';
import type { FileStore } from '../files/index.js';
import type { PipelineDeps } from '../pipeline/index.js';
import type { AttachmentLimits } from './attachments.js';
import type { ReplyAddressKeys } from './address.js';
import { ImapInbox, type HandledMail, type ImapStatus } from './imap.js';
import { parseImapUrl } from './imap-url.js';
import { importEmail } from './import.js';

/** The inbound half as the server holds it. */
export interface EmailInbound {
  status(): ImapStatus;
  /** Calls `listener` with every message looked at; returns its disposer. */
  onHandled(listener: (mail: HandledMail) => void): () => void;
  /** Sweeps the mailbox now. */
  sweepSoon(): void;
  stop(): Promise<void>;
}

/** What `startEmailInbound` needs. */
export interface EmailInboundOptions {
  /** CS_IMAP_URL. */
  readonly imapUrl: string;
  /** Largest email imported, bytes. */
  readonly maxBytes: number;
  /** Sweep interval, ms. */
  readonly pollMs: number;
  /** First and largest reconnect delay bound, ms. */
  readonly retryBaseMs: number;
  readonly retryCapMs: number;
  readonly addressKeys: ReplyAddressKeys;
  readonly pipeline: PipelineDeps;
  /** Where attachments are kept; without it they are named in the text as not imported. */
  readonly files?: { readonly store: FileStore; readonly limits: AttachmentLimits };
  readonly log: Logger;
}

/**
 * Starts watching the mailbox.
 * @throws Error when `imapUrl` is not an imap:// or imaps:// URL (a setting error, at start).
 */
export function startEmailInbound(options: EmailInboundOptions): EmailInbound {
  const target = parseImapUrl(options.imapUrl);
  const log = options.log.child({ mod: 'email-in' });
  const inbox = new ImapInbox({
    target,
    maxBytes: options.maxBytes,
    pollMs: options.pollMs,
    retryBaseMs: options.retryBaseMs,
    retryCapMs: options.retryCapMs,
    handle: (raw) => importEmail({ pipeline: options.pipeline, addressKeys: options.addressKeys, files: options.files }, raw),
    log,
    random: Math.random,
    now: options.pipeline.now,
  });
  log.info({ host: target.host, port: target.port, mailbox: target.mailbox }, 'email: watching the mailbox for replies');
  return {
    status: () => inbox.status(),
    onHandled: (listener) => inbox.onHandled(listener),
    sweepSoon: () => inbox.sweepSoon(),
    stop: () => inbox.stop(),
  };
}
