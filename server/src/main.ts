/**
 * `npm run serve`: starts the server from the environment (see config.ts),
 * prints the demo URLs and how to sign in (owner setup link, or the demo
 * owner's email and password; accounts/first-run.ts; in demo mode also a
 * service token), and shuts down gracefully on
 * SIGTERM / SIGINT (stop accepting, close the listen socket, tell every
 * session GOING_AWAY with close code 1001, commit what is pending, exit 0).
 * A start that cannot open the store (another server on the data directory,
 * an old journal that cannot be imported) prints why and exits 1.
 */
import { signInInstructions } from './accounts/index.js';
import { optionsFromEnv } from './config.js';
import { ListenError, signAgentToken, startServer } from './index.js';
import { DataDirLockedError, JournalImportError, SchemaTooNewError } from './store/index.js';

/** How long the workbench link printed in demo mode works, ms: it ends up in browser history. */
const DEMO_LINK_TTL_MS = 24 * 3_600_000;

/**
 * The lines printed at start. A service token is printed only in demo mode
 * (`demoSecret` given: no CS_SECRET set), and the banner says so: with
 * CS_SECRET set, stdout usually goes to logs, and a token there would be an
 * agent login for anyone who reads them (issue 10). The workbench link
 * carries an expiring token, since the URL lands in the browser's history.
 */
function startBanner(base: string, demoSecret: string | undefined, nowMs: number, signIn: readonly string[]): string[] {
  const lines = ['', `  cs-chat is running on ${base}`, `  Demo shop (visitor): ${base}/`, ...signIn];
  if (demoSecret === undefined) {
    lines.push('  Bots and tools:      a service token from: npm run agent-token -- <agent-id> [--ttl 8h]');
  } else {
    // People sign in with an account (above); a service token is for bots and tools (DESIGN.md §2).
    const link = signAgentToken(demoSecret, 'demo-agent', nowMs + DEMO_LINK_TTL_MS);
    lines.push(
      `  Workbench by service token: ${base}/agent#token=${encodeURIComponent(link)}   (link works for 24 h)`,
      `  Demo agent token:    ${signAgentToken(demoSecret, 'demo-agent')}`,
      '  Demo mode: CS_SECRET is not set, so a generated secret is used and a token is printed here. Set CS_SECRET in production: then no token is printed.',
    );
  }
  lines.push(`  Health: ${base}/healthz   Metrics: ${base}/metrics`);
  return lines;
}

async function main(): Promise<void> {
  const { options, generatedSecret } = optionsFromEnv(process.env);
  // startServer opens CS_DATA_DIR/cs-chat.db (lock, migrations, journal import) for the store, attachments and announcements.
  const server = await startServer(options);
  const { log } = server;
  if (server.native) log.info('uWebSockets.js: native binary loaded');
  else log.warn('uWebSockets.js: native binary NOT loaded, running the slow JavaScript fallback');
  if (generatedSecret) log.warn('CS_SECRET is not set: using a generated demo secret (kept in CS_DATA_DIR/secret unless CS_JOURNAL=off); set CS_SECRET in production');

  const base = `http://localhost:${server.port}`;
  const signIn = await signInInstructions(server.accounts, { demo: generatedSecret, dataDir: server.options.dataDir, baseUrl: base });
  log.info({ port: server.port, host: server.options.host }, `listening on ${server.options.host}:${server.port}`);
  process.stdout.write([...startBanner(base, generatedSecret ? server.options.secret : undefined, Date.now(), signIn), '', ''].join('\n'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
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
  // Refusals with a reason a person can act on print just that; anything else prints its stack.
  const known = error instanceof DataDirLockedError || error instanceof JournalImportError || error instanceof SchemaTooNewError || error instanceof ListenError;
  process.stderr.write(known ? `cs-chat: cannot start: ${error.message}\n` : `cs-chat: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
