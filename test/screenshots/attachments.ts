/**
 * Screenshots of photos and files (issue 13): the widget on the demo shop and
 * the workbench, each at 390 px and 1280 px wide, against the real built
 * server and Debian's Chromium:
 *
 *   npm run build && node --import tsx test/screenshots/attachments.ts
 *
 * Writes test/screenshots/attachments-{widget,inbox,lightbox}-{390,1280}.png
 * and attachments-widget-refused-390.png. The visitor sends a photo of a
 * damaged parcel and a text; the agent answers with a PDF (a file card) and a
 * photo; the agent opens the visitor's photo full size; the visitor tries a
 * file the server refuses.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { fixtures } from '../support/files.js';
import { agentToken, freePort, launchChromium, startServerProcess, tempDataDir, UI_TIMEOUT_MS } from '../e2e/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** A photo-like PNG: a warm gradient with a darker "parcel" in the middle. */
function photo(width: number, height: number): Buffer {
  const png = fixtures.png(width, height, [205, 160, 110]);
  return Buffer.from(png);
}

async function attach(page: Page, host: 'cs-chat' | 'cs-inbox', file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.locator(host).getByRole('button', { name: 'Attach a photo or file' }).click();
  await (await chooser).setFiles(file);
}

const data = tempDataDir();
const server = await startServerProcess(await freePort(), data.dir, { CS_BOT: 'off' });
const browser = await launchChromium();
try {
  const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await visitor.goto(`${server.url}/`);
  await visitor.getByRole('button', { name: 'Open chat' }).click();
  await visitor.getByRole('button', { name: 'Attach a photo or file' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await attach(visitor, 'cs-chat', { name: 'parcel-damage.png', mimeType: 'image/png', buffer: photo(1200, 900) });
  const input = visitor.getByRole('textbox', { name: 'Write a message…' });
  await input.fill('My parcel arrived like this – the corner is crushed and the mug inside is chipped.');
  await input.press('Enter');

  const agent = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
  const conversation = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
  await conversation.first().waitFor({ timeout: UI_TIMEOUT_MS });
  await conversation.first().click();
  await agent.locator('cs-inbox').locator('img[alt="parcel-damage.png"]').waitFor({ timeout: UI_TIMEOUT_MS });
  await agent.getByRole('textbox', { name: 'Reply' }).fill("I'm sorry! Here is your return label – a replacement ships today.");
  await agent.getByRole('textbox', { name: 'Reply' }).press('Enter');
  await attach(agent, 'cs-inbox', { name: 'return-label-4471.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from(fixtures.pdf()), Buffer.alloc(48_000)]) });
  await attach(agent, 'cs-inbox', { name: 'replacement-mug.png', mimeType: 'image/png', buffer: Buffer.from(fixtures.png(800, 800, [70, 110, 150])) });
  await visitor.locator('cs-chat').getByRole('link', { name: 'Download return-label-4471.pdf' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await visitor.locator('cs-chat').locator('img[alt="replacement-mug.png"]').waitFor({ timeout: UI_TIMEOUT_MS });
  await new Promise((r) => setTimeout(r, 800));

  for (const width of [1280, 390]) {
    await visitor.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await new Promise((r) => setTimeout(r, 400));
    await visitor.screenshot({ path: join(here, `attachments-widget-${width}.png`) });
    await agent.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await new Promise((r) => setTimeout(r, 400));
    await agent.screenshot({ path: join(here, `attachments-inbox-${width}.png`) });
  }
  for (const width of [1280, 390]) {
    await agent.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await new Promise((r) => setTimeout(r, 300));
    const photoInThread = agent.locator('cs-inbox').locator('img[alt="parcel-damage.png"]').first();
    // At 390 px the workbench shows one pane at a time: the thread is open.
    await photoInThread.scrollIntoViewIfNeeded();
    await photoInThread.click();
    const lightbox = agent.locator('cs-inbox').getByRole('dialog', { name: 'parcel-damage.png' });
    await lightbox.waitFor({ timeout: UI_TIMEOUT_MS });
    await new Promise((r) => setTimeout(r, 400));
    await agent.screenshot({ path: join(here, `attachments-lightbox-${width}.png`) });
    await lightbox.getByRole('button', { name: 'Close' }).click();
  }

  await visitor.setViewportSize({ width: 390, height: 844 });
  await attach(visitor, 'cs-chat', { name: 'invoice.png', mimeType: 'image/png', buffer: Buffer.from('<!doctype html><p>not a photo</p>') });
  await visitor.locator('cs-chat').getByRole('alert').waitFor({ timeout: UI_TIMEOUT_MS });
  await new Promise((r) => setTimeout(r, 400));
  await visitor.screenshot({ path: join(here, 'attachments-widget-refused-390.png') });
  console.log('screenshots written to test/screenshots/attachments-*.png');
} finally {
  await browser.close();
  await server.stop();
  data.remove();
}
