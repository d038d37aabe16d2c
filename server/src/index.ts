/**
 * The cs-chat server as a library: `startServer(options)` runs one instance
 * in this process (tests start it on port 0; `main.ts` starts it from the
 * environment).
 */
import uWS from 'uWebSockets.js';
import { pino, type Logger } from 'pino';
import { cs } from '../../proto/gen/chat.js';
import { Files } from './files/index.js';
import { Hub, registerWebSocket, siteTag, type GatewayContext } from './gateway/index.js';
import { registerAnnouncementApi } from './http/announcements.js';
import { registerHttpRoutes, ServerMetrics } from './http/index.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { journalMessageStore, WordFilter } from './pipeline/index.js';
import Database from 'better-sqlite3';
import { BroadcastService } from './broadcast/index.js';
import { ConversationStore } from './store/conversations.js';
import { migrate } from './store/migrations.js';

export { resolveOptions, repoRoot, type BlockedWordsMode, type ServerOptions } from './options.js';
export { signAgentToken, signIdentity, signVisitorToken } from './gateway/auth.js';
export { SERVER_CORE_LEVEL } from './pipeline/index.js';
export { ConversationStore, conversationIdFor } from './store/conversations.js';
export { JournalUnavailableError, NoJournal, type Journal, type JournalRecord } from './store/journal-types.js';

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
  /** Attachments (read-only use: tests and admin tools). */
  readonly files: Files;
  /** The public mailbox (tests and admin tools). */
  readonly broadcasts: BroadcastService;
  readonly log: Logger;
  /**
   * Graceful stop: refuses new connections, closes the listen socket, sends
   * every session Error GOING_AWAY and closes it with code 1001 (clients
   * reconnect with jittered backoff), then flushes and closes the journal.
   */
  close(): Promise<void>;
}

/** True when the loaded uWebSockets.js is the native build, not the JS fallback. */
export function isNativeUws(): boolean {
  return /\[native code\]/.test(Function.prototype.toString.call(uWS.App));
}

/** Starts a server: replays the journal, then listens. Rejects when the port cannot be bound. */
export async function startServer(partial: Partial<ServerOptions>): Promise<RunningServer> {
  const options = resolveOptions(partial);
  const log = pino({ level: options.logLevel, base: { svc: 'cs-chat' } });
  const store = new ConversationStore();
  const journal = options.journal;
  const replayed = await journal.replay((record) => store.apply(record));
  journal.setSnapshotSource(() => store.snapshot());
  if (replayed.records > 0 || replayed.tornBytes > 0) log.info(replayed, 'journal replayed');

  const metrics = new ServerMetrics();
  const now = (): number => Date.now();
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? new Database(':memory:');
  if (ownsDatabase) migrate(database);
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
    isStored: (conversationId, senderId, clientMsgId) => (store.get(conversationId)?.findDuplicate(senderId, clientMsgId) ?? 0) > 0,
  });
  const hub = new Hub(store, metrics, options, log, now, (message) => files.wireAttachments(message));
  const pipeline = {
    options,
    conversations: store,
    messages: journalMessageStore({ journal, now }),
    journal,
    fanOut: hub,
    attachments: files,
    filter: new WordFilter(options.blockedWords, options.blockedWordsMode),
    metrics,
    log,
    now,
  };
  const ctx: GatewayContext = {
    options,
    keys,
    store,
    journal,
    hub,
    metrics,
    broadcasts,
    log,
    pipeline,
    now,
    shuttingDown: false,
  };

  const app = uWS.App();
  hub.attach(app);
  registerWebSocket(app, ctx);
  registerAnnouncementApi(app, { broadcasts, keys: ctx.keys, apiToken: options.apiToken, log });
  files.register(app);
  registerHttpRoutes(app, { options, metrics, log, health: () => ({ journalHealthy: journal.healthy, shuttingDown: ctx.shuttingDown }) });

  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen(options.host, options.port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`cannot listen on ${options.host}:${options.port}`));
    });
  });
  const port = uWS.us_socket_local_port(listenSocket);
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      ctx.shuttingDown = true;
      uWS.us_listen_socket_close(listenSocket);
      hub.shutdown('server shutting down: reconnect with backoff');
      hub.dispose();
      broadcasts.close();
      await journal.close();
      files.close();
      if (ownsDatabase) database.close();
      log.info('server closed');
    })());

  return { port, url: `http://${host}:${port}`, wsUrl: `ws://${host}:${port}/ws`, native: isNativeUws(), options, store, broadcasts, files, log, close };
}
