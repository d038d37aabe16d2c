/**
 * Screenshots of announcements (issue 15) at 390 px and 1280 px, against the
 * real built server and Debian's Chromium:
 *
 *   npm run build && node --import tsx test/screenshots/announcements.ts
 *
 * Writes test/screenshots/announcement-banner-{390,1280}.png (the banner by
 * the closed launcher), announcement-card-{390,1280}.png (the card in the
 * open panel, with the list of all of them) and
 * announcements-page-{390,1280}.png (the workbench's Announcements page).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, launchChromium, startServerProcess, tempDataDir } from '../e2e/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const TOKEN = 'screenshot-api-token-0123456789';
const DAY = 24 * 60 * 60 * 1000;

async function api(base: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}

const data = tempDataDir();
const server = await startServerProcess(await freePort(), data.dir, { CS_API_TOKEN: TOKEN, CS_BROADCAST_SPREAD_MS: '0' });
const browser = await launchChromium();
try {
  const older = await api(server.url, 'POST', '/api/announcements', { site: 'demo-shop', title: 'Free returns for 60 days', body: 'Changed your mind? Send it back within 60 days, on us.', expires_at: Date.now() + 5 * DAY });
  await api(server.url, 'POST', `/api/announcements/${older.id as string}/publish`);
  const main = await api(server.url, 'POST', '/api/announcements', {
    site: 'demo-shop',
    title: 'Closed on Monday 14th',
    body: 'Our team is off for the holiday. Orders placed before Sunday 18:00 ship on Tuesday; we answer every message then.',
    link_url: 'https://shop.example/shipping',
    link_label: 'Shipping times',
    expires_at: Date.now() + 7 * DAY,
  });
  await api(server.url, 'POST', `/api/announcements/${main.id as string}/publish`);
  const draft = await api(server.url, 'POST', '/api/announcements', { site: 'demo-shop', title: 'Autumn collection preview', body: 'Wool throws and stoneware, first look for our regulars.', expires_at: Date.now() + 3 * DAY });
  await api(server.url, 'PUT', `/api/announcements/${draft.id as string}/whitelist`, { visitor_ids: ['v_regular_1', 'v_regular_2'], user_ids: ['customer-1042'] });
  await api(server.url, 'POST', `/api/announcements/${draft.id as string}/prerelease`);

  for (const width of [390, 1280]) {
    const context = await browser.newContext({ viewport: { width, height: width === 390 ? 844 : 820 }, deviceScaleFactor: 1, isMobile: width === 390 });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    const chat = page.locator('cs-chat');
    await chat.locator('cs-news[mode="banner"] .banner').waitFor({ timeout: 20_000 });
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(here, `announcement-banner-${width}.png`) });
    await chat.locator('.launcher').click();
    await chat.locator('cs-news[mode="card"] .card').waitFor();
    await chat.locator('cs-news[mode="card"] .more').click();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(here, `announcement-card-${width}.png`) });
    await context.close();

    const admin = await browser.newContext({ viewport: { width, height: width === 390 ? 1400 : 1000 }, deviceScaleFactor: 1 });
    await admin.addInitScript((token) => sessionStorage.setItem('cs-announcements-token', token), TOKEN);
    const workbench = await admin.newPage();
    await workbench.goto(`${server.url}/agent/announcements`);
    const pageEl = workbench.locator('cs-announcements');
    await pageEl.locator('.row').first().waitFor({ timeout: 20_000 });
    await pageEl.locator('.row', { hasText: 'Closed on Monday' }).click();
    await pageEl.locator('.counters').waitFor();
    await workbench.waitForTimeout(400);
    await workbench.screenshot({ path: join(here, `announcements-page-${width}.png`), fullPage: true });
    await admin.close();
  }
  console.log('screenshots: wrote test/screenshots/announcement-*.png and announcements-page-*.png');
} finally {
  await browser.close();
  await server.stop();
  data.remove();
}
