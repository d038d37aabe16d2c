/**
 * Photos and files end to end (issue 13): the real built server, Debian's
 * Chromium, real IndexedDB. A visitor on the demo shop attaches photos by the
 * button, by paste and by drop; the agent sees each inline, once; the agent
 * sends a PDF and the visitor downloads the same bytes; an upload survives a
 * reload in its middle (a throttling proxy slows it down) and a spell
 * offline, arriving once; a 30 MB file is refused in the widget before
 * anything is stored; HTML renamed .png is refused by the server (415) with a
 * clear message. Each step builds on the one before (one server, one visitor,
 * one agent), so they run in order.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { fixtures } from '../support/files.js';
import { agentLog, agentToken, eventually, freePort, launchChromium, startServerProcess, tempDataDir, UI_TIMEOUT_MS, visitorLog, type ServerProcess } from './harness.js';
import { startStage, type Stage } from './stage.js';

/**
 * A loopback TCP proxy that passes everything through, except that the body
 * of an upload (`POST /api/uploads`) goes to the server slowly: `bytesPerTick`
 * every 50 ms. So a test can reload the page while an upload is half way.
 */
async function throttlingProxy(target: number, bytesPerTick: number): Promise<{ port: number; uploadsSeen: () => number; close: () => Promise<void> }> {
  let uploads = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    let throttled = false;
    const queue: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drip = (): void => {
      let budget = bytesPerTick;
      while (budget > 0 && queue.length) {
        const head = queue[0]!;
        const part = head.subarray(0, budget);
        upstream.write(part);
        budget -= part.length;
        if (part.length === head.length) queue.shift();
        else queue[0] = head.subarray(part.length);
      }
      timer = queue.length ? setTimeout(drip, 50) : undefined;
      // Backpressure: the browser sees its upload go out at the dripping pace (its progress moves with it).
      if (queue.length < 4) client.resume();
    };
    client.on('data', (chunk: Buffer) => {
      // Requests share kept-alive connections: an upload may follow a page load on the same one.
      if (chunk.subarray(0, 20).toString('latin1').startsWith('POST /api/uploads')) {
        throttled = true;
        uploads += 1;
      }
      if (!throttled) return void upstream.write(chunk);
      queue.push(chunk);
      if (queue.length >= 4) client.pause();
      timer ??= setTimeout(drip, 50);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      clearTimeout(timer);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    uploadsSeen: () => uploads,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/**
 * A loopback TCP proxy in front of the server that refuses every upload the
 * way nginx does past its `client_max_body_size`: it reads the body, then
 * answers 413 with its own HTML page (not the server's JSON) and closes.
 * Everything else passes through.
 */
async function refusingProxy(target: number): Promise<{ port: number; refused: () => number; close: () => Promise<void> }> {
  let refused = 0;
  const sockets = new Set<Socket>();
  const page = '<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>';
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    let swallowing = -1;
    client.on('data', (chunk: Buffer) => {
      if (swallowing < 0 && chunk.subarray(0, 20).toString('latin1').startsWith('POST /api/uploads')) {
        const head = chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        swallowing = length - (chunk.length - (end + 4));
      } else if (swallowing < 0) {
        return void upstream.write(chunk);
      } else {
        swallowing -= chunk.length;
      }
      if (swallowing > 0) return;
      refused += 1;
      client.end(`HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\nConnection: close\r\n\r\n${page}`);
      upstream.destroy();
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('error', end);
    upstream.on('close', () => swallowing < 0 && client.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    refused: () => refused,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/** The image bubbles in a log, by their alt text (the file name). */
async function imageCount(page: Page, host: 'cs-chat' | 'cs-inbox', name: string): Promise<number> {
  const log = host === 'cs-chat' ? visitorLog(page) : agentLog(page);
  return log.locator(`img[alt="${name}"]`).count();
}

/** Hands `files` to the drop or paste handling of `target` (a textbox, a message list), as a drag or the clipboard would. */
async function dispatchFiles(target: Locator, how: 'paste' | 'drop', file: { name: string; type: string; bytes: number[] }): Promise<void> {
  await target.evaluate(
    (target, { how, file }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(file.bytes)], file.name, { type: file.type }));
      const init = { bubbles: true, composed: true, cancelable: true };
      if (how === 'paste') target.dispatchEvent(new ClipboardEvent('paste', { ...init, clipboardData: data }));
      else {
        target.dispatchEvent(new DragEvent('dragover', { ...init, dataTransfer: data }));
        target.dispatchEvent(new DragEvent('drop', { ...init, dataTransfer: data }));
      }
    },
    { how, file },
  );
}

/** How many attachment files the server keeps on disk. */
function storedFiles(dataDir: string): number {
  const dir = join(dataDir, 'files');
  try {
    return readdirSync(dir)
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .reduce((n, d) => n + readdirSync(join(dir, d)).length, 0);
  } catch {
    return 0;
  }
}

describe('photos and files in real browsers', () => {
  let stage: Stage | undefined;
  let server: ServerProcess;
  let data: Stage['data'];
  let browser: Browser;
  let visitorContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let proxy: Awaited<ReturnType<typeof throttlingProxy>>;

  before(async () => {
    stage = await startStage({ visitor: { viewport: { width: 390, height: 844 } }, agent: { viewport: { width: 1280, height: 900 } } });
    ({ server, data, browser, visitorContext, visitor, agent } = stage);
    // 40 KB per second: a 200 KB photo takes about five seconds to upload.
    proxy = await throttlingProxy(stage.port, 2048);
    stage.alsoStop(() => proxy.close());
  });

  after(() => stage?.stop());

  it('the visitor attaches a photo with the attach button; it shows inline with its size reserved', async () => {
    await visitor.goto(`${server.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const attach = visitor.getByRole('button', { name: 'Attach a photo or file' });
    await attach.waitFor({ timeout: UI_TIMEOUT_MS });
    const chooser = visitor.waitForEvent('filechooser');
    await attach.click();
    await (await chooser).setFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: Buffer.from(fixtures.png(640, 480, [180, 60, 40])) });
    const image = visitorLog(visitor).locator('img[alt="parcel.png"]');
    await image.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual([await image.getAttribute('width'), await image.getAttribute('height')], ['240', '180']);
    await visitorLog(visitor).locator('[data-state="sent"], [data-state="delivered"], [data-state="read"]').first().waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('the agent sees the photo inline, once, and opens it full size', async () => {
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    const conversation = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await conversation.first().waitFor({ timeout: UI_TIMEOUT_MS });
    await conversation.first().click();
    await eventually(async () => assert.equal(await imageCount(agent, 'cs-inbox', 'parcel.png'), 1));
    await agentLog(agent).locator('img[alt="parcel.png"]').click();
    const lightbox = agent.locator('cs-inbox').getByRole('dialog', { name: 'parcel.png' });
    await lightbox.waitFor({ timeout: UI_TIMEOUT_MS });
    await eventually(async () => assert.ok(await lightbox.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth === 640)));
    await lightbox.getByRole('button', { name: 'Close' }).click();
    await lightbox.waitFor({ state: 'detached' });
  });

  it('paste and drop attach photos too; the agent sees each within a second, once', async () => {
    await dispatchFiles(visitor.locator('cs-chat').getByRole('textbox'), 'paste', { name: 'pasted.png', type: 'image/png', bytes: [...fixtures.png(300, 200, [30, 120, 200])] });
    await dispatchFiles(visitorLog(visitor), 'drop', { name: 'dropped.png', type: 'image/png', bytes: [...fixtures.png(200, 300, [40, 160, 60])] });
    for (const name of ['pasted.png', 'dropped.png']) {
      await eventually(async () => assert.equal(await imageCount(visitor, 'cs-chat', name), 1));
      const seenAt = Date.now();
      await eventually(async () => assert.equal(await imageCount(agent, 'cs-inbox', name), 1));
      assert.ok(Date.now() - seenAt < 1000 + 500, `${name} reached the agent ${Date.now() - seenAt} ms after the visitor saw it`);
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const name of ['parcel.png', 'pasted.png', 'dropped.png']) assert.equal(await imageCount(agent, 'cs-inbox', name), 1, name);
  });

  it('the agent attaches by paste and by drop too; the visitor sees each once', async () => {
    await dispatchFiles(agent.locator('cs-inbox').getByRole('textbox', { name: 'Reply' }), 'paste', { name: 'agent-pasted.png', type: 'image/png', bytes: [...fixtures.png(160, 120, [200, 200, 60])] });
    await dispatchFiles(agentLog(agent), 'drop', { name: 'agent-dropped.png', type: 'image/png', bytes: [...fixtures.png(120, 160, [60, 200, 200])] });
    for (const name of ['agent-pasted.png', 'agent-dropped.png']) await eventually(async () => assert.equal(await imageCount(visitor, 'cs-chat', name), 1, name));
    await new Promise((r) => setTimeout(r, 300));
    for (const name of ['agent-pasted.png', 'agent-dropped.png']) assert.equal(await imageCount(visitor, 'cs-chat', name), 1, name);
  });

  it('the agent sends a PDF; the visitor gets a file card and downloads identical bytes', async () => {
    const pdf = Buffer.from(fixtures.pdf(`%%EOF invoice ${Date.now()}`));
    const chooser = agent.waitForEvent('filechooser');
    await agent.locator('cs-inbox').getByRole('button', { name: 'Attach a photo or file' }).click();
    await (await chooser).setFiles({ name: 'invoice-42.pdf', mimeType: 'application/pdf', buffer: pdf });
    const card = visitorLog(visitor).getByRole('link', { name: 'Download invoice-42.pdf' });
    await card.waitFor({ timeout: UI_TIMEOUT_MS });
    const href = await card.getAttribute('href');
    assert.match(href ?? '', /\/files\/f_[\w-]+\?exp=\d+&sig=/);
    const bytes = await visitor.evaluate(async (url) => [...new Uint8Array(await (await fetch(url)).arrayBuffer())], href!);
    assert.deepEqual(Buffer.from(bytes), pdf);
    const files = agent.locator('cs-inbox').getByRole('region', { name: 'Files in this conversation' });
    await eventually(async () => assert.equal(await files.getByRole('link').count(), 6));
  });

  it('a 30 MB file is refused in the widget ("too large (max 10 MB)") and nothing is stored', async () => {
    const before = storedFiles(data.dir);
    const big = Buffer.alloc(30 * 1024 * 1024);
    Buffer.from(fixtures.pdf()).copy(big);
    const chooser = visitor.waitForEvent('filechooser');
    await visitor.getByRole('button', { name: 'Attach a photo or file' }).click();
    await (await chooser).setFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: big });
    const alert = visitor.locator('cs-chat').getByRole('alert');
    await eventually(async () => assert.equal(await alert.textContent(), 'scan.pdf: Too large (max 10 MB)'));
    assert.equal(await visitorLog(visitor).getByRole('link', { name: 'Download scan.pdf' }).count(), 0);
    assert.equal(storedFiles(data.dir), before);
  });

  it('an HTML file renamed .png is refused by the server (415) with a clear message, and can be removed', async () => {
    const chooser = visitor.waitForEvent('filechooser');
    await visitor.getByRole('button', { name: 'Attach a photo or file' }).click();
    await (await chooser).setFiles({ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from('<!doctype html><script>alert(1)</script>') });
    const refusal = visitorLog(visitor).getByRole('alert');
    await eventually(async () => assert.match((await refusal.textContent()) ?? '', /This file type is not allowed/));
    await refusal.getByRole('button', { name: 'Remove' }).click();
    await eventually(async () => assert.equal(await visitorLog(visitor).getByRole('alert').count(), 0));
  });

  it('offline -> attach -> online: the photo arrives once', async () => {
    await visitorContext.setOffline(true);
    await visitor.locator('cs-chat').getByRole('status').filter({ hasText: 'offline' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const chooser = visitor.waitForEvent('filechooser');
    await visitor.getByRole('button', { name: 'Attach a photo or file' }).click();
    await (await chooser).setFiles({ name: 'offline.png', mimeType: 'image/png', buffer: Buffer.from(fixtures.png(120, 90, [90, 90, 200])) });
    await eventually(async () => assert.equal(await imageCount(visitor, 'cs-chat', 'offline.png'), 1));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await imageCount(agent, 'cs-inbox', 'offline.png'), 0, 'nothing left the device while offline');
    await visitorContext.setOffline(false);
    await eventually(async () => assert.equal(await imageCount(agent, 'cs-inbox', 'offline.png'), 1));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await imageCount(agent, 'cs-inbox', 'offline.png'), 1);
  });

  it('a reload in the middle of a (throttled) upload: after the reload the photo arrives once', async () => {
    // A second visitor comes in through the throttling proxy.
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await page.goto(`http://127.0.0.1:${proxy.port}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    const attach = page.getByRole('button', { name: 'Attach a photo or file' });
    await attach.waitFor({ timeout: UI_TIMEOUT_MS });
    // Noise PNG: deflate cannot shrink it, so the upload is slow through the proxy (~200 KB at 40 KB/s).
    const noisy = fixtures.noisyPng(260, 260);
    const chooser = page.waitForEvent('filechooser');
    await attach.click();
    await (await chooser).setFiles({ name: 'slow.png', mimeType: 'image/png', buffer: Buffer.from(noisy) });
    await page.locator('cs-chat').locator('progress').waitFor({ timeout: UI_TIMEOUT_MS });
    await eventually(async () => assert.ok(proxy.uploadsSeen() >= 1));
    await page.reload();
    await page.getByRole('button', { name: 'Open chat' }).click();
    // The photo is still there after the reload (from IndexedDB), then goes up again and is sent once.
    await eventually(async () => assert.equal(await imageCount(page, 'cs-chat', 'slow.png'), 1));
    const list = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await eventually(async () => assert.equal(await list.count(), 2), 40_000);
    await list.first().click();
    await eventually(async () => assert.equal(await imageCount(agent, 'cs-inbox', 'slow.png'), 1), 40_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await imageCount(agent, 'cs-inbox', 'slow.png'), 1);
    assert.ok(proxy.uploadsSeen() >= 2, 'the upload started again after the reload');
    await page.context().close();
  });

  it('two tabs of one visitor: only the tab holding the outbox lease uploads the photo, and it arrives once', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const tabs = [await context.newPage(), await context.newPage()];
    for (const tab of tabs) {
      await tab.goto(`http://127.0.0.1:${proxy.port}/`);
      await tab.getByRole('button', { name: 'Open chat' }).click();
      await tab.getByRole('button', { name: 'Attach a photo or file' }).waitFor({ timeout: UI_TIMEOUT_MS });
    }
    const before = proxy.uploadsSeen();
    const chooser = tabs[0]!.waitForEvent('filechooser');
    await tabs[0]!.getByRole('button', { name: 'Attach a photo or file' }).click();
    await (await chooser).setFiles({ name: 'two-tabs.png', mimeType: 'image/png', buffer: Buffer.from(fixtures.noisyPng(200, 200)) });
    // The other tab shows the pending photo too, and takes the outbox lease only if this tab goes away.
    await eventually(async () => assert.equal(await imageCount(tabs[1]!, 'cs-chat', 'two-tabs.png'), 1));
    const list = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await eventually(async () => assert.equal(await list.count(), 3), 40_000);
    await list.first().click();
    await eventually(async () => assert.equal(await imageCount(agent, 'cs-inbox', 'two-tabs.png'), 1), 40_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await imageCount(agent, 'cs-inbox', 'two-tabs.png'), 1);
    assert.equal(proxy.uploadsSeen() - before, 1, 'one upload for two tabs');
    await context.close();
  });

  it('cancel stops an upload: the photo leaves the widget, survives no reload, reaches no one, and nothing is stored', async () => {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await page.goto(`http://127.0.0.1:${proxy.port}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    const stored = storedFiles(data.dir);
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Attach a photo or file' }).click();
    await (await chooser).setFiles({ name: 'oops.png', mimeType: 'image/png', buffer: Buffer.from(fixtures.noisyPng(200, 200)) });
    await page.locator('cs-chat').locator('progress').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('cs-chat').getByRole('button', { name: 'Cancel upload' }).click();
    await eventually(async () => assert.equal(await imageCount(page, 'cs-chat', 'oops.png'), 0));
    await page.reload();
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByRole('button', { name: 'Attach a photo or file' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await imageCount(page, 'cs-chat', 'oops.png'), 0, 'gone after the reload too');
    assert.equal(await imageCount(agent, 'cs-inbox', 'oops.png'), 0);
    assert.equal(storedFiles(data.dir), stored, 'the half upload was not kept');
    await page.context().close();
  });

  it('a proxy in front of the server answering 413 (its own HTML page) gets a clear "too large" message, not a frozen upload', async () => {
    const refusing = await refusingProxy(stage!.port);
    try {
      const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
      await page.goto(`http://127.0.0.1:${refusing.port}/`);
      await page.getByRole('button', { name: 'Open chat' }).click();
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Attach a photo or file' }).click();
      await (await chooser).setFiles({ name: 'damage.png', mimeType: 'image/png', buffer: Buffer.from(fixtures.noisyPng(200, 200)) });
      const refusal = visitorLog(page).getByRole('alert');
      await eventually(async () => assert.match((await refusal.textContent()) ?? '', /^Too large for the server – send a smaller file\b/));
      assert.equal(refusing.refused(), 1, 'refused once, not retried');
      assert.equal(await page.locator('cs-chat').locator('progress').count(), 0, 'no progress bar left spinning');
      await refusal.getByRole('button', { name: 'Remove' }).click();
      await eventually(async () => assert.equal(await visitorLog(page).locator('img[alt="damage.png"]').count(), 0));
      await page.context().close();
    } finally {
      await refusing.close();
    }
  });
});

describe('signed file URLs expire and are renewed', () => {
  let server: ServerProcess;
  let data: ReturnType<typeof tempDataDir>;
  let browser: Browser;

  before(async () => {
    data = tempDataDir();
    // Links live about three seconds.
    server = await startServerProcess(await freePort(), data.dir, { CS_FILE_URL_TTL_MS: '3000' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    data?.remove();
  });

  it('after a reload, a cached photo whose link expired gets a fresh link and shows', async () => {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Attach a photo or file' }).click();
    await (await chooser).setFiles({ name: 'old.png', mimeType: 'image/png', buffer: Buffer.from(fixtures.png(64, 48, [20, 140, 90])) });
    const image = visitorLog(page).locator('img[alt="old.png"]');
    await eventually(async () => assert.match((await image.getAttribute('src')) ?? '', /\/files\/f_[\w-]+\?exp=/));
    const first = (await image.getAttribute('src'))!;
    const exp = Number(/exp=(\d+)/.exec(first)![1]);
    await new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()) + 300));
    assert.equal((await fetch(first)).status, 403, 'the first link has expired');

    await page.reload();
    await page.getByRole('button', { name: 'Open chat' }).click();
    await eventually(async () => {
      const src = (await image.getAttribute('src')) ?? '';
      assert.notEqual(src, first, 'a new link');
      assert.ok(Number(/exp=(\d+)/.exec(src)?.[1]) > Date.now(), 'not expired');
      assert.ok(await image.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth === 64), 'the photo shows');
    });
    await page.context().close();
  });
});
