/**
 * The workbench at phone and desktop widths (issue 12), real server process
 * and Chromium: the inbox's top bar is one row at 390 px (the links,
 * sound, notifications and sign-out in a "Menu" that opens, closes on
 * Escape and on a click outside) and at 1280 px shows them all inline; the
 * admin pages' navigation shows every page at 390 px with nothing scrolled
 * sideways or cut off, and the long settings page has a section picker
 * that jumps to a section. Screenshots of the inbox, the settings and the team
 * ("agents") pages at 390 and 1280 px, also in Chinese at 390.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ApiClient } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { assertAccessible, invited, serverWithOwner, shot, signedInPage } from './admin-helpers.js';
import { eventually, launchChromium, UI_TIMEOUT_MS, type ServerProcess } from './harness.js';

/** Height of the workbench's top bar, px. */
const barHeight = (page: Page): Promise<number> => page.locator('header.topbar').evaluate((el) => el.getBoundingClientRect().height);

/** True when `locator`'s box lies inside the viewport horizontally. */
async function insideViewport(page: Page, selector: string): Promise<boolean[]> {
  return page.locator(selector).evaluateAll((els) => els.map((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.left >= 0 && box.right <= window.innerWidth + 0.5;
  }));
}

describe('workbench layout at 390 and 1280 px', () => {
  let server: ServerProcess;
  let owner: ApiClient;
  let remove: () => void;
  let browser: Browser;

  before(async () => {
    ({ server, owner, remove } = await serverWithOwner());
    await invited(owner, { name: '王小明', email: 'wang@shop.example', password: 'wang-password-1' });
    browser = await launchChromium();
    const ws = `${server.url.replace('http', 'ws')}/ws`;
    for (const [text, topic] of [
      ['Hi! Where is my order? It was due on Monday.', 'order-1042'],
      ['Can I change the colour of the vase I ordered?', ''],
      ['请问可以开发票吗？', ''],
    ] as const) {
      const visitor = await ProtoClient.open(ws, { site: 'acme', topic, lang: /[\u4e00-\u9fff]/.test(text) ? 'zh-CN' : 'en' });
      await visitor.send({ text });
      await visitor.close();
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    remove?.();
  });

  it('at 390 px the top bar is one row and the rest is in a menu that opens and closes', async () => {
    const page = await signedInPage(browser, owner, 390);
    await page.goto(`${server.url}/agent`);
    await page.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.ok((await barHeight(page)) <= 60, `one row: ${await barHeight(page)} px`);
    const menu = page.getByRole('button', { name: 'Menu' });
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false, 'sign-out waits in the menu');
    assert.deepEqual(await insideViewport(page, 'header.topbar > :not(.menu):not(.spacer)'), [true, true, true, true], 'brand, connection, away toggle and Menu fit the width');
    await page.screenshot({ path: shot('layout-inbox-390.png') });

    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    for (const name of ['Team', 'Settings', 'Announcements']) assert.ok(await page.getByRole('link', { name }).isVisible(), `${name} in the menu`);
    assert.ok(await page.getByRole('button', { name: 'Sign out' }).isVisible());
    assert.ok(await page.getByRole('link', { name: /Olivia Owner/ }).isVisible(), 'who is signed in');
    assert.ok((await insideViewport(page, '.menu > *')).every(Boolean), 'every menu item on screen');
    await page.screenshot({ path: shot('layout-inbox-menu-390.png') });
    await assertAccessible(page);

    await page.keyboard.press('Escape');
    assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'Escape closes it');
    assert.equal(await page.evaluate(() => document.querySelector('cs-inbox')?.shadowRoot?.activeElement?.classList.contains('menu-button')), true, 'focus back on the button');
    await menu.click();
    await page.mouse.click(20, 700);
    assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'a click outside closes it');

    await menu.click();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/agent\/settings$/);
    await page.close();
  });

  it('at 1280 px every top-bar item is in the one row, with no menu button', async () => {
    const page = await signedInPage(browser, owner, 1280);
    await page.goto(`${server.url}/agent`);
    await page.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first().waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first().click();
    assert.ok((await barHeight(page)) <= 60);
    assert.equal(await page.getByRole('button', { name: 'Menu' }).isVisible(), false);
    for (const name of ['Team', 'Settings', 'Announcements']) assert.ok(await page.getByRole('link', { name }).isVisible(), name);
    assert.ok(await page.getByRole('button', { name: 'Sign out' }).isVisible());
    await page.screenshot({ path: shot('layout-inbox-1280.png') });
    await page.close();
  });

  for (const width of [390, 1280]) {
    it(`the settings and team pages at ${width} px show every page link without sideways scrolling`, async () => {
      const page = await signedInPage(browser, owner, width);
      for (const path of ['settings', 'team']) {
        await page.goto(`${server.url}/agent/${path}`);
        const nav = page.getByRole('navigation', { name: 'Workbench pages' });
        await nav.getByRole('link').first().waitFor({ timeout: UI_TIMEOUT_MS });
        await eventually(async () => assert.ok(await page.locator('main h2').first().isVisible()));
        const links = await nav.getByRole('link').allTextContents();
        assert.deepEqual(links.map((l) => l.trim()), ['Team', 'Settings', 'Canned replies', 'Your profile']);
        assert.ok((await insideViewport(page, 'nav a')).every(Boolean), `every page link fully on screen at ${width}`);
        const overflow = await page.locator('nav ul').evaluate((ul) => ul.scrollWidth - ul.clientWidth);
        assert.ok(overflow <= 0, `nothing to scroll sideways (${overflow} px)`);
        assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'the page itself does not scroll sideways');
        await page.screenshot({ path: shot(`layout-${path}-${width}.png`), fullPage: path === 'team' });
        if (path !== 'settings') continue;
        const picker = page.getByLabel('Go to section');
        assert.equal(await picker.isVisible(), width < 760, 'the section picker is for phones');
        if (width > 760) continue;
        await picker.selectOption({ label: 'Email' });
        const heading = page.getByRole('heading', { name: 'Email', exact: true });
        await eventually(async () => {
          const box = await heading.boundingBox();
          const under = await picker.boundingBox();
          assert.ok(box && under && box.y > under.y + under.height && box.y < 300, `the Email section is at the top, under the picker: ${JSON.stringify(box)}`);
        });
        assert.ok(await picker.isVisible(), 'the picker stays under the bar');
        await page.screenshot({ path: shot('layout-settings-jump-390.png') });
      }
      await page.close();
    });
  }

  it('in Chinese at 390 px the bar stays one row and the avatars show given names', async () => {
    const page = await signedInPage(browser, owner, 390, 'zh-CN');
    await page.goto(`${server.url}/agent`);
    await page.getByRole('listbox').getByRole('option').first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.ok((await barHeight(page)) <= 60, `one row: ${await barHeight(page)} px`);
    await page.getByRole('button', { name: '菜单' }).click();
    assert.ok(await page.getByRole('button', { name: '退出登录' }).isVisible());
    await page.screenshot({ path: shot('layout-inbox-zh-menu-390.png') });
    await page.goto(`${server.url}/agent/team`);
    const wang = page.locator('li[data-account="wang@shop.example"] .avatar');
    await wang.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await wang.textContent())?.trim(), '小明');
    await page.screenshot({ path: shot('layout-team-zh-390.png'), fullPage: true });
    await page.close();
  });
});
