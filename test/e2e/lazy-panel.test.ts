/**
 * The lazy panel in real Chromium against the real server: dist/cs-chat.js
 * renders the launcher and starts the session, and the panel's code comes
 * from its chunk (/chunks/cs-chat-panel-<hash>.js), preloaded when the page is
 * idle; the panel works, and again after a reload; a chunk that fails to load
 * (network error, 404) shows a clear message in the panel and recovers by
 * itself or with Retry, with the session (and what was sent) intact; and on
 * a phone, while the chunk is still on its way (held back, as on a slow
 * network), the box that says it loads is the dialog the panel will be.
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

  /** Whether the focused element of `<cs-chat>`'s shadow root is inside its dialog. */
  function focusInDialog(page: Page): Promise<boolean> {
    return page.evaluate(() => !!document.querySelector('cs-chat')?.shadowRoot?.activeElement?.closest('[role=dialog]'));
  }

  /** Scrolls the wheel over the top of the dialog and says where the shop's body is (its top, px). */
  async function wheelOverDialog(page: Page): Promise<number> {
    const box = await page.locator('cs-chat').getByRole('dialog').boundingBox();
    await page.mouse.move((box?.x ?? 0) + 20, (box?.y ?? 0) + 20);
    await page.mouse.wheel(0, 1200);
    await page.waitForTimeout(300);
    return page.evaluate(() => Math.round(document.body.getBoundingClientRect().top));
  }

  it('on a 390 px phone, while the panel chunk is held back, the loading box is modal, pins the page, holds the focus and closes on Escape; the panel then takes over', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    contexts.push(context);
    // The chunk's response waits until the test releases it: the loading box stays as long as the
    // test needs (a slow network), so what is checked does not depend on how fast the machine is.
    let release = (): void => undefined;
    const held = new Promise<void>((done) => (release = done));
    await context.route(PANEL_CHUNK, async (route) => {
      await held;
      await route.continue();
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(() => window.scrollTo(0, 600));
    await page.getByRole('button', { name: 'Open chat' }).click();
    const dialog = page.locator('cs-chat').getByRole('dialog');
    await dialog.getByRole('status').filter({ hasText: 'Loading the chat…' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await dialog.getAttribute('aria-modal'), 'true', 'full-screen loading box is modal');
    assert.ok(await focusInDialog(page), 'focus moved into the loading box');
    for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      assert.ok(await focusInDialog(page), `focus stays in the loading box after ${key}`);
    }
    assert.equal(await wheelOverDialog(page), -600, 'the shop did not move behind the loading box');
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await page.evaluate(() => Math.round(window.scrollY)), 600, 'Escape closed it, back where the visitor was'));
    assert.equal(await dialog.isVisible(), false);
    assert.equal(await page.evaluate(() => document.querySelector('cs-chat')?.shadowRoot?.activeElement?.getAttribute('aria-label')), 'Open chat', 'focus back on the launcher');

    // Opened again, still loading; then the chunk arrives and the panel takes over the same dialog.
    await page.getByRole('button', { name: 'Open chat' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Loading the chat…' }).waitFor({ timeout: UI_TIMEOUT_MS });
    release();
    const composer = dialog.getByRole('textbox', { name: 'Write a message…' });
    await composer.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await dialog.getAttribute('aria-modal'), 'true', 'the panel is modal');
    await eventually(async () => assert.equal(await page.evaluate(() => document.querySelector('cs-chat')?.shadowRoot?.activeElement?.tagName), 'TEXTAREA', 'the composer has the focus'));
    assert.equal(await wheelOverDialog(page), -600, 'the page is still pinned where it was');
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await page.evaluate(() => Math.round(window.scrollY)), 600, 'closed, back where the visitor was'));
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
