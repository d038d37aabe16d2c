/**
 * Settings reach the shop (issue 12 "Must show"), real server process +
 * Chromium: the shop first shows the default colour and greeting; an admin
 * changes the colour and the English greeting in the workbench's settings
 * page; the shop page, reloaded (no server restart), shows the launcher in
 * the new colour and the new greeting in the empty panel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ApiClient } from '../support/api-client.js';
import { serverWithOwner, shot, signedInPage } from './admin-helpers.js';
import { eventually, launchChromium, UI_TIMEOUT_MS, type ServerProcess } from './harness.js';

describe('widget appearance from the workbench settings', () => {
  let server: ServerProcess;
  let owner: ApiClient;
  let remove: () => void;
  let browser: Browser;
  let shop: Page;

  const launcherColour = (page: Page): Promise<string> =>
    page.locator('cs-chat').getByRole('button', { name: 'Open chat' }).evaluate((e) => getComputedStyle(e).backgroundColor);

  before(async () => {
    ({ server, owner, remove } = await serverWithOwner());
    browser = await launchChromium();
    shop = await (await browser.newContext({ viewport: { width: 390, height: 760 }, locale: 'en-US' })).newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    remove?.();
  });

  it('a colour and greeting changed in the settings page show on the shop after a reload, without a restart', async () => {
    await shop.goto(`${server.url}/`);
    await eventually(async () => assert.equal(await launcherColour(shop), 'rgb(79, 70, 229)', 'the default colour first'));

    const admin = await signedInPage(browser, owner);
    await admin.goto(`${server.url}/agent/settings`);
    const widget = admin.getByRole('region', { name: 'Chat widget' });
    await widget.getByLabel('Colour as #rrggbb').fill('#0a7d3e');
    await widget.getByRole('button', { name: 'Save' }).click();
    await widget.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const texts = admin.getByRole('region', { name: 'Automatic messages' });
    await texts.getByLabel('Greeting').first().fill('Welcome to Fern & Flint! Ask us about any order.');
    await texts.getByRole('button', { name: 'Save' }).click();
    await texts.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });

    await shop.reload();
    await eventually(async () => assert.equal(await launcherColour(shop), 'rgb(10, 125, 62)', 'the new colour on the launcher'));
    await shop.locator('cs-chat').getByRole('button', { name: 'Open chat' }).click();
    await shop.locator('cs-chat').getByText('Welcome to Fern & Flint! Ask us about any order.').waitFor({ timeout: UI_TIMEOUT_MS });
    await shop.waitForTimeout(500); // the panel's opening transition
    await shop.screenshot({ path: shot('shop-config-390.png') });

    // A returning visitor's launcher has the colour before the server answers (remembered), then follows a new one.
    await owner.patch('/api/settings', { widget: { color: '#b45309' } });
    await shop.reload();
    await eventually(async () => assert.equal(await launcherColour(shop), 'rgb(180, 83, 9)'));
    await admin.close();
  });
});
