/**
 * The workbench in Chinese (issue 12), real server process + Chromium: a
 * browser whose language is zh-CN gets the sign-in screen and the inbox in
 * Chinese (top bar, tabs, list, conversation, actions, composer, details);
 * the agent's own language setting wins over the browser (English in a
 * Chinese browser, Chinese in an English one). Axe finds nothing serious;
 * screenshots at 1280 and 390.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ApiClient } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { assertAccessible, OWNER, serverWithOwner, shot, signedInPage } from './admin-helpers.js';
import { launchChromium, UI_TIMEOUT_MS, type ServerProcess } from './harness.js';

describe('workbench in Chinese', () => {
  let server: ServerProcess;
  let owner: ApiClient;
  let remove: () => void;
  let browser: Browser;

  before(async () => {
    ({ server, owner, remove } = await serverWithOwner());
    browser = await launchChromium();
    const visitor = await ProtoClient.open(`${server.url.replace('http', 'ws')}/ws`, { site: 'acme', lang: 'zh-CN' });
    await visitor.send({ text: '请问这个花瓶可以寄到上海吗？' });
    await visitor.close();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    remove?.();
  });

  it('a Chinese browser gets the sign-in screen and the inbox in Chinese', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })).newPage();
    await page.goto(`${server.url}/agent`);
    await page.getByRole('heading', { name: '登录收件箱' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.getByLabel('邮箱').fill(OWNER.email);
    await page.getByLabel('密码').fill(OWNER.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('button', { name: '退出登录' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('tab', { name: /全部/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('listbox', { name: '对话列表' }).getByRole('option').first().click();
    await page.getByRole('button', { name: '接手' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('textbox', { name: '回复' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('complementary', { name: '访客信息' }).getByText('访客 ID').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('region', { name: '此对话中的文件' }).getByText('还没有文件。').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByText('图片和文件：点击附加、粘贴或拖放').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await page.getByText(/Photos and files|No files yet/).count(), 0, 'no English left in the thread and the details');
    await page.screenshot({ path: shot('inbox-zh-1280.png') });
    await assertAccessible(page);
    await page.setViewportSize({ width: 390, height: 800 });
    await page.screenshot({ path: shot('inbox-zh-390.png') });
    await page.context().close();
  });

  it("the agent's own language setting wins over the browser's", async () => {
    assert.equal((await owner.patch('/api/me', { lang: 'en' })).status, 200);
    const zhBrowser = await signedInPage(browser, owner, 1280, 'zh-CN');
    await zhBrowser.goto(`${server.url}/agent`);
    await zhBrowser.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await zhBrowser.getByRole('tab', { name: /All/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await zhBrowser.context().close();

    assert.equal((await owner.patch('/api/me', { lang: 'zh-CN' })).status, 200);
    const enBrowser = await signedInPage(browser, owner, 1280, 'en-US');
    await enBrowser.goto(`${server.url}/agent`);
    await enBrowser.getByRole('button', { name: '退出登录' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await enBrowser.goto(`${server.url}/agent/team`);
    await enBrowser.getByRole('heading', { name: '邀请成员' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await enBrowser.context().close();
  });
});
