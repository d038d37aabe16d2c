/**
 * Accounts end to end (issue 12), real server process + Chromium: the owner
 * sets up from the printed one-time link, invites an agent who accepts and
 * signs in (listed online), gets a conversation assigned; the owner disables
 * them and their open workbench goes back to the sign-in screen, where they
 * cannot sign in again; wrong passwords end in the rate-limit message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { cs } from '../../proto/gen/chat.js';
import { ApiClient, type AccountJson } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentToken, eventually, freePort, launchChromium, startServerProcess, tempDataDir, UI_TIMEOUT_MS, type ServerProcess } from './harness.js';

/** Screenshots go to test/screenshots/ only when asked (CS_SCREENSHOTS=1), so a test run never rewrites tracked files. */
const shot = (name: string): string => join(process.env.CS_SCREENSHOTS ? 'test/screenshots' : tmpdir(), name);

const OWNER = { name: 'Olivia Owner', email: 'olivia@shop.example', password: 'owner-password-1' };
const AGENT = { name: 'Ada Agent', email: 'ada@shop.example', password: 'agent-password-1' };

describe('accounts in the workbench', () => {
  let server: ServerProcess;
  let data: ReturnType<typeof tempDataDir>;
  let browser: Browser;
  let ownerPage: Page;
  let agentPage: Page;
  const owner = (): ApiClient => ownerApi;
  let ownerApi: ApiClient;
  let agentId = '';
  let setupCode = '';

  before(async () => {
    data = tempDataDir();
    server = await startServerProcess(await freePort(), data.dir);
    await eventually(() => assert.match(server.output(), /setup#code=/));
    setupCode = /setup#code=([\w-]+)/.exec(server.output())?.[1] ?? '';
    browser = await launchChromium();
    ownerPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    data?.remove();
  });

  it('the owner sets up from the printed link; the link works once', async () => {
    await ownerPage.goto(`${server.url}/setup#code=${setupCode}`);
    assert.equal(new URL(ownerPage.url()).hash, '', 'the code leaves the address bar');
    await ownerPage.getByRole('heading', { name: 'Set up your cs-chat' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await ownerPage.screenshot({ path: shot('accounts-setup.png') });
    await ownerPage.getByLabel('Your name').fill(OWNER.name);
    await ownerPage.getByLabel('Email').fill(OWNER.email);
    await ownerPage.getByLabel(/^Password/).fill(OWNER.password);
    await ownerPage.getByRole('button', { name: 'Create owner account' }).click();
    await ownerPage.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });

    const again = await (await browser.newContext()).newPage();
    await again.goto(`${server.url}/setup#code=${setupCode}`);
    await again.getByLabel('Your name').fill('Mallory');
    await again.getByLabel('Email').fill('mallory@evil.example');
    await again.getByLabel(/^Password/).fill('mallory-password');
    await again.getByRole('button', { name: 'Create owner account' }).click();
    await again.getByRole('alert').filter({ hasText: /already used or has expired/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await again.close();

    ownerApi = new ApiClient(server.url);
    await ownerApi.login(OWNER.email, OWNER.password);
  });

  it('an invited agent accepts, is signed in and listed online', async () => {
    const invite = await owner().post<{ url: string }>('/api/invites', { role: 'agent' });
    assert.equal(invite.status, 201);
    const link = new URL(invite.body.url);
    await agentPage.goto(`${server.url}${link.pathname}${link.hash}`);
    await agentPage.getByRole('heading', { name: 'Join your team' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agentPage.screenshot({ path: shot('accounts-invite.png') });
    await agentPage.getByLabel('Your name').fill(AGENT.name);
    await agentPage.getByLabel('Email').fill(AGENT.email);
    await agentPage.getByLabel(/^Password/).fill(AGENT.password);
    await agentPage.getByRole('button', { name: 'Join and sign in' }).click();
    await agentPage.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await eventually(async () => {
      const list = await owner().get<{ accounts: AccountJson[] }>('/api/accounts');
      const ada = list.body.accounts.find((a) => a.email === AGENT.email);
      assert.equal(ada?.online, true);
      agentId = ada.id;
    });
  });

  it('the agent receives a conversation assigned to them', async () => {
    const visitor = await ProtoClient.open(`${server.url.replace('http', 'ws')}/ws`, { site: 'acme' });
    await visitor.send({ text: 'Can Ada help me?' });
    const bot = await ProtoClient.open(`${server.url.replace('http', 'ws')}/ws`, { token: agentToken('router-bot') });
    const mark = bot.mark();
    bot.sendFrame({ action: { conversationId: visitor.conversationId, action: cs.v1.ActionKind.ASSIGN, agentId } });
    await bot.waitFor((f) => f.inboxUpdate?.conversation?.assigneeId === agentId || !!f.error, { since: mark });
    await agentPage.getByRole('listbox', { name: 'Conversations' }).getByRole('option').filter({ hasText: 'Can Ada help me?' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await visitor.close();
    await bot.close();
  });

  it('disabled by the owner: the open workbench closes and the agent cannot sign in again', async () => {
    assert.equal((await owner().patch(`/api/accounts/${agentId}`, { disabled: true })).status, 200);
    await agentPage.getByRole('heading', { name: 'Sign in to the inbox' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agentPage.getByRole('alert').filter({ hasText: /signed out/i }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agentPage.getByLabel('Email').fill(AGENT.email);
    await agentPage.getByLabel('Password').fill(AGENT.password);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByRole('alert').filter({ hasText: 'This account is disabled' }).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('wrong passwords end in a clear rate-limit message', async () => {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 760 } })).newPage();
    await page.goto(`${server.url}/agent`);
    for (let i = 0; i < 6; i++) {
      await page.getByLabel('Email').fill(OWNER.email);
      await page.getByLabel('Password').fill(`wrong-password-${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: i < 5 ? 'Wrong email or password.' : /Too many failed sign-in attempts\. Try again in \d+ minutes?\./ }).waitFor({ timeout: UI_TIMEOUT_MS });
      await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).waitFor({ timeout: UI_TIMEOUT_MS });
    }
    await page.screenshot({ path: shot('accounts-signin-limited-390.png') });
    await page.close();
  });
});
