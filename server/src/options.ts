/**
 * Every setting of the server, with its unit and default. `startServer`
 * takes a partial object; `resolveOptions` fills the defaults. `main.ts` maps
 * the environment (DESIGN.md §9) onto it.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './store/db.js';
import type { MailTransport } from './email/mailer.js';
import type { OutboxEntry } from './email/outbox.js';

/** How the sensitive-word filter treats a blocked word. */
export type BlockedWordsMode = 'mask' | 'reject';

export interface ServerOptions {
  /** Port to listen on; 0 picks a free one (tests). Default 8080. */
  port: number;
  /** Interface to bind. Default '0.0.0.0'. */
  host: string;
  /** HMAC secret that signs visitor tokens and service (agent) tokens. Required (main.ts generates one for the demo). */
  secret: string;
  /**
   * The previous secret during a rotation: it still verifies visitor tokens
   * (a visitor token under it is re-issued under `secret` in Welcome).
   * Agent tokens are never accepted under it, so rotating the secret revokes
   * every agent token. Default '' (none).
   */
  previousSecret: string;
  /**
   * The key a merchant's backend signs user ids with for `identify`
   * (`hex(HMAC-SHA256(identitySecret, userId))`), never the token secret, so
   * an identity signature is never a token (issue 10). '' turns identify off
   * (an identity in Hello is refused). At least 16 characters and different
   * from `secret` when set. Default ''.
   */
  identitySecret: string;
  /** The previous identity secret during a rotation: still verifies identity signatures. Default ''. */
  previousIdentitySecret: string;
  /**
   * Site keys this server serves, each with the page origins allowed to open a
   * visitor session for it (an empty list: any origin). A Hello naming a site
   * not listed is refused. Empty object: every site key is accepted. Default {}.
   */
  sites: Readonly<Record<string, readonly string[]>>;
  /** Origins allowed to open `/ws` (exact match, e.g. 'https://shop.example'). Empty allows all. Default []. */
  allowedOrigins: string[];
  /** Lowest `Hello.core_level` served; below it the client gets Error UPGRADE_REQUIRED. Default 0. */
  minCoreLevel: number;
  /** Client ping interval announced in Welcome, ms. Default 25000. */
  heartbeatMs: number;
  /** Largest incoming frame, bytes; a bigger one closes the socket (uWS maxPayloadLength). Default 65536. */
  maxPayloadBytes: number;
  /** Longest message text, UTF-16 code units. Default 4000. */
  maxTextLength: number;
  /**
   * Bytes buffered for one socket past which pushes to it stop (slow consumer,
   * DESIGN.md §3.10); when it drains it gets Error RESYNC. Default 1 MiB.
   */
  maxBackpressureBytes: number;
  /** Token bucket per connection, covering every frame kind: burst size, frames. Default 200. */
  rateBurst: number;
  /** Token bucket refill, frames per second. Default 40. */
  ratePerSecond: number;
  /** Open WebSockets per client IP; more get 429 on upgrade. Default 200. */
  maxConnectionsPerIp: number;
  /**
   * Reverse-proxy hops in front of the server. With n > 0 the client IP is the
   * n-th X-Forwarded-For entry from the right (the one the outermost trusted
   * proxy appended), never an entry the client wrote; with fewer entries, the
   * leftmost. 0: the socket's peer address. Default 0.
   */
  trustProxy: number;
  /** A socket that has not sent Hello within this time is closed with Error PROTOCOL, ms. Default 10000. */
  helloTimeoutMs: number;
  /** HTTP streams (`GET /stream`): an empty heartbeat record on every open stream this often, ms. Default 20000. */
  streamHeartbeatMs: number;
  /** A stream session with no `GET /stream` open for this long expires (closed like a socket), ms. Default 30000. */
  streamIdleMs: number;
  /** Bearer token `/metrics` requires (401 without it); '' leaves `/metrics` open. Default ''. */
  metricsToken: string;
  /** Largest `Sync.limit` honoured; also the page size of a resume. Default 200. */
  maxSyncLimit: number;
  /** A pushed message not confirmed by `Received` within this time is pushed again, ms (DESIGN.md §3.8). Default 5000. */
  repushAfterMs: number;
  /** At most one InboxUpdate / Receipt per conversation per this interval, ms. Default 1000. */
  coalesceMs: number;
  /** Words masked or rejected in message text (case-insensitive). Default []. */
  blockedWords: string[];
  /** 'mask' replaces each letter with '*' (default); 'reject' refuses the message with Ack REJECTED. */
  blockedWordsMode: BlockedWordsMode;
  /** Post a BOT auto-reply when a visitor writes and no agent is online (once per `offlineReplyEveryMs`). Default true. */
  offlineReply: boolean;
  /** Least time between two offline auto-replies in one conversation, ms. Default 300000. */
  offlineReplyEveryMs: number;
  /** Group-commit window: how long a write waits for others to share its transaction, ms. Default 5 (`CS_COMMIT_MS`). */
  commitMs: number;
  /** How long a commit waits for another connection's lock before it fails (storage unavailable), ms. Default 5000. */
  busyTimeoutMs: number;
  /** How often the store tries the disk again while it refuses writes, ms. Default 1000. */
  storeProbeMs: number;
  /** Estimated size of the in-memory hot set (conversations and recent messages), bytes. Default 64 MiB (`CS_HOT_SET_MB`). */
  hotSetBytes: number;
  /** Delete resolved conversations whose last activity is older than this many days; 0 keeps everything. Default 0 (`CS_RETENTION_DAYS`). */
  retentionDays: number;
  /** How often retention looks for expired conversations, ms; each pass deletes at most 100. Default 60000. */
  retentionEveryMs: number;
  /** Most conversations (topics) one visitor may have; a Hello for one more gets Error RATE_LIMITED. Default 20 (`CS_MAX_CONVERSATIONS_PER_VISITOR`). */
  maxConversationsPerVisitor: number;
  /** Most conversations a visitor's Welcome lists (newest first). Default 20 (`CS_WELCOME_CONVERSATIONS`). */
  welcomeConversations: number;
  /** Most conversations an agent's Welcome lists (newest activity first); older ones are found by search. Default 500 (`CS_INBOX_CONVERSATIONS`). */
  inboxConversations: number;
  /** New anonymous visitors (Hello without a token) one IP may start per minute. Default 30 (`CS_NEW_VISITORS_PER_IP_MINUTE`). */
  newVisitorsPerIpPerMinute: number;
  /** Bytes of message text one visitor may have stored per hour. Default 1048576 (`CS_VISITOR_BYTES_PER_HOUR`). */
  visitorBytesPerHour: number;
  /**
   * The SQLite database (announcements, accounts, sessions, settings …), opened and migrated by the
   * caller (`openMigrated`). Default: a connection to `dataDir`'s cs-chat.db
   * (main thread, beside the store's writer thread), or a private in-memory
   * database when `dataDir` is '' (lost at stop).
   */
  database: Db | undefined;
  /** `CS_API_TOKEN`: a bearer token with owner rights on the JSON API (provisioning). Default '' (off). */
  apiToken: string;
  /** Jitter window over which a published, edited or recalled announcement reaches the open widgets, ms (`CS_BROADCAST_SPREAD_MS`). Default 30000. */
  broadcastSpreadMs: number;
  /**
   * The data directory (`CS_DATA_DIR`): `cs-chat.db` (the store, DESIGN.md
   * §5; one server per directory) and attachments' bytes in `files/`. ''
   * keeps nothing durable: memory only, everything is lost at a restart and
   * every epoch changes (`CS_JOURNAL=off`; tests and benchmarks); files go to
   * a temp folder for this run. Default '' here; `npm start` uses
   * `CS_DATA_DIR` (default ./.data).
   */
  dataDir: string;
  /** Largest upload, bytes (CS_MAX_UPLOAD_BYTES); bigger ones get 413 while streaming. Default 10 MiB. */
  maxUploadBytes: number;
  /** Bytes one visitor may upload per rolling hour (CS_UPLOAD_QUOTA_BYTES_PER_HOUR); past it 429. 0 = no limit. Default 100 MiB. */
  uploadQuotaBytesPerHour: number;
  /**
   * Least lifetime of a signed /files URL, ms (CS_FILE_URL_TTL_MS); clients
   * get fresh ones on every Deliver and Sync, and ask for the messages again
   * when a link they show is about to expire (cached history after a reload,
   * a tab left open). Default 3600000 (an hour).
   */
  fileUrlTtlMs: number;
  /** `CS_SMTP_URL`: the SMTP server outbound email goes through (nodemailer URL, e.g. `smtps://user:pass@smtp.example.com:465`); '' turns email off. Default ''. */
  smtpUrl: string;
  /** `CS_MAIL_FROM`: the sender of outbound email (`Shop <shop@example.com>`); the `email.from` setting overrides it. Default ''. */
  mailFrom: string;
  /** `CS_EMAIL_DELAY_MS`: agent replies no visitor session has shown within this are emailed (one email for all of them), ms. Default 180000. */
  emailDelayMs: number;
  /** Tests only: the SMTP transport of outbound email (default: nodemailer over `smtpUrl`). */
  emailTransport: MailTransport | undefined;
  /** Tests only: runs after SMTP accepted an email, before it is recorded as sent (a crash there is what the never-twice test makes). */
  emailAfterAccepted: ((entry: OutboxEntry) => void) | undefined;
  /** `CS_PUBLIC_URL`: the server's public base URL for links in emails (unsubscribe, workbench), e.g. `https://chat.example.com`; '' uses the listen address. Default ''. */
  publicUrl: string;
  /** The clock of away mode and outbound email (business hours, the email delay), ms since the epoch; tests inject one. Default Date.now. */
  emailClock: () => number;
  /**
   * `CS_IMAP_URL`: the mailbox visitors' emailed replies arrive in
   * (`imaps://user:app-password@imap.example.com[/folder]`, DESIGN.md §10).
   * Default '' (no inbound email).
   */
  imapUrl: string;
  /** `CS_INBOUND_DOMAIN`: reply addresses are `reply+…@<domain>`; '' uses the mailbox's own address with a +tag. Default ''. */
  inboundDomain: string;
  /** Largest emailed reply imported, bytes (`CS_MAX_EMAIL_BYTES`); bigger ones are refused before download. Default 10 MiB. */
  maxEmailBytes: number;
  /** How often the mailbox is swept even without IDLE news, ms (`CS_IMAP_POLL_MS`). Default 60000. */
  imapPollMs: number;
  /** First reconnect delay bound after the IMAP server failed, ms (full jitter, doubling). Default 1000. */
  imapRetryBaseMs: number;
  /** Largest reconnect delay bound, ms. Default 300000. */
  imapRetryCapMs: number;
  /** pino level: 'fatal' … 'trace', or 'silent'. Default 'info'. */
  logLevel: string;
  /** Folder holding the built widget bundles (cs-chat.js, cs-inbox.js). Default <repo>/dist. */
  distDir: string;
  /** Folder holding the demo pages (index.html, agent.html). Default <repo>/demo. */
  demoDir: string;
}

/** The repository root, found from this file (server/src or dist/server). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Fills every unset option with its default. */
export function resolveOptions(partial: Partial<ServerOptions>): ServerOptions {
  const options: ServerOptions = {
    port: 8080,
    host: '0.0.0.0',
    secret: '',
    previousSecret: '',
    identitySecret: '',
    previousIdentitySecret: '',
    sites: {},
    allowedOrigins: [],
    minCoreLevel: 0,
    heartbeatMs: 25_000,
    maxPayloadBytes: 64 * 1024,
    maxTextLength: 4000,
    maxBackpressureBytes: 1024 * 1024,
    rateBurst: 200,
    ratePerSecond: 40,
    maxConnectionsPerIp: 200,
    trustProxy: 0,
    helloTimeoutMs: 10_000,
    streamHeartbeatMs: 20_000,
    streamIdleMs: 30_000,
    metricsToken: '',
    maxSyncLimit: 200,
    repushAfterMs: 5000,
    coalesceMs: 1000,
    blockedWords: [],
    blockedWordsMode: 'mask',
    offlineReply: true,
    offlineReplyEveryMs: 300_000,
    dataDir: '',
    commitMs: 5,
    busyTimeoutMs: 5000,
    storeProbeMs: 1000,
    hotSetBytes: 64 * 1024 * 1024,
    retentionDays: 0,
    retentionEveryMs: 60_000,
    maxConversationsPerVisitor: 20,
    welcomeConversations: 20,
    inboxConversations: 500,
    newVisitorsPerIpPerMinute: 30,
    visitorBytesPerHour: 1024 * 1024,
    database: undefined,
    broadcastSpreadMs: 30_000,
    apiToken: '',
    maxUploadBytes: 10 * 1024 * 1024,
    uploadQuotaBytesPerHour: 100 * 1024 * 1024,
    fileUrlTtlMs: 60 * 60 * 1000,
    smtpUrl: '',
    mailFrom: '',
    emailDelayMs: 180_000,
    emailClock: () => Date.now(),
    publicUrl: '',
    emailTransport: undefined,
    emailAfterAccepted: undefined,
    imapUrl: '',
    inboundDomain: '',
    maxEmailBytes: 10 * 1024 * 1024,
    imapPollMs: 60_000,
    imapRetryBaseMs: 1000,
    imapRetryCapMs: 300_000,
    logLevel: 'info',
    distDir: join(repoRoot, 'dist'),
    demoDir: join(repoRoot, 'demo'),
    ...partial,
  };
  if (options.secret.length < 16) throw new Error('options.secret must be at least 16 characters (CS_SECRET)');
  if (options.identitySecret && options.identitySecret.length < 16) throw new Error('options.identitySecret must be at least 16 characters (CS_IDENTITY_SECRET)');
  const tokenKeys = [options.secret, options.previousSecret].filter((k) => k);
  if ([options.identitySecret, options.previousIdentitySecret].some((k) => k && tokenKeys.includes(k))) {
    throw new Error('CS_IDENTITY_SECRET must differ from CS_SECRET: the key your backend holds must not sign tokens');
  }
  if (!(options.streamHeartbeatMs > 0)) throw new Error('options.streamHeartbeatMs must be more than 0 ms (CS_STREAM_HEARTBEAT_MS)');
  if (!(options.streamIdleMs > 0)) throw new Error('options.streamIdleMs must be more than 0 ms (CS_STREAM_IDLE_MS)');
  if (!(options.helloTimeoutMs > 0)) throw new Error('options.helloTimeoutMs must be more than 0 ms (CS_HELLO_TIMEOUT_MS)');
  if (!Number.isInteger(options.trustProxy) || options.trustProxy < 0) throw new Error('options.trustProxy must be a whole number of proxy hops (CS_TRUST_PROXY)');
  return options;
}
