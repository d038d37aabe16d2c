/**
 * The workbench's settings and canned-replies pages end to end (issue 12),
 * real server process + Chromium, and what the inbox takes from them: the
 * colour previews live before it is saved; each section saves its own keys;
 * bad input (a colour that is not #rrggbb, an empty greeting, an origin
 * with a path, a taken or malformed shortcut) shows a clear error and
 * changes nothing; canned replies are created, edited, deleted and offered
 * in the composer after `/`; the transfer picker lists agents by name with
 * their online state. Axe finds nothing serious; screenshots at 1280 and 390.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ApiClient } from '../support/api-client.js';
import { cs } from '../../proto/gen/chat.js';
import { ProtoClient } from '../support/proto-client.js';
import { assertAccessible, invited, serverWithOwner, shot, signedInPage } from './admin-helpers.js';
import { agentLog, eventually, launchChromium, UI_TIMEOUT_MS, type ServerProcess } from './harness.js';

interface SettingsJson {
  widget: { color: string; title: string; position: string };
  texts: Record<string, { greeting: string; offline: string }>;
  blocked_words: string[];
  blocked_words_mode: string;
  allowed_origins: string[];
}

describe('workbench settings and canned replies', () => {
  let server: ServerProcess;
  let owner: ApiClient;
  let remove: () => void;
  let browser: Browser;
  let page: Page;
  const settings = async (): Promise<SettingsJson> => (await owner.get<SettingsJson>('/api/settings')).body;
  const section = (name: string) => page.getByRole('region', { name });

  before(async () => {
    ({ server, owner, remove } = await serverWithOwner());
    browser = await launchChromium();
    page = await signedInPage(browser, owner);
    page.on('dialog', (d) => void d.accept());
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    remove?.();
  });

  it('the widget section previews the colour live, refuses a bad one and saves a good one', async () => {
    await page.goto(`${server.url}/agent`);
    await page.getByRole('link', { name: 'Settings' }).click();
    const widget = section('Chat widget');
    await widget.getByLabel('Colour as #rrggbb').waitFor({ timeout: UI_TIMEOUT_MS });
    const before = await settings();

    await widget.getByLabel('Colour as #rrggbb').fill('green');
    await widget.getByRole('button', { name: 'Save' }).click();
    await widget.getByRole('alert').filter({ hasText: 'The colour must look like #4f46e5.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual(await settings(), before, 'nothing changed');

    await widget.getByLabel('Colour as #rrggbb').fill('#0a7d3e');
    const launcher = page.locator('[data-preview="launcher"]');
    await eventually(async () => assert.equal(await launcher.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(10, 125, 62)'));
    assert.equal((await settings()).widget.color, '', 'the preview is not saved yet');
    await widget.getByLabel('Title in the header').fill('Acme Help');
    await widget.getByRole('button', { name: 'Save' }).click();
    await widget.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual((await settings()).widget, { color: '#0a7d3e', title: 'Acme Help', position: 'right' });
  });

  it('texts, blocked words and allowed origins: refusals change nothing, good input is saved', async () => {
    const texts = section('Automatic messages');
    const before = await settings();
    await texts.getByLabel('Greeting').first().fill('');
    await texts.getByRole('button', { name: 'Save' }).click();
    await texts.getByRole('alert').filter({ hasText: 'texts.en.greeting must be 1–1000 characters' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual((await settings()).texts, before.texts);
    await texts.getByLabel('Greeting').first().fill('Welcome to Acme! Ask us anything.');
    await texts.getByLabel('Offline reply').nth(1).fill('我们现在不在线，稍后回复您。');
    await texts.getByRole('button', { name: 'Save' }).click();
    await texts.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const saved = await settings();
    assert.equal(saved.texts.en?.greeting, 'Welcome to Acme! Ask us anything.');
    assert.equal(saved.texts['zh-CN']?.offline, '我们现在不在线，稍后回复您。');
    assert.equal(saved.texts['zh-CN']?.greeting, before.texts['zh-CN']?.greeting);

    const words = section('Blocked words');
    await words.getByRole('textbox', { name: 'Blocked words' }).fill('darn\nheck\n');
    await words.getByLabel('What happens').selectOption('reject');
    await words.getByRole('button', { name: 'Save' }).click();
    await words.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual({ words: (await settings()).blocked_words, mode: (await settings()).blocked_words_mode }, { words: ['darn', 'heck'], mode: 'reject' });
    // Live at once: a visitor's message with a blocked word is refused.
    const visitor = await ProtoClient.open(`${server.url.replace('http', 'ws')}/ws`, { site: 'acme' });
    const refused = await visitor.send({ text: 'darn this parcel' });
    assert.equal(refused.status, cs.v1.AckStatus.REJECTED, JSON.stringify(refused));
    await visitor.close();

    const origins = section('Allowed sites');
    await origins.getByLabel('Allowed origins').fill('https://shop.example/checkout');
    await origins.getByRole('button', { name: 'Save' }).click();
    await origins.getByRole('alert').filter({ hasText: /allowed_origins has an invalid entry/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual((await settings()).allowed_origins, []);
    await origins.getByLabel('Allowed origins').fill(`https://shop.example\n${server.url}`);
    await origins.getByRole('button', { name: 'Save' }).click();
    await origins.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual((await settings()).allowed_origins, ['https://shop.example', server.url]);

    await page.reload();
    await section('Chat widget').getByLabel('Colour as #rrggbb').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await section('Chat widget').getByLabel('Colour as #rrggbb').inputValue(), '#0a7d3e', 'the page shows what is stored');
    await page.screenshot({ path: shot('admin-settings-1280.png'), fullPage: true });
    await assertAccessible(page);
    await page.setViewportSize({ width: 390, height: 900 });
    await page.screenshot({ path: shot('admin-settings-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('canned replies: add, refuse a taken or malformed shortcut, edit, delete', async () => {
    await page.getByRole('link', { name: 'Canned replies' }).click();
    const add = page.getByRole('region', { name: 'Add canned reply' });
    await add.getByLabel('Shortcut').waitFor({ timeout: UI_TIMEOUT_MS });
    const count = async (): Promise<number> => ((await owner.get<{ canned_replies: unknown[] }>('/api/canned-replies')).body.canned_replies).length;

    await add.getByLabel('Shortcut').fill('has space');
    await add.getByLabel('Text').fill('Hello!');
    await add.getByRole('button', { name: 'Add canned reply' }).click();
    await page.getByRole('alert').filter({ hasText: 'shortcut must be 1–32 letters, digits, - or _' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await count(), 0);

    await add.getByLabel('Shortcut').fill('/shipping');
    await add.getByLabel('Text').fill('Orders leave our workshop within 2 days.');
    await add.getByRole('button', { name: 'Add canned reply' }).click();
    await page.locator('li[data-shortcut="shipping"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await add.getByLabel('Shortcut').fill('shipping');
    await add.getByLabel('Text').fill('Again');
    await add.getByRole('button', { name: 'Add canned reply' }).click();
    await page.getByRole('alert').filter({ hasText: /shortcut/i }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await count(), 1, 'a taken shortcut makes nothing');

    await add.getByLabel('Shortcut').fill('bye');
    await add.getByLabel('Text').fill('Bye for now!');
    await add.getByRole('button', { name: 'Add canned reply' }).click();
    await page.locator('li[data-shortcut="bye"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('button', { name: 'Edit /shipping' }).click();
    const list = page.getByRole('region', { name: 'Canned replies' });
    await list.getByLabel('Text').fill('Orders leave our workshop within 1 business day.');
    await list.getByRole('button', { name: 'Save' }).click();
    await page.locator('li[data-shortcut="shipping"]').filter({ hasText: 'within 1 business day' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('button', { name: 'Delete /bye' }).click();
    await eventually(async () => assert.equal(await page.locator('li[data-shortcut="bye"]').count(), 0));
    assert.equal(await count(), 1);
    await page.screenshot({ path: shot('admin-canned-1280.png'), fullPage: true });
    await assertAccessible(page);
    await page.setViewportSize({ width: 390, height: 900 });
    await page.screenshot({ path: shot('admin-canned-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('the inbox offers the saved canned replies after / and transfers to agents picked by name and online state', async () => {
    const ada = await invited(owner, { name: 'Ada Agent', email: 'ada@shop.example', password: 'agent-password-1' });
    await invited(owner, { name: 'Carl Away', email: 'carl@shop.example', password: 'agent-password-1' });
    const adaPage = await signedInPage(browser, ada);
    await adaPage.goto(`${server.url}/agent`);
    await adaPage.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });
    // Agents see the canned replies but cannot change them.
    await adaPage.goto(`${server.url}/agent/canned-replies`);
    await adaPage.locator('li[data-shortcut="shipping"]').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await adaPage.getByRole('button', { name: 'Edit /shipping' }).count(), 0);
    await adaPage.goto(`${server.url}/agent`);
    await adaPage.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });

    const visitor = await ProtoClient.open(`${server.url.replace('http', 'ws')}/ws`, { site: 'acme' });
    await visitor.send({ text: 'When does my parcel ship?' });
    await page.goto(`${server.url}/agent`);
    const row = page.getByRole('listbox', { name: 'Conversations' }).getByRole('option').filter({ hasText: 'When does my parcel ship?' });
    await row.click();
    const reply = page.getByRole('textbox', { name: 'Reply' });
    await reply.fill('/ship');
    await page.getByRole('listbox', { name: 'Canned replies' }).getByRole('option').filter({ hasText: 'within 1 business day' }).click();
    assert.equal(await reply.inputValue(), 'Orders leave our workshop within 1 business day.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await agentLog(page).getByText('Orders leave our workshop within 1 business day.').waitFor({ timeout: UI_TIMEOUT_MS });

    const picker = page.getByRole('combobox', { name: 'Assign to agent' });
    await eventually(async () => {
      await picker.focus();
      const labels = await picker.locator('option').allTextContents();
      assert.deepEqual(labels, ['Assign to…', 'Ada Agent · online', 'Carl Away · offline']);
    });
    await picker.selectOption({ label: 'Ada Agent · online' });
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.getByText('Assigned to Ada Agent').waitFor({ timeout: UI_TIMEOUT_MS });
    await adaPage.getByRole('listbox', { name: 'Conversations' }).getByRole('option').filter({ hasText: 'Orders leave our workshop' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.screenshot({ path: shot('inbox-transfer-picker-1280.png') });
    await visitor.close();
    await adaPage.context().close();
  });
});
