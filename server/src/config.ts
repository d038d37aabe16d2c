/**
 * Server settings from the environment (DESIGN.md §9; the README lists them):
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | PORT | listen port | 8080 |
 * | HOST | listen address | 0.0.0.0 |
 * | CS_SECRET | HMAC secret for visitor and service tokens (>= 16 chars) | demo: generated once and kept in CS_DATA_DIR/secret (per start with CS_JOURNAL=off) |
 * | CS_SECRET_PREVIOUS | previous secret during a rotation (visitor tokens) | none |
 * | CS_IDENTITY_SECRET | key of identity signatures (identify); unset = identify off | demo: generated in CS_DATA_DIR/identity-secret |
 * | CS_IDENTITY_SECRET_PREVIOUS | previous identity key during a rotation | none |
 * | CS_SITES | `site=origin|origin,site2`: site keys served and their page origins | empty: any site |
 * | CS_ALLOWED_ORIGINS | comma list of origins allowed on /ws; empty allows all | empty |
 * | CS_MIN_CORE_LEVEL | lowest client core level served | 0 |
 * | CS_HEARTBEAT_MS | client ping interval | 25000 |
 * | CS_MAX_PAYLOAD_BYTES | largest incoming frame | 65536 |
 * | CS_MAX_TEXT_LENGTH | longest message text | 4000 |
 * | CS_MAX_BACKPRESSURE_BYTES | per-socket buffered limit (slow consumer) | 1048576 |
 * | CS_RATE_BURST / CS_RATE_PER_SECOND | per-connection token bucket | 200 / 40 |
 * | CS_MAX_CONNECTIONS_PER_IP | open sockets per client IP | 200 |
 * | CS_TRUST_PROXY | n: n proxy hops; client IP = n-th X-Forwarded-For entry from the right | 0 (off) |
 * | CS_HELLO_TIMEOUT_MS | a socket without Hello is closed after this | 10000 |
 * | CS_STREAM_HEARTBEAT_MS | heartbeat record interval on HTTP streams (`/stream`) | 20000 |
 * | CS_STREAM_IDLE_MS | a stream session with no `GET /stream` open expires after this | 30000 |
 * | CS_METRICS_TOKEN | bearer token /metrics requires | none (open) |
 * | CS_BLOCKED_WORDS | comma list of blocked words | empty |
 * | CS_BLOCKED_WORDS_MODE | `mask` (default) or `reject` | mask |
 * | CS_BOT | `off` disables the offline auto-reply | on |
 * | CS_API_TOKEN | bearer token with owner rights on the JSON API (>= 24 chars) | off |
 * | CS_LOG_LEVEL | pino level | info |
 * | CS_DATA_DIR | the data directory: cs-chat.db (the store), the demo secret | ./.data |
 * | CS_JOURNAL | `off`: keep nothing durable (memory only; a restart loses everything) | on |
 * | CS_COMMIT_MS | group-commit window of the store, ms | 5 |
 * | CS_HOT_SET_MB | memory for conversations and recent messages (older ones are read from the store) | 64 |
 * | CS_RETENTION_DAYS | delete resolved conversations idle this long; 0 keeps all | 0 |
 * | CS_MAX_CONVERSATIONS_PER_VISITOR | conversations (topics) per visitor | 20 |
 * | CS_WELCOME_CONVERSATIONS | conversations a visitor's Welcome lists | 20 |
 * | CS_INBOX_CONVERSATIONS | conversations the workbench list loads at sign-in (search finds the rest) | 500 |
 * | CS_NEW_VISITORS_PER_IP_MINUTE | new anonymous visitors per IP per minute | 30 |
 * | CS_VISITOR_BYTES_PER_HOUR | bytes of text a visitor may have stored per hour | 1048576 |
 * | CS_BROADCAST_SPREAD_MS | jitter window of an announcement's publish / edit / recall, ms | 30000 |
 * | CS_MAX_UPLOAD_BYTES | largest attachment upload (413 past it) | 10485760 (10 MiB) |
 * | CS_UPLOAD_QUOTA_BYTES_PER_HOUR | bytes one visitor may upload per hour (429 past it; 0 = no limit) | 104857600 (100 MiB) |
 * | CS_FILE_URL_TTL_MS | least lifetime of a signed /files URL | 3600000 (an hour; clients renew links about to expire) |
 * | CS_SMTP_URL | SMTP server for outbound email (nodemailer URL); unset = email off | off |
 * | CS_MAIL_FROM | sender of outbound email, `Shop <shop@example.com>` (the email.from setting overrides it) | none |
 * | CS_EMAIL_DELAY_MS | agent replies not shown to the visitor within this are emailed, ms | 180000 |
 * | CS_PUBLIC_URL | public base URL of the server for links in emails | the listen address |
 * | CS_IMAP_URL | mailbox of emailed replies: `imaps://user:app-password@imap.example.com[/folder]` | none (off) |
 * | CS_INBOUND_DOMAIN | reply addresses `reply+…@<domain>` (else the mailbox's address with a +tag) | none |
 * | CS_MAX_EMAIL_BYTES | largest emailed reply imported (bigger: refused before download) | 10485760 (10 MiB) |
 * | CS_IMAP_POLL_MS | mailbox sweep interval besides IDLE, ms | 60000 |
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImapUrl } from './email/imap-url.js';
import type { ServerOptions } from './options.js';

/** A non-negative number setting, or undefined when unset; anything else is refused with the variable named. */
export function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

/** The data directory the environment asks for: `CS_DATA_DIR` (default ./.data), or '' for `CS_JOURNAL=off` (memory only). */
export function dataDirFromEnv(env: NodeJS.ProcessEnv): string {
  return (env.CS_JOURNAL ?? '').toLowerCase() === 'off' ? '' : env.CS_DATA_DIR || './.data';
}

function mebibytes(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.floor(value * 1024 * 1024);
}

/** Options read from `env`, and whether the secret was generated for this run. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): { options: Partial<ServerOptions>; generatedSecret: boolean } {
  const number = (name: string): number | undefined => envNumber(env, name);
  const list = (name: string): string[] | undefined =>
    env[name] === undefined ? undefined : (env[name] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const mode = env.CS_BLOCKED_WORDS_MODE;
  if (mode !== undefined && mode !== '' && mode !== 'mask' && mode !== 'reject') {
    throw new Error(`CS_BLOCKED_WORDS_MODE must be "mask" or "reject", got "${mode}"`);
  }
  const generatedSecret = !env.CS_SECRET;
  const secret = env.CS_SECRET || demoSecret(env);
  // The demo (no CS_SECRET) makes an identity key too, so identify can be tried; production sets its own or leaves identify off.
  const identitySecret = env.CS_IDENTITY_SECRET || (generatedSecret ? demoSecret(env, 'identity-secret') : undefined);
  const bots = (env.CS_BOT ?? '').toLowerCase() !== 'off';
  const entries: Partial<ServerOptions> = {
    port: number('PORT'),
    host: env.HOST || undefined,
    secret,
    previousSecret: env.CS_SECRET_PREVIOUS || undefined,
    identitySecret,
    previousIdentitySecret: env.CS_IDENTITY_SECRET_PREVIOUS || undefined,
    sites: env.CS_SITES ? parseSites(env.CS_SITES) : undefined,
    allowedOrigins: list('CS_ALLOWED_ORIGINS'),
    minCoreLevel: number('CS_MIN_CORE_LEVEL'),
    heartbeatMs: number('CS_HEARTBEAT_MS'),
    maxPayloadBytes: number('CS_MAX_PAYLOAD_BYTES'),
    maxTextLength: number('CS_MAX_TEXT_LENGTH'),
    maxBackpressureBytes: number('CS_MAX_BACKPRESSURE_BYTES'),
    rateBurst: number('CS_RATE_BURST'),
    ratePerSecond: number('CS_RATE_PER_SECOND'),
    maxConnectionsPerIp: number('CS_MAX_CONNECTIONS_PER_IP'),
    trustProxy: parseTrustProxy(env.CS_TRUST_PROXY),
    helloTimeoutMs: number('CS_HELLO_TIMEOUT_MS'),
    streamHeartbeatMs: number('CS_STREAM_HEARTBEAT_MS'),
    streamIdleMs: number('CS_STREAM_IDLE_MS'),
    metricsToken: env.CS_METRICS_TOKEN || undefined,
    blockedWords: list('CS_BLOCKED_WORDS'),
    blockedWordsMode: mode === 'reject' ? 'reject' : mode === 'mask' ? 'mask' : undefined,
    offlineReply: bots ? undefined : false,
    apiToken: env.CS_API_TOKEN || undefined,
    logLevel: env.CS_LOG_LEVEL || undefined,
    dataDir: dataDirFromEnv(env),
    commitMs: number('CS_COMMIT_MS'),
    hotSetBytes: mebibytes(number('CS_HOT_SET_MB')),
    retentionDays: number('CS_RETENTION_DAYS'),
    maxConversationsPerVisitor: number('CS_MAX_CONVERSATIONS_PER_VISITOR'),
    welcomeConversations: number('CS_WELCOME_CONVERSATIONS'),
    inboxConversations: number('CS_INBOX_CONVERSATIONS'),
    newVisitorsPerIpPerMinute: number('CS_NEW_VISITORS_PER_IP_MINUTE'),
    visitorBytesPerHour: number('CS_VISITOR_BYTES_PER_HOUR'),
    maxUploadBytes: number('CS_MAX_UPLOAD_BYTES'),
    uploadQuotaBytesPerHour: number('CS_UPLOAD_QUOTA_BYTES_PER_HOUR'),
    fileUrlTtlMs: number('CS_FILE_URL_TTL_MS'),
    broadcastSpreadMs: number('CS_BROADCAST_SPREAD_MS'),
    smtpUrl: env.CS_SMTP_URL || undefined,
    mailFrom: env.CS_MAIL_FROM || undefined,
    emailDelayMs: number('CS_EMAIL_DELAY_MS'),
    publicUrl: env.CS_PUBLIC_URL ? env.CS_PUBLIC_URL.replace(/\/+$/, '') : undefined,
    imapUrl: env.CS_IMAP_URL || undefined,
    inboundDomain: env.CS_INBOUND_DOMAIN || undefined,
    maxEmailBytes: number('CS_MAX_EMAIL_BYTES'),
    imapPollMs: number('CS_IMAP_POLL_MS'),
  };
  if (env.CS_IMAP_URL) parseImapUrl(env.CS_IMAP_URL);
  if (env.CS_API_TOKEN && env.CS_API_TOKEN.length < 24) throw new Error('CS_API_TOKEN must be at least 24 characters (e.g. openssl rand -base64 32)');
  const options = Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Partial<ServerOptions>;
  return { options, generatedSecret };
}

/**
 * `CS_TRUST_PROXY`: the number of reverse-proxy hops in front of the server.
 * `true` means 1 (as before); empty, `false` and `0` mean off.
 */
export function parseTrustProxy(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return 1;
  if (raw === 'false') return 0;
  if (!/^\d{1,2}$/.test(raw)) throw new Error(`CS_TRUST_PROXY must be the number of proxy hops (0, 1, 2, …), got "${raw}"`);
  return Number(raw);
}

/**
 * `CS_SITES`: comma-separated site keys, each optionally followed by `=` and
 * its allowed page origins separated by `|`, e.g.
 * `acme=https://acme.example|https://www.acme.example,beta`. A site without
 * origins accepts any origin.
 */
export function parseSites(raw: string): Record<string, string[]> {
  const sites: Record<string, string[]> = {};
  for (const entry of raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = entry.indexOf('=');
    const site = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    const origins = eq < 0 ? [] : entry.slice(eq + 1).split('|').map((s) => s.trim()).filter((s) => s.length > 0);
    if (!/^[\w.@:-]{1,128}$/.test(site)) throw new Error(`CS_SITES: "${site}" is not a site key (letters, digits, . _ @ : -)`);
    for (const origin of origins) {
      if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new Error(`CS_SITES: "${origin}" is not an origin such as https://shop.example`);
    }
    sites[site] = origins;
  }
  return sites;
}

/**
 * A secret for a server started without CS_SECRET (the demo): made once and
 * kept in `CS_DATA_DIR/<name>` (mode 0600) beside the journal, so visitor
 * tokens kept by widgets, the printed agent token and identity signatures
 * survive a restart just as the conversations do. `secret` signs tokens,
 * `identity-secret` is the demo's identity key. With CS_JOURNAL=off nothing
 * survives a restart, and neither do these.
 */
export function demoSecret(env: NodeJS.ProcessEnv, name = 'secret'): string {
  if ((env.CS_JOURNAL ?? '').toLowerCase() === 'off') return randomBytes(24).toString('base64url');
  const dir = env.CS_DATA_DIR || './.data';
  const file = join(dir, name);
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 16) return kept;
  } catch {
    // Not made yet: make it below.
  }
  const secret = randomBytes(24).toString('base64url');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
