/**
 * The workbench's team and profile pages end to end (issue 12), real server
 * process + Chromium: the owner invites from the Team page (a copyable link)
 * and the invitee joins through it; the member shows online; the owner
 * changes their role, signs them out everywhere, disables (their open
 * workbench closes, they cannot sign in) and enables them; refusals (a bad
 * email, an admin invite by an admin) show the server's message and change
 * nothing. The profile: name, colour, language, password change (wrong
 * current password refused; other sessions signed out), own sessions with
 * sign-out. Axe finds nothing serious; screenshots at 1280 and 390.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, type AccountJson } from '../support/api-client.js';
import { assertAccessible, invited, OWNER, serverWithOwner, shot, signedInPage } from './admin-helpers.js';
import { eventually, launchChromium, UI_TIMEOUT_MS, type ServerProcess } from './harness.js';

const ADA = { name: 'Ada Agent', email: 'ada@shop.example', password: 'agent-password-1' };
const BEN = { name: 'Ben Admin', email: 'ben@shop.example', password: 'admin-password-1' };

describe('workbench team and profile pages', () => {
  let server: ServerProcess;
  let owner: ApiClient;
  let remove: () => void;
  let browser: Browser;
  let ownerPage: Page;
  let adaPage: Page;

  const accounts = async (): Promise<AccountJson[]> => (await owner.get<{ accounts: AccountJson[] }>('/api/accounts')).body.accounts;
  const ada = async (): Promise<AccountJson> => (await accounts()).find((a) => a.email === ADA.email)!;
  const member = (page: Page, email: string) => page.locator(`li[data-account="${email}"]`);

  before(async () => {
    ({ server, owner, remove } = await serverWithOwner());
    browser = await launchChromium();
    ownerPage = await signedInPage(browser, owner);
    ownerPage.on('dialog', (d) => void d.accept());
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    remove?.();
  });

  it('the owner makes an invite link on the Team page; the invitee joins with it and shows online', async () => {
    await ownerPage.goto(`${server.url}/agent`);
    await ownerPage.getByRole('link', { name: 'Team' }).click();
    await ownerPage.getByRole('heading', { name: 'Invite someone' }).waitFor({ timeout: UI_TIMEOUT_MS });

    // Bad input: the server refuses, nothing is made.
    // (the browser takes "ada@shop"; the server wants a dot in the domain).
    await ownerPage.getByLabel('Their email (optional)').fill('ada@shop');
    await ownerPage.getByRole('button', { name: 'Create invite link' }).click();
    await ownerPage.getByRole('alert').filter({ hasText: 'email must be an address like name@example.com' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await owner.get<{ invites: unknown[] }>('/api/invites')).body.invites.length, 0, 'a refused invite makes nothing');

    await ownerPage.getByLabel('Their email (optional)').fill('');
    await ownerPage.getByRole('button', { name: 'Create invite link' }).click();
    const linkBox = ownerPage.getByLabel('Invite link');
    await linkBox.waitFor({ timeout: UI_TIMEOUT_MS });
    const url = await linkBox.inputValue();
    assert.match(url, /\/invite#code=[\w-]+$/);
    await ownerPage.getByRole('button', { name: 'Copy link' }).click();
    await ownerPage.getByRole('button', { name: 'Copied' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await ownerPage.getByRole('list', { name: 'Pending invites' }).getByRole('listitem').first().waitFor({ timeout: UI_TIMEOUT_MS });
    await ownerPage.screenshot({ path: shot('admin-team-invite-1280.png'), fullPage: true });

    adaPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const link = new URL(url);
    await adaPage.goto(`${server.url}${link.pathname}${link.hash}`);
    await adaPage.getByLabel('Your name').fill(ADA.name);
    await adaPage.getByLabel('Email').fill(ADA.email);
    await adaPage.getByLabel(/^Password/).fill(ADA.password);
    await adaPage.getByRole('button', { name: 'Join and sign in' }).click();
    await adaPage.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });

    await eventually(async () => {
      await ownerPage.reload();
      await member(ownerPage, ADA.email).getByText('Online').waitFor({ timeout: 2000 });
    });
    assert.equal((await owner.get<{ invites: unknown[] }>('/api/invites')).body.invites.length, 0, 'the used invite is no longer pending');
    await ownerPage.screenshot({ path: shot('admin-team-1280.png'), fullPage: true });
    await assertAccessible(ownerPage);
  });

  it('the owner changes a role; an admin cannot make admins, and sees the refusal', async () => {
    await member(ownerPage, ADA.email).getByLabel(`Role of ${ADA.name}`).selectOption('admin');
    await ownerPage.getByRole('status').filter({ hasText: `${ADA.name} is now Admin.` }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await ada()).role, 'admin');
    await member(ownerPage, ADA.email).getByLabel(`Role of ${ADA.name}`).selectOption('agent');
    await ownerPage.getByRole('status').filter({ hasText: `${ADA.name} is now Agent.` }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await ada()).role, 'agent');

    // An admin (Ben) manages agents but not admins: the page offers no admin invite, and the server would refuse one.
    const ben = await invited(owner, BEN, 'admin');
    const benPage = await signedInPage(browser, ben, 390);
    await benPage.goto(`${server.url}/agent/team`);
    await benPage.getByRole('heading', { name: 'Invite someone' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual(await benPage.locator('select[name=role]').locator('option').allTextContents(), ['Agent']);
    assert.equal(await member(benPage, OWNER.email).getByRole('button').count(), 0, 'nobody manages the owner');
    assert.equal(await member(benPage, ADA.email).getByRole('button', { name: 'Disable' }).count(), 1, 'an admin manages agents');
    await benPage.screenshot({ path: shot('admin-team-390.png'), fullPage: true });
    await assertAccessible(benPage);
    await benPage.context().close();
  });

  it('sign out everywhere closes the member’s open workbench; they can sign in again', async () => {
    await member(ownerPage, ADA.email).getByRole('button', { name: 'Sign out everywhere' }).click();
    await ownerPage.getByRole('status').filter({ hasText: 'Signed out of 1 session.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await adaPage.getByRole('heading', { name: 'Sign in to the inbox' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await adaPage.getByLabel('Email').fill(ADA.email);
    await adaPage.getByLabel('Password').fill(ADA.password);
    await adaPage.getByRole('button', { name: 'Sign in' }).click();
    await adaPage.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('disable closes the open workbench and refuses sign-in; enable lets them back', async () => {
    await member(ownerPage, ADA.email).getByRole('button', { name: 'Disable' }).click();
    await member(ownerPage, ADA.email).getByText('Disabled').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await ada()).disabled, true);
    await adaPage.getByRole('heading', { name: 'Sign in to the inbox' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await adaPage.getByLabel('Email').fill(ADA.email);
    await adaPage.getByLabel('Password').fill(ADA.password);
    await adaPage.getByRole('button', { name: 'Sign in' }).click();
    await adaPage.getByRole('alert').filter({ hasText: 'This account is disabled' }).waitFor({ timeout: UI_TIMEOUT_MS });

    await member(ownerPage, ADA.email).getByRole('button', { name: 'Enable' }).click();
    await ownerPage.getByRole('status').filter({ hasText: `${ADA.name} can sign in again.` }).waitFor({ timeout: UI_TIMEOUT_MS });
    await adaPage.getByRole('button', { name: 'Sign in' }).click();
    await adaPage.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('an agent edits their own profile and password; a wrong current password changes nothing', async () => {
    // A second session of Ada's (another device), to see the password change sign it out.
    const phone = new ApiClient(server.url);
    await phone.login(ADA.email, ADA.password);

    await adaPage.getByRole('link', { name: ADA.name }).click();
    await adaPage.getByRole('heading', { name: 'Change password' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await adaPage.getByRole('navigation').getByRole('link', { name: 'Settings' }).count(), 0, 'agents get no settings page');
    await adaPage.getByRole('list', { name: 'Where you are signed in' }).getByRole('listitem').nth(1).waitFor({ timeout: UI_TIMEOUT_MS });

    await adaPage.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await adaPage.getByRole('button', { name: '#16a34a' }).click();
    await adaPage.getByRole('button', { name: 'Save', exact: true }).click();
    await adaPage.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const saved = await ada();
    assert.equal(saved.name, 'Ada Lovelace');
    assert.equal(saved.avatar_color, '#16a34a');

    await adaPage.getByLabel('Current password').fill('not-my-password');
    await adaPage.getByLabel('New password (at least 10 characters)').fill('brand-new-password');
    await adaPage.getByLabel('New password again').fill('brand-new-password');
    await adaPage.getByRole('button', { name: 'Change password' }).click();
    await adaPage.getByRole('alert').filter({ hasText: 'the current password is wrong' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await phone.get('/api/me')).status, 200, 'a refused change signs nobody out');
    assert.equal((await new ApiClient(server.url).post('/api/login', { email: ADA.email, password: ADA.password })).status, 200, 'the old password still works');

    await adaPage.getByLabel('Current password').fill(ADA.password);
    await adaPage.getByLabel('New password again').fill('brand-new-passwor');
    await adaPage.getByRole('button', { name: 'Change password' }).click();
    await adaPage.getByRole('alert').filter({ hasText: 'The two new passwords differ.' }).waitFor({ timeout: UI_TIMEOUT_MS });

    await adaPage.getByLabel('New password again').fill('brand-new-password');
    await adaPage.getByRole('button', { name: 'Change password' }).click();
    await adaPage.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await phone.get('/api/me')).status, 401, 'the other device is signed out');
    await eventually(async () => assert.equal(await adaPage.getByRole('list', { name: 'Where you are signed in' }).getByRole('listitem').count(), 1));
    await adaPage.screenshot({ path: shot('admin-profile-1280.png'), fullPage: true });
    await assertAccessible(adaPage);
  });

  it('the profile signs out one of one’s own sessions, and the language setting switches the workbench to Chinese', async () => {
    const tablet = new ApiClient(server.url);
    await tablet.login(ADA.email, 'brand-new-password');
    await adaPage.reload();
    const sessions = adaPage.getByRole('list', { name: 'Where you are signed in' }).getByRole('listitem');
    await sessions.nth(1).waitFor({ timeout: UI_TIMEOUT_MS });
    await sessions.filter({ hasNotText: 'This browser' }).getByRole('button', { name: 'Sign out' }).click();
    await adaPage.getByRole('status').filter({ hasText: 'That session is signed out.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await tablet.get('/api/me')).status, 401);

    await adaPage.getByLabel('Workbench language').selectOption('zh-CN');
    await adaPage.getByRole('button', { name: 'Save', exact: true }).click();
    await adaPage.getByRole('heading', { name: '修改密码' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await adaPage.evaluate(() => document.documentElement.lang), 'zh-CN');
    await adaPage.setViewportSize({ width: 390, height: 900 });
    await adaPage.screenshot({ path: shot('admin-profile-zh-390.png'), fullPage: true });
    await adaPage.getByLabel('工作台语言').selectOption('');
    await adaPage.getByRole('button', { name: '保存', exact: true }).click();
    await adaPage.getByRole('heading', { name: 'Change password' }).waitFor({ timeout: UI_TIMEOUT_MS });
  });
});
