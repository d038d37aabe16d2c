/**
 * `npm run serve`: starts the server from the environment (see config.ts),
 * prints the demo URLs and a ready agent token, and shuts down gracefully on
 * SIGTERM / SIGINT (stop accepting, close the listen socket, tell every
 * session GOING_AWAY with close code 1001, flush the journal, exit 0).
 */
import { journalFromEnv, optionsFromEnv } from './config.js';
import { signAgentToken, startServer } from './index.js';
import { openMigrated } from './store/db.js';

async function main(): Promise<void> {
  const { options, generatedSecret } = optionsFromEnv(process.env);
  // The SQLite store of the data directory (attachments, announcements); memory only with CS_JOURNAL=off.
  const database = options.dataDir ? openMigrated(options.dataDir) : undefined;
  const server = await startServer({ ...options, database, journal: journalFromEnv(process.env) });
  const { log } = server;
  if (server.native) log.info('uWebSockets.js: native binary loaded');
  else log.warn('uWebSockets.js: native binary NOT loaded, running the slow JavaScript fallback');
  if (generatedSecret) log.warn('CS_SECRET is not set: using a generated demo secret (kept in CS_DATA_DIR/secret unless CS_JOURNAL=off); set CS_SECRET in production');

  const secret = server.options.secret;
  const agentToken = signAgentToken(secret, 'demo-agent');
  const base = `http://localhost:${server.port}`;
  log.info({ port: server.port, host: server.options.host }, `listening on ${server.options.host}:${server.port}`);
  process.stdout.write(
    [
      '',
      `  cs-chat is running on ${base}`,
      `  Demo shop (visitor): ${base}/`,
      `  Agent workbench:     ${base}/agent#token=${encodeURIComponent(agentToken)}`,
      `  Demo agent token:    ${agentToken}`,
      `  Health: ${base}/healthz   Metrics: ${base}/metrics`,
      '',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => {
        database?.close();
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`cs-chat: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
