/**
 * The lazy panel in real Chromium against the real server: dist/cs-chat.js
 * renders the launcher and starts the session, and the panel's code comes
 * from its chunk (/chunks/cs-chat-panel-<hash>.js), preloaded when the page is
 * idle; the panel works, and again after a reload; a chunk that fails to load
 * (network error, 404) shows a clear message in the panel and recovers by
 * itself or with Retry, with the session (and what was sent) intact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { countBubbles, eventually, freePort, launchChromium, startServerProcess, tempDataDir, UI_TIMEOUT_MS, visitorLog, waitForAcked, type ServerProcess } from './harness.js';

const PANEL_CHUNK = /\/chunks\/cs-chat-panel-[A-Z0-9]+\.js$/;
const FAILED = 'The chat could not load. Trying again…';

describe('the lazy panel chunk', () => {
  let data: ReturnType<typeof tempDataDir>;
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    data = tempDataDir();
    server = await startServerProcess(await freePort(), data.dir);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    data?.remove();
  });

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return { context, page: await context.newPage() };
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Write a message…' }).fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
    await eventually(async () => assert.equal(await countBubbles(visitorLog(page), text), 1));
    await waitForAcked(page);
  }

  it('preloads the panel chunk when the page is idle (immutable, JavaScript), opens the panel from it, and opens it again after a reload', async () => {
    const { page } = await newPage();
    const chunkLoaded = page.waitForResponse((r: Response) => PANEL_CHUNK.test(new URL(r.url()).pathname), { timeout: UI_TIMEOUT_MS });
    await page.goto(`${server.url}/`);
    // Before any click: the idle preload fetched it.
    const chunk = await chunkLoaded;
    assert.equal(chunk.status(), 200);
    assert.match(chunk.headers()['content-type'] ?? '', /javascript/);
    assert.equal(chunk.headers()['cache-control'], 'public, max-age=31536000, immutable');
    // The panel's code was not in cs-chat.js: the chunk registered it.
    assert.equal(await page.evaluate(() => typeof (self as unknown as { __csChat: { chunks: Record<string, unknown> } }).__csChat.chunks.panel), 'object');
    await page.getByRole('button', { name: 'Open chat' }).click();
    await send(page, 'hello from the lazy panel');

    await page.reload();
    await page.getByRole('button', { name: 'Open chat' }).click();
    // The history (IndexedDB cache, then the server) is there, and the composer works.
    await eventually(async () => assert.equal(await countBubbles(visitorLog(page), 'hello from the lazy panel'), 1));
    await send(page, 'and again after a reload');
  });

  it('shows a clear message when the chunk cannot be fetched, retries by itself, and the chat works once it loads', async () => {
    const { context, page } = await newPage();
    await context.route(PANEL_CHUNK, (route) => route.abort('internetdisconnected'));
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('status').filter({ hasText: FAILED }).waitFor({ timeout: UI_TIMEOUT_MS });
    // The launcher's session runs meanwhile (the connection started at page load).
    await context.unroute(PANEL_CHUNK);
    await page.getByRole('textbox', { name: 'Write a message…' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.getByText(FAILED).count(), 0);
    await send(page, 'sent after the chunk came back');
  });

  it('a 404 for the chunk (a deploy in between) shows the message; Retry loads it', async () => {
    const { context, page } = await newPage();
    let refuse = true;
    await context.route(PANEL_CHUNK, (route) => (refuse ? route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found\n' }) : route.continue()));
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByText(FAILED).waitFor({ timeout: UI_TIMEOUT_MS });
    refuse = false;
    await page.getByRole('button', { name: 'Retry' }).click();
    await send(page, 'sent after Retry');
  });
});
