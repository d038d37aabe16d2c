/**
 * End-to-end harness: the real built server (dist/server/main.js) as a child
 * process on a temp data dir, and Debian's Chromium driven by playwright-core.
 * A child process (not in-process) so a test can stop it and start it again on
 * the same port and data dir, as an operator's restart would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { signAgentToken } from '../../server/src/gateway/auth.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
/** Test secret; agent tokens are minted with it. */
export const SECRET = 'e2e-secret-0123456789abcdef';
/** Test identity key (CS_IDENTITY_SECRET); identify signatures are made with it. */
export const IDENTITY_SECRET = 'e2e-identity-0123456789abcdef';
/** How long a UI expectation waits by default, ms (the widget's reconnect backoff fits inside). */
export const UI_TIMEOUT_MS = 15_000;

/** The agent token of `agentId` for the test server. */
export function agentToken(agentId: string): string {
  return signAgentToken(SECRET, agentId);
}

/** A TCP port that was free a moment ago (the server must keep it across restarts, so port 0 will not do). */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

/** A running server child process. */
export interface ServerProcess {
  readonly url: string;
  /** Stops it (SIGTERM, graceful) and waits for the exit. */
  stop(): Promise<void>;
  /** Everything it printed (for failure messages). */
  output(): string;
}

/**
 * Starts dist/server/main.js on `port` with its journal in `dataDir`, and waits until /healthz answers.
 * `env` adds or overrides settings (e.g. `CS_TRUST_PROXY`).
 */
export async function startServerProcess(port: number, dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const main = join(root, 'dist', 'server', 'main.js');
  for (const file of [main, join(root, 'dist', 'cs-chat.js'), join(root, 'dist', 'cs-inbox.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before the end-to-end tests`);
  }
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CS_SECRET: SECRET,
      CS_IDENTITY_SECRET: IDENTITY_SECRET,
      CS_DATA_DIR: dataDir,
      CS_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /healthz within 15 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A temp data dir, removed by the returned function. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cs-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Debian's Chromium, headless, with the flags every suite of this project uses (plus `extraArgs`). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
}

/** The visitor widget's message log (inside `<cs-chat>`'s shadow root). */
export function visitorLog(page: Page): Locator {
  return page.locator('cs-chat').getByRole('log');
}

/** The workbench's message log of the open conversation. */
export function agentLog(page: Page): Locator {
  return page.locator('cs-inbox').getByRole('log', { name: 'Messages' });
}

/** The texts of the bubbles in a log, in screen order. */
export async function bubbleTexts(log: Locator): Promise<string[]> {
  return log.locator('.bubble').evaluateAll((nodes) =>
    nodes.map((n) => {
      const clone = n.cloneNode(true) as HTMLElement;
      clone.querySelectorAll('.sr-only, .quote').forEach((e) => e.remove());
      return (clone.textContent ?? '').trim();
    }),
  );
}

/** How many bubbles in `log` read exactly `text`. */
export async function countBubbles(log: Locator, text: string): Promise<number> {
  return (await bubbleTexts(log)).filter((t) => t === text).length;
}

/** Waits until `check` stops throwing (polling), or rethrows its last error after `timeoutMs`. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(500, wait * 2)) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Opens the widget's panel on the current page and sends `text` from the composer, as a visitor would. */
export async function openChatAndSend(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Open chat' }).click();
  await page.getByRole('textbox', { name: 'Write a message…' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** Waits until the visitor's newest message shows as acknowledged by the server (sent, delivered or read). */
export async function waitForAcked(page: Page): Promise<void> {
  await visitorLog(page).locator('[data-state="sent"], [data-state="delivered"], [data-state="read"]').first().waitFor({ timeout: UI_TIMEOUT_MS });
}
