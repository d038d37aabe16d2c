/**
 * The set-up most end-to-end suites share, beside harness.ts: the real server
 * on a free port and a temp data dir, Debian's Chromium, and a visitor page
 * and an agent page, each in a browser context of its own; torn down in
 * reverse order, and cleaned up when the start fails half way. Also the
 * business hours several suites start from (away now, open two days from
 * now), set through the settings API.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { freePort, launchChromium, startServerProcess, tempDataDir, type ServerProcess } from './harness.js';

/** What {@link startStage} starts. */
export interface StageOptions {
  /** Server settings beyond the harness's (`startServerProcess`'s `env`); a restart keeps them. */
  readonly env?: Readonly<Record<string, string>>;
  /** The visitor's browser context. Default Playwright's (1280 × 720). */
  readonly visitor?: BrowserContextOptions;
  /** The agent's browser context. Default 1400 × 900. */
  readonly agent?: BrowserContextOptions;
}

/** A started stage; see the module comment. */
export interface Stage {
  /** The server's port: a restart keeps it (and the data dir), as an operator's would. */
  readonly port: number;
  readonly data: ReturnType<typeof tempDataDir>;
  /** The running server (the new one after {@link Stage.restartServer}). */
  readonly server: ServerProcess;
  readonly browser: Browser;
  readonly visitorContext: BrowserContext;
  readonly visitor: Page;
  readonly agent: Page;
  /** Starts the server again on the same port, data dir and settings (stop it first); returns the new one. */
  restartServer(): Promise<ServerProcess>;
  /** Closes the browser, runs `alsoStop` (newest first), stops the server, removes the data dir. */
  stop(): Promise<void>;
  /** Something of the suite's own (a proxy, a mail server) to stop with the stage, before the server. */
  alsoStop(stop: () => Promise<void> | void): void;
}

/** The agent's viewport: wide enough for the workbench's three columns. */
const AGENT_VIEWPORT = { width: 1400, height: 900 };

/** Starts the server, the browser and the visitor's and agent's pages. */
export async function startStage(options: StageOptions = {}): Promise<Stage> {
  const env = { ...options.env };
  const data = tempDataDir();
  const stops: (() => Promise<void> | void)[] = [];
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close();
    for (const s of stops.splice(0).reverse()) await s();
    await server?.stop();
    data.remove();
  };
  try {
    const port = await freePort();
    server = await startServerProcess(port, data.dir, env);
    browser = await launchChromium();
    const visitorContext = await browser.newContext(options.visitor);
    const visitor = await visitorContext.newPage();
    const agent = await (await browser.newContext(options.agent ?? { viewport: AGENT_VIEWPORT })).newPage();
    const started: ServerProcess = server;
    return {
      port,
      data,
      get server() {
        return server ?? started;
      },
      browser,
      visitorContext,
      visitor,
      agent,
      async restartServer() {
        server = await startServerProcess(port, data.dir, env);
        return server;
      },
      stop,
      alsoStop: (s) => void stops.push(s),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One day, ms. */
const DAY = 86_400_000;

/**
 * Sets the shop's business hours through the API (`token` is its
 * CS_API_TOKEN) so that it is away now: closed every day but one, two days
 * from now, open 09:00–17:00 UTC. `settings` adds other settings to the same
 * PATCH (e.g. the widget's title).
 * @returns when the team is back: that day, 09:00 UTC, ms.
 */
export async function awayUntilOpenDay(server: ServerProcess, token: string, settings: Record<string, unknown> = {}): Promise<number> {
  const day = new Date(Date.now() + 2 * DAY).toISOString().slice(0, 10);
  const none = { sun: [], mon: [], tue: [], wed: [], thu: [], fri: [], sat: [] };
  const patched = await fetch(`${server.url}/api/settings`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      ...settings,
      business_hours: { enabled: true, timezone: 'UTC', weekly: none, exceptions: [{ date: day, label: 'Open day', hours: [{ open: '09:00', close: '17:00' }] }] },
    }),
  });
  assert.equal(patched.status, 200, await patched.text());
  return Date.parse(`${day}T09:00:00Z`);
}
