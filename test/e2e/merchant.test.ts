/**
 * A merchant's first hour (issue 11) in real Chromium against the real
 * server, by role and visible text: inbox previews by who wrote them, the
 * customer-facing event lines, links, a refused identify(), the first message
 * before the first connection, connection state in both headers, a refused
 * upgrade in the workbench, phones (scroll lock, 16 px inputs) and the
 * workbench's panes at 390, 768 and 1024 px.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { agentLog, agentToken, countBubbles, eventually, freePort, startServerProcess, tempDataDir, UI_TIMEOUT_MS, visitorLog, type ServerProcess, openChatAndSend, waitForAcked } from './harness.js';
import { startStage, type Stage } from './stage.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

/** A page server on another origin: `/` embeds the widget, `/agent` the workbench, both pointed at `wsUrl`. */
async function otherOrigin(wsUrl: string): Promise<{ url: string; close: () => Promise<void> }> {
  const files: Record<string, [string, string]> = {
    '/': ['text/html', `<!doctype html><html lang="en"><head><title>Other shop</title></head><body><h1>Other shop</h1><script src="/cs-chat.js" data-site="other" data-server="${wsUrl}"></script></body></html>`],
    '/agent': ['text/html', `<!doctype html><html lang="en"><head><title>Inbox</title><script type="module" src="/cs-inbox.js"></script></head><body><cs-inbox server="${wsUrl}"></cs-inbox></body></html>`],
    '/cs-chat.js': ['text/javascript', readFileSync(join(root, 'dist', 'cs-chat.js'), 'utf8')],
    '/cs-inbox.js': ['text/javascript', readFileSync(join(root, 'dist', 'cs-inbox.js'), 'utf8')],
    // cs-chat.js loads its lazy chunks (the panel) from chunks/ beside itself.
    ...Object.fromEntries(
      readdirSync(join(root, 'dist', 'chunks')).map((name): [string, [string, string]] => [`/chunks/${name}`, ['text/javascript', readFileSync(join(root, 'dist', 'chunks', name), 'utf8')]]),
    ),
  };
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0] ?? '/'];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    // Every connection goes too, so closing never waits on one a page still holds (a keep-alive, a request in flight).
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

describe('the first hour of a merchant', () => {
  let stage: Stage | undefined;
  let port: number;
  let server: ServerProcess;
  let browser: Browser;
  let visitor: Page;
  let agent: Page;

  before(async () => {
    stage = await startStage({ env: { CS_ALLOWED_ORIGINS: 'https://shop.example' }, visitor: { viewport: { width: 1280, height: 900 } } });
    ({ port, server, browser, visitor, agent } = stage);
  });

  after(() => stage?.stop());

  it('a refused identify() rejects with IdentityError, fires cs-error, says how to fix it, and the chat goes on anonymous', async () => {
    const errors: string[] = [];
    visitor.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await visitor.goto(`${server.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const outcome = await visitor.evaluate(async () => {
      const events: { code: string; message: string }[] = [];
      document.addEventListener('cs-error', (e) => events.push((e as CustomEvent<{ code: string; message: string }>).detail));
      const chat = (window as unknown as { csChat: { identify(i: object): Promise<void> } }).csChat;
      try {
        await chat.identify({ userId: 'cust_1', name: 'Eve', signature: 'ab'.repeat(32) });
        return { rejected: false, type: '', events };
      } catch (error) {
        const e = error as Error & { type?: string };
        return { rejected: true, type: e.type ?? '', events };
      }
    });
    assert.equal(outcome.rejected, true, 'identify() rejects');
    assert.equal(outcome.type, 'identity');
    assert.equal(outcome.events[0]?.code, 'identity_rejected');
    assert.match(outcome.events[0]?.message ?? '', /signature/);
    assert.ok(errors.some((e) => /identify\(\) refused.*signature.*HMAC-SHA256\(CS_IDENTITY_SECRET, userId\)/s.test(e)), `console.error explains the fix: ${errors.join('\n')}`);
    await visitor.getByRole('textbox', { name: 'Write a message…' }).fill('Where is my parcel? https://track.example.com/p/42');
    await visitor.getByRole('button', { name: 'Send' }).click();
    await waitForAcked(visitor);
    assert.equal(await visitor.locator('cs-chat').getByText('Chat is unavailable right now.').count(), 0);
  });

  it('the workbench (own origin, though CS_ALLOWED_ORIGINS lists only the shop) previews the question, then "You: …" after the reply, and links are links', async () => {
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    const row = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first();
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    await eventually(async () => assert.match(await row.innerText(), /Where is my parcel\?/));
    assert.doesNotMatch(await row.innerText(), /away right now|offline right now|Thanks for reaching out/);
    await row.click();
    const link = agentLog(agent).getByRole('link', { name: 'https://track.example.com/p/42' });
    await link.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow ugc');
    assert.equal(await link.getAttribute('target'), '_blank');
    await agent.getByRole('button', { name: 'Claim' }).click();
    await agent.getByRole('textbox', { name: 'Reply' }).fill('It is with the courier, see mailto:help@shop.example');
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(async () => assert.match(await row.innerText(), /You: It is with the courier/));
  });

  it('the visitor sees "Alice joined the conversation", the agent by name, a link, and no internal workflow lines', async () => {
    const log = visitorLog(visitor);
    await log.getByText('Alice joined the conversation').waitFor({ timeout: UI_TIMEOUT_MS });
    await log.getByRole('link', { name: 'mailto:help@shop.example' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await log.getByText('Alice', { exact: true }).count() > 0, true, 'the reply is signed with the display name');
    assert.equal(await log.getByText(/claimed|alice\b/).count(), 0, 'no claim line and no agent id');
  });

  it('while the server is down both headers say so instead of "Online" and "1 agent online"', async () => {
    await visitor.locator('cs-chat').getByText('Online', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await server.stop();
    await visitor.locator('cs-chat').locator('header').getByText('Reconnecting…').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await visitor.locator('cs-chat').getByText('Online', { exact: true }).count(), 0);
    await agent.locator('cs-inbox').locator('header').getByRole('status').getByText('Reconnecting…').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await agent.getByText(/agents? online/).count(), 0, 'no stale presence in the workbench');
    server = await stage!.restartServer();
    await visitor.locator('cs-chat').getByText('Online', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS * 2 });
  });

  it('a refused upgrade shows a clear message in the workbench instead of spinning', async () => {
    const other = await otherOrigin(`ws://127.0.0.1:${port}/ws`);
    try {
      const page = await browser.newPage();
      await page.goto(`${other.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
      await page.getByRole('heading', { name: 'Cannot reach the chat server' }).waitFor({ timeout: UI_TIMEOUT_MS });
      assert.match(await page.getByRole('alert').innerText(), /refused/);
      await page.locator('cs-inbox').getByText(/add this page's origin to CS_ALLOWED_ORIGINS/).waitFor();
      await page.getByRole('button', { name: 'Back to sign-in' }).click();
      await page.getByRole('textbox', { name: 'Email' }).waitFor();
      await page.close();
    } finally {
      await other.close();
    }
  });

  it('a first message written before the first connection shows at once as sending, then is delivered', async () => {
    const late = await freePort();
    const other = await otherOrigin(`ws://127.0.0.1:${late}/ws`);
    let lateServer: ServerProcess | undefined;
    const lateData = tempDataDir();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${other.url}/`);
      await openChatAndSend(page, 'Are you open on Sunday?');
      const log = visitorLog(page);
      await eventually(async () => assert.equal(await countBubbles(log, 'Are you open on Sunday?'), 1), 3000);
      await log.getByText('Sending').waitFor({ timeout: 3000 });
      lateServer = await startServerProcess(late, lateData.dir);
      await log.locator('[data-state="sent"], [data-state="delivered"], [data-state="read"]').first().waitFor({ timeout: UI_TIMEOUT_MS * 2 });
      assert.equal(await countBubbles(log, 'Are you open on Sunday?'), 1);
      await page.close();
    } finally {
      await lateServer?.stop();
      lateData.remove();
      await other.close();
    }
  });

  it('on a 390 px phone the open panel pins the page (scrolling over it does not move the shop), restores the place on close, and inputs are 16 px', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true })).newPage();
    await phone.goto(`${server.url}/`);
    await phone.evaluate(() => window.scrollTo(0, 600));
    await phone.getByRole('button', { name: 'Open chat' }).click();
    const dialog = phone.locator('cs-chat').getByRole('dialog');
    // The panel itself (its lazy chunk loaded), not the box that says it is loading.
    await dialog.getByRole('textbox', { name: 'Write a message…' }).waitFor();
    assert.equal(await dialog.getAttribute('aria-modal'), 'true', 'full-screen is modal');
    const header = phone.locator('cs-chat').getByRole('heading').first();
    const box = await header.boundingBox();
    await phone.mouse.move((box?.x ?? 0) + 10, (box?.y ?? 0) + 10);
    await phone.mouse.wheel(0, 1200);
    await phone.waitForTimeout(300);
    assert.equal(await phone.evaluate(() => Math.round(document.body.getBoundingClientRect().top)), -600, 'the shop did not move behind the panel');
    const fontSize = await phone.locator('cs-chat').getByRole('textbox', { name: 'Write a message…' }).evaluate((el) => getComputedStyle(el).fontSize);
    assert.equal(fontSize, '16px', 'no iOS zoom on focus');
    await phone.locator('cs-chat').getByRole('button', { name: 'Close chat' }).click();
    await eventually(async () => assert.equal(await phone.evaluate(() => Math.round(window.scrollY)), 600, 'back where the visitor was'));
    await phone.close();
  });

  for (const width of [390, 768, 1024]) {
    it(`the workbench at ${width} px fits the screen and switches between list, conversation and details`, async () => {
      const page = await (await browser.newContext({ viewport: { width, height: 844 } })).newPage();
      await page.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
      const list = page.getByRole('listbox', { name: 'Conversations' });
      await list.getByRole('option').first().waitFor({ timeout: UI_TIMEOUT_MS });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal overflow (${overflow} px)`);
      const clipped = await page.locator('cs-inbox').getByRole('tab').evaluateAll((tabs) => tabs.filter((t) => t.scrollWidth > t.clientWidth + 1).map((t) => t.textContent));
      assert.deepEqual(clipped, [], 'no filter tab is clipped');
      await list.getByRole('option').first().click();
      const log = page.locator('cs-inbox').getByRole('log', { name: 'Messages' });
      await log.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      if (width <= 700) assert.equal(await list.isVisible(), false, 'one pane at a time on a phone');
      await page.getByRole('button', { name: 'Details' }).click();
      await page.getByRole('complementary', { name: 'Visitor details' }).waitFor({ state: 'visible' });
      assert.equal(await log.isVisible(), false, 'details replace the conversation');
      if (width <= 700) {
        await page.getByRole('button', { name: 'Conversations' }).click();
        await list.waitFor({ state: 'visible' });
      }
      await page.getByRole('button', { name: 'Conversation', exact: true }).click();
      await log.waitFor({ state: 'visible' });
      await page.close();
    });
  }
});
