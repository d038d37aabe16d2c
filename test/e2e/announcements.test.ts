/**
 * Announcements end to end (issue 15, "Must show"): real server process,
 * real Chromium, real IndexedDB. An admin (the API with CS_API_TOKEN)
 * pre-releases an announcement to one visitor, publishes it to the other
 * open widget within the spread window without a reload, edits it, recalls
 * it (gone from both screens and, after a reload, from IndexedDB); an
 * expired one never shows (also offline); a client below min_core_level gets
 * the fallback text.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, freePort, launchChromium, startServerProcess, tempDataDir, type ServerProcess } from './harness.js';

const API_TOKEN = 'e2e-api-token-0123456789abcdef';
/** Screenshots go to test/screenshots/ only when asked (CS_SCREENSHOTS=1), so a test run never rewrites tracked files. */
const shot = (name: string): string => join(process.env.CS_SCREENSHOTS ? 'test/screenshots' : tmpdir(), name);
const SPREAD_MS = 2000;
const DAY = 24 * 60 * 60 * 1000;

describe('announcements in real browsers', () => {
  let server: ServerProcess;
  let data: ReturnType<typeof tempDataDir>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let alice: Page;
  let bob: Page;
  let id = '';

  async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${API_TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  async function visitor(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await eventually(async () => assert.ok(await visitorId(page), 'the widget has its visitor id'), 40_000);
    return page;
  }

  /** The visitor id the widget keeps in IndexedDB (meta 'user'). */
  function visitorId(page: Page): Promise<string> {
    return page.evaluate(
      () =>
        new Promise<string>((done) => {
          const open = indexedDB.open('cs-chat');
          // Only look: never create the database before the widget does.
          open.onupgradeneeded = () => open.transaction?.abort();
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains('meta')) return done('');
            const get = db.transaction('meta').objectStore('meta').get('user');
            get.onsuccess = () => done((get.result as string | undefined) ?? '');
            get.onerror = () => done('');
          };
          open.onerror = () => done('');
        }),
    );
  }

  /** Announcement ids in the widget's IndexedDB copy. */
  function storedIds(page: Page): Promise<string[]> {
    return page.evaluate(
      () =>
        new Promise<string[]>((done) => {
          const open = indexedDB.open('cs-chat');
          // Only look: never create the database before the widget does.
          open.onupgradeneeded = () => open.transaction?.abort();
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains('broadcasts')) return done([]);
            const all = db.transaction('broadcasts').objectStore('broadcasts').getAllKeys();
            all.onsuccess = () => done(all.result.map(String));
          };
          open.onerror = () => done([]);
        }),
    );
  }

  /** The text the widget shows for announcements (banner when closed, card when open), '' when none. */
  function shownText(page: Page): Promise<string> {
    return page.evaluate(() => {
      const chat = document.querySelector('cs-chat');
      const news = [...(chat?.shadowRoot?.querySelectorAll('cs-news') ?? [])];
      return news.map((n) => n.shadowRoot?.textContent ?? '').join(' ').replace(/\s+/g, ' ').trim();
    });
  }

  before(async () => {
    data = tempDataDir();
    server = await startServerProcess(await freePort(), data.dir, { CS_API_TOKEN: API_TOKEN, CS_BROADCAST_SPREAD_MS: String(SPREAD_MS) });
    browser = await launchChromium();
    alice = await visitor();
    bob = await visitor();
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.stop();
    data?.remove();
  });

  it('a prerelease reaches the whitelisted visitor only', async () => {
    const made = await api('POST', '/api/announcements', { site: 'demo-shop', title: 'Closed on Monday', body: 'We are back on Tuesday at 9:00.', expires_at: Date.now() + DAY });
    id = made.id as string;
    await api('PUT', `/api/announcements/${id}/whitelist`, { visitor_ids: [await visitorId(alice)], user_ids: [] });
    await api('POST', `/api/announcements/${id}/prerelease`);
    await eventually(async () => assert.match(await shownText(alice), /Closed on Monday/));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await shownText(bob), '', 'the other visitor sees nothing');
  });

  it('publish reaches the other open widget within the spread window, without a reload', async () => {
    const started = Date.now();
    await api('POST', `/api/announcements/${id}/publish`);
    await eventually(async () => assert.match(await shownText(bob), /Closed on Monday/), SPREAD_MS + 8000);
    const took = Date.now() - started;
    assert.ok(took < SPREAD_MS + 8000, `took ${took} ms`);
    await bob.locator('cs-chat').locator('.launcher').click();
    await eventually(async () => assert.match(await shownText(bob), /We are back on Tuesday/), 5000);
  });

  it('an edit shows the new text on both', async () => {
    await api('PATCH', `/api/announcements/${id}`, { title: 'Closed on Monday and Tuesday', body: 'We are back on Wednesday at 9:00.' });
    // Alice's panel is closed (the banner shows the title), Bob's is open (the card shows the text too).
    await eventually(async () => assert.match(await shownText(alice), /Closed on Monday and Tuesday/), SPREAD_MS + 8000);
    await eventually(async () => assert.match(await shownText(bob), /Closed on Monday and Tuesday.*Wednesday/), SPREAD_MS + 8000);
    assert.deepEqual(await storedIds(alice), [id]);
  });

  it('a recall removes it from both screens, and after a reload it is not in IndexedDB', async () => {
    await api('POST', `/api/announcements/${id}/recall`);
    for (const page of [alice, bob]) await eventually(async () => assert.equal(await shownText(page), ''), SPREAD_MS + 8000);
    for (const page of [alice, bob]) {
      await page.reload();
      await eventually(async () => assert.ok(await visitorId(page)));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(await storedIds(page), [], 'not in IndexedDB');
      assert.equal(await shownText(page), '');
    }
  });

  it('an expired announcement never shows, even offline', async () => {
    const soon = await api('POST', '/api/announcements', { site: 'demo-shop', title: 'Flash sale ends soon', body: '20% off for a few seconds.', expires_at: Date.now() + 6000 });
    await api('POST', `/api/announcements/${soon.id as string}/publish`);
    await eventually(async () => assert.match(await shownText(alice), /Flash sale/), SPREAD_MS + 5000);
    await alice.context().setOffline(true);
    await eventually(async () => assert.equal(await shownText(alice), ''), 10_000);
    await alice.reload().catch(() => undefined);
    await alice.context().setOffline(false);
    await alice.reload();
    await eventually(async () => assert.ok(await visitorId(alice)));
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(await shownText(alice), '', 'not shown after the reload either');
    const late = await visitor();
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(await shownText(late), '', 'a new visitor never gets it');
  });

  it('a visitor below min_core_level gets the plain-text fallback', async () => {
    const modern = await api('POST', '/api/announcements', {
      site: 'demo-shop',
      title: 'New: video consultations',
      body: 'Book a call with our team.',
      min_core_level: 20991231,
      fallback_text: 'Please update this page to see our latest news.',
      expires_at: Date.now() + DAY,
    });
    await api('POST', `/api/announcements/${modern.id as string}/publish`);
    await eventually(async () => assert.match(await shownText(bob), /Please update this page/), SPREAD_MS + 8000);
    assert.doesNotMatch(await shownText(bob), /video consultations/, 'the full version is not sent to an older client');
    const stats = await api('GET', `/api/announcements/${modern.id as string}`);
    assert.ok(((stats.stats as { delivered: number }).delivered) >= 1);
  });

  it('the banner opens the chat, the card (lazy news chunk) replies with the announcement quoted; screenshots at 390 and 1280 px', async () => {
    const holiday = await api('POST', '/api/announcements', {
      site: 'demo-shop',
      title: 'Holiday opening hours',
      body: 'We are closed 24–26 December. Orders placed now ship on the 27th.',
      link_url: 'https://shop.example/holidays',
      link_label: 'See all dates',
      expires_at: Date.now() + DAY,
    });
    await api('POST', `/api/announcements/${holiday.id as string}/publish`);
    for (const [width, height] of [[390, 844], [1280, 800]] as const) {
      const context = await browser.newContext({ viewport: { width, height } });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      const chat = page.locator('cs-chat');
      await chat.locator('cs-news[mode="banner"]').getByRole('button', { name: /Holiday opening hours/ }).waitFor({ timeout: 15_000 });
      await page.screenshot({ path: shot(`announcement-banner-${width}.png`) });
      await chat.locator('cs-news[mode="banner"]').getByRole('button', { name: /Holiday opening hours/ }).click();
      const card = chat.locator('cs-news[mode="card"]');
      await card.getByRole('link', { name: 'See all dates' }).waitFor({ timeout: 15_000 });
      await page.waitForTimeout(400); // the card's entrance animation
      await page.screenshot({ path: shot(`announcement-card-${width}.png`) });
      if (width === 1280) {
        await card.getByRole('button', { name: 'Reply' }).click();
        await chat.locator('.quoting').getByText('Holiday opening hours').waitFor();
        await page.getByRole('textbox', { name: 'Write a message…' }).fill('Do you ship to Norway before then?');
        await page.getByRole('button', { name: 'Send' }).click();
        await eventually(async () => assert.match((await chat.locator('.msg.own .bubble').last().textContent()) ?? '', /> Holiday opening hours\s+Do you ship to Norway/));
        await eventually(async () => {
          const stats = (await api('GET', `/api/announcements/${holiday.id as string}`)).stats as { seen: number; replied: number };
          assert.ok(stats.seen >= 1 && stats.replied === 1, JSON.stringify(stats));
        });
      }
    }
  });
});
