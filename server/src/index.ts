/**
 * The cs-chat server as a library: `startServer(options)` runs one instance
 * in this process (tests start it on port 0; `main.ts` starts it from the
 * environment).
 */
import uWS from 'uWebSockets.js';
import { pino, type Logger } from 'pino';
import { cs } from '../../proto/gen/chat.js';
import { Files } from './files/index.js';
import { Connections, Hub, registerStreams, registerWebSocket, siteTag, type GatewayContext, type Streams } from './gateway/index.js';
import { registerHttpRoutes, ServerMetrics } from './http/index.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { durableMessageStore, WordFilter } from './pipeline/index.js';
import { ConversationStore } from './store/conversations.js';
import Database from 'better-sqlite3';
import { BroadcastService } from './broadcast/index.js';
import { ModuleWrites, openModuleDb } from './store/module-db.js';
import { migrate } from './store/migrations.js';
import { AccountService, DEFAULT_TEXTS, textsFor, type Settings } from './accounts/index.js';
import { closeRevoked } from './gateway/staff.js';
import { cookieValue, isOwnOrigin, MemoryConversationReader, registerApi, SESSION_COOKIE } from './http/api/index.js';
import { MessageSearch, openStore, type ImportReport } from './store/index.js';
import { registerStoreMetrics } from './store/metrics.js';
import { EmailService } from './email/service.js';
import { registerUnsubscribe } from './email/http.js';
import { DEFAULT_BUSINESS_HOURS, DEFAULT_EMAIL_SETTINGS } from './email/settings.js';
import { startEmailInbound, type EmailInbound } from './email/index.js';

export { resolveOptions, repoRoot, type BlockedWordsMode, type ServerOptions } from './options.js';
export { signAgentToken, signIdentity, signVisitorToken } from './gateway/auth.js';
export { SERVER_CORE_LEVEL } from './pipeline/index.js';
export { ConversationStore, conversationIdFor } from './store/conversations.js';
export { DataDirLockedError, JournalImportError, MemoryOnlyStore, StoreUnavailableError, type DurableStore, type StoreRecord } from './store/index.js';

/** Raised when the port cannot be bound (in use by any other process: the listen is exclusive). */
export class ListenError extends Error {
  readonly type = 'Listen';
  constructor(host: string, port: number) {
    super(`cannot listen on ${host}:${port}: the port is in use (or the address is not this machine's)`);
    this.name = 'ListenError';
  }
}

/** A server running in this process. */
export interface RunningServer {
  /** The port it listens on (the real one when started with port 0). */
  readonly port: number;
  /** Base HTTP URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** WebSocket endpoint, e.g. ws://127.0.0.1:8080/ws. */
  readonly wsUrl: string;
  /** True when uWebSockets.js runs its native binary (false: the slow ws imitation). */
  readonly native: boolean;
  /** The settings in force. */
  readonly options: ServerOptions;
  /** The in-memory state (read-only use: tests and admin tools). */
  readonly store: ConversationStore;
  /** Staff accounts, sessions and settings (admin tools and tests). */
  readonly accounts: AccountService;
  /** What the journal import did at this start, if one ran. */
  readonly imported: ImportReport | undefined;
  /** Attachments (read-only use: tests and admin tools). */
  readonly files: Files;
  /** The public mailbox (tests and admin tools). */
  readonly broadcasts: BroadcastService;
  /** Away mode, visitors' emails and outbound email (tests and admin tools). */
  readonly email: EmailService;
  /** The HTTP stream sessions (read-only use: tests). */
  readonly streams: Pick<Streams, 'size' | 'maxBuffered'>;
  /** Emailed replies (CS_IMAP_URL); undefined when off. */
  readonly emailInbound: EmailInbound | undefined;
  readonly log: Logger;
  /**
   * Graceful stop: refuses new connections, closes the listen socket, sends
   * every session Error GOING_AWAY and closes it with code 1001 (clients
   * reconnect with jittered backoff), then commits what is pending, closes
   * the store and releases the data directory.
   */
  close(): Promise<void>;
}

/** True when the loaded uWebSockets.js is the native build, not the JS fallback. */
export function isNativeUws(): boolean {
  return /\[native code\]/.test(Function.prototype.toString.call(uWS.App));
}

/**
 * Starts a server: opens the store (lock, migrations, journal import; no
 * history is replayed), then listens. Rejects when the data directory is
 * used by another server, an old journal cannot be imported, or the port
 * cannot be bound.
 */
export async function startServer(partial: Partial<ServerOptions>): Promise<RunningServer> {
  const options = resolveOptions(partial);
  const log = pino({ level: options.logLevel, base: { svc: 'cs-chat' } });
  const opened = openStore({ dataDir: options.dataDir, commitMs: options.commitMs, busyTimeoutMs: options.busyTimeoutMs, probeMs: options.storeProbeMs }, log);
  const durable = opened.durable;
  const store = new ConversationStore(durable, {
    hotSetBytes: options.hotSetBytes,
    maxConversationsPerVisitor: options.maxConversationsPerVisitor,
    newVisitorsPerIpPerMinute: options.newVisitorsPerIpPerMinute,
    visitorBytesPerHour: options.visitorBytesPerHour,
  });

  const metrics = new ServerMetrics();
  registerStoreMetrics(metrics.registry, store, durable);
  const now = (): number => Date.now();
  // The modules' own connection (announcements, attachments, and the tables others add): cs-chat.db on this thread, or memory only.
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (options.dataDir ? openModuleDb(options.dataDir, options.busyTimeoutMs) : new Database(':memory:'));
  if (ownsDatabase && !options.dataDir) migrate(database);
  // Their commits skip the fsync on this thread; the writer thread's next commit makes them durable (store/module-db.ts).
  const moduleWrites = durable.persistent && options.dataDir ? new ModuleWrites(database, durable, (error) => log.warn({ err: error }, 'store: module writes not synced')) : undefined;
  const accounts = new AccountService(database, { now, defaultSettings: defaultSettings(options) });
  const filter = new WordFilter(accounts.settings.get().blocked_words, accounts.settings.get().blocked_words_mode);
  accounts.settings.onChange((settings) => filter.configure(settings.blocked_words, settings.blocked_words_mode));
  const broadcasts = new BroadcastService(database, {
    spreadMs: options.broadcastSpreadMs,
    now,
    onError: (error) => log.error({ err: error }, 'announcement events not written'),
  });
  const keys = { secret: options.secret, previousSecret: options.previousSecret, identitySecret: options.identitySecret, previousIdentitySecret: options.previousIdentitySecret };
  const files = Files.open({
    database,
    dataDir: options.dataDir,
    maxUploadBytes: options.maxUploadBytes,
    uploadQuotaBytesPerHour: options.uploadQuotaBytesPerHour,
    fileUrlTtlMs: options.fileUrlTtlMs,
    allowedOrigins: options.allowedOrigins,
    keys,
    log,
    now,
    mayUse: (who, conversationId) => {
      const conversation = store.get(conversationId);
      if (!conversation) return false;
      if (who.role === cs.v1.Role.AGENT) return true;
      return conversation.visitorId === who.userId && (!who.siteTag || who.siteTag === siteTag(conversation.site));
    },
    cookieAgent: (cookie, origin, host) => {
      if (!isOwnOrigin(origin, host)) return undefined;
      const found = accounts.authenticate(cookieValue(cookie, SESSION_COOKIE));
      return found && !found.account.disabled ? { role: cs.v1.Role.AGENT, userId: found.account.id } : undefined;
    },
    isStored: (conversationId, senderId, clientMsgId) => (store.get(conversationId)?.findDuplicate(senderId, clientMsgId) ?? 0) > 0,
  });
  const hub = new Hub(store, metrics, options, log, now, (message) => files.wireAttachments(message));
  store.setInUse((conversationId) => hub.registry.watchersOf(conversationId).length > 0);
  let listenUrl = '';
  const email = new EmailService({
    db: database,
    options: { smtpUrl: options.smtpUrl, mailFrom: options.mailFrom, delayMs: options.emailDelayMs, inboundDomain: options.inboundDomain },
    conversation: (id) => store.get(id),
    staff: () => accounts.accounts.list(),
    fileNames: (message) => files.wireAttachments(message).map((file) => file.name ?? ''),
    keys: { secret: options.secret, previousSecret: options.previousSecret },
    publicUrl: () => options.publicUrl || listenUrl,
    onContactChange: (conversationId) => hub.inboxChanged(conversationId),
    transport: options.emailTransport,
    afterAccepted: options.emailAfterAccepted,
    syncRecords: () => moduleWrites?.check(),
    settings: () => accounts.settings.get(),
    onlineAgents: () => hub.registry.onlineAgents(),
    visitor: (visitorId) => store.visitors.get(visitorId),
    onAwayChange: () => hub.notices.agentsChanged(),
    log,
    now: options.emailClock,
  });
  hub.notices.useContinuity({
    availableAgents: () => email.availability.availableAgents(),
    away: () => email.availability.view(),
    wireFields: (conversation) => email.wireFields(conversation),
  });
  let hoursBefore = JSON.stringify(accounts.settings.get().business_hours);
  accounts.settings.onChange((settings) => {
    const hours = JSON.stringify(settings.business_hours);
    if (hours !== hoursBefore) email.availability.hoursChanged();
    hoursBefore = hours;
  });
  accounts.onRevocation((revocation) => closeRevoked(hub, revocation));
  const pipeline = {
    options,
    conversations: store,
    messages: durableMessageStore({ conversations: store, durable, now }),
    durable,
    fanOut: hub,
    attachments: files,
    filter,
    agents: {
      account: (agentId: string) => {
        const account = accounts.accounts.get(agentId);
        return account && { name: account.name, enabled: !account.disabled };
      },
      isOnline: (agentId: string) => hub.registry.agentSessions(agentId).length > 0,
    },
    botTexts: (lang: string) => ({ ...textsFor(accounts.settings.get(), lang), timeZone: accounts.settings.get().business_hours.timezone }),
    continuity: email,
    metrics,
    log,
    now,
  };
  const ctx: GatewayContext = {
    options,
    keys,
    store,
    durable,
    hub,
    metrics,
    accounts,
    broadcasts,
    email,
    log,
    pipeline,
    now,
    shuttingDown: false,
  };
  const retention = startRetention(store, files, options, log, now);
  const emailInbound = options.imapUrl
    ? startEmailInbound({
        imapUrl: options.imapUrl,
        maxBytes: options.maxEmailBytes,
        pollMs: options.imapPollMs,
        retryBaseMs: options.imapRetryBaseMs,
        retryCapMs: options.imapRetryCapMs,
        addressKeys: { secret: options.secret, previousSecret: options.previousSecret, inboundDomain: options.inboundDomain },
        pipeline,
        files: { store: files.store, limits: { maxUploadBytes: options.maxUploadBytes, uploadQuotaBytesPerHour: options.uploadQuotaBytesPerHour } },
        log,
      })
    : undefined;

  const app = uWS.App();
  hub.attach(app);
  // One connection path for both transports: WebSocket on /ws, HTTP streaming on /stream + /send (issue 17).
  const connections = new Connections(ctx);
  registerWebSocket(app, ctx, connections);
  const streams = registerStreams(app, ctx, connections);
  registerApi(
    app,
    {
      accounts,
      keys: ctx.keys,
      apiToken: options.apiToken,
      trustProxy: options.trustProxy,
      conversations: new MemoryConversationReader(store, durable.persistent ? new MessageSearch(database) : undefined),
      onlineAgentIds: () => new Set(hub.registry.onlineAgents()),
      announcements: broadcasts,
      email,
      inboundStatus: () => emailInbound?.status(),
    },
    log,
  );
  files.register(app);
  registerUnsubscribe(app, email);
  registerHttpRoutes(app, { options, metrics, log, health: () => ({ journalHealthy: durable.healthy, shuttingDown: ctx.shuttingDown }) });

  let listenSocket: uWS.us_listen_socket;
  try {
    listenSocket = await listenExclusive(app, options.host, options.port);
  } catch (error) {
    clearInterval(retention);
    streams.dispose();
    await emailInbound?.stop();
    hub.dispose();
    store.dispose();
    email.close();
    await moduleWrites?.close();
    await opened.close();
    throw error;
  }
  const port = uWS.us_socket_local_port(listenSocket);
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  listenUrl = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      ctx.shuttingDown = true;
      uWS.us_listen_socket_close(listenSocket);
      await emailInbound?.stop();
      hub.shutdown('server shutting down: reconnect with backoff');
      streams.dispose();
      hub.dispose();
      clearInterval(retention);
      store.dispose();
      email.close();
      broadcasts.close();
      files.close();
      await moduleWrites?.close();
      await opened.close();
      if (ownsDatabase) database.close();
      log.info('server closed');
    })());

  return { port, url: `http://${host}:${port}`, wsUrl: `ws://${host}:${port}/ws`, native: isNativeUws(), options, store, accounts, broadcasts, email, files, streams, emailInbound, imported: opened.imported, log, close };
}

/** uWS's listen with an options argument after host and port (the typings only declare it without a host). */
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: uWS.us_listen_socket | false) => void) => unknown;

/** LIBUS_LISTEN_EXCLUSIVE_PORT: uWS exports it as a plain number (the typings' enum does not exist at run time). */
const LISTEN_EXCLUSIVE_PORT = 1;

/**
 * Listens with LIBUS_LISTEN_EXCLUSIVE_PORT: by default uWS sets SO_REUSEPORT
 * on Linux, so a second server on a port in use would start "fine" and
 * silently share the traffic; exclusive, it fails loudly instead.
 */
function listenExclusive(app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  const listen = app.listen.bind(app) as unknown as ListenWithOptions;
  return new Promise((resolve, reject) => {
    listen(host, port, LISTEN_EXCLUSIVE_PORT, (socket) => (socket ? resolve(socket) : reject(new ListenError(host, port))));
  });
}

/** Retention (`CS_RETENTION_DAYS`): every `retentionEveryMs`, up to 100 expired resolved conversations go. */
function startRetention(store: ConversationStore, files: Files, options: ServerOptions, log: Logger, now: () => number): NodeJS.Timeout | undefined {
  if (!(options.retentionDays > 0)) return undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    store
      .purgeExpired(now() - options.retentionDays * 86_400_000, 100, (ids) => files.deleteFilesOfConversations(ids))
      .then(
        (deleted) => deleted > 0 && log.info({ deleted, retentionDays: options.retentionDays }, 'retention: deleted expired conversations'),
        (error: unknown) => log.warn({ err: error }, 'retention: delete failed; trying again later'),
      )
      .finally(() => (running = false));
  }, options.retentionEveryMs);
  timer.unref();
  return timer;
}

/** The settings a fresh store starts from: the environment's values (DESIGN.md §9). */
function defaultSettings(options: ServerOptions): Settings {
  return {
    widget: { color: '', title: '', position: 'right' },
    texts: DEFAULT_TEXTS,
    blocked_words: options.blockedWords,
    blocked_words_mode: options.blockedWordsMode,
    allowed_origins: options.allowedOrigins,
    business_hours: DEFAULT_BUSINESS_HOURS,
    email: DEFAULT_EMAIL_SETTINGS,
  };
}
