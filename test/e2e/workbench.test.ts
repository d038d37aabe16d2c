/**
 * The agent workbench's own features in a real browser against the real
 * server: sign-in, claim, canned replies, quoting, private notes, transfer,
 * typing both ways and the visitor details. One visitor and one agent page;
 * the steps build on each other, so they run in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ProtoClient } from '../support/proto-client.js';
import { agentLog, agentToken, bubbleTexts, countBubbles, eventually, UI_TIMEOUT_MS, visitorLog, openChatAndSend, waitForAcked, type ServerProcess } from './harness.js';
import { startStage, type Stage } from './stage.js';

describe('agent workbench', () => {
  const run = Date.now().toString(36);
  const question = `Do you ship to Norway? (${run})`;
  let stage: Stage | undefined;
  let server: ServerProcess;
  let browser: Browser;
  let visitor: Page;
  let agent: Page;

  before(async () => {
    stage = await startStage();
    ({ server, browser, visitor, agent } = stage);
    await visitor.goto(`${server.url}/`);
    await openChatAndSend(visitor, question);
    await waitForAcked(visitor);
  });

  after(() => stage?.stop());

  it('refuses a forged service-token link with a clear message and shows the password sign-in', async () => {
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent('alice.Zm9yZ2VkLXNpZ25hdHVyZQ')}`);
    const alert = agent.getByRole('alert');
    await alert.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await alert.innerText(), /\S/);
    await agent.getByRole('textbox', { name: 'Email' }).waitFor();
  });

  it('signs in with a valid service-token link (tools and tests; people use a password)', async () => {
    await agent.goto('about:blank'); // a new document: only the #fragment would differ otherwise
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    await agent.getByRole('tablist', { name: 'Filter conversations' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(new URL(agent.url()).hash, '', 'the token leaves the address bar');
    assert.equal(await agent.getByRole('button', { name: 'Sign in' }).count(), 0);
  });

  it('lists the conversation as unassigned, shows the visitor details, and claiming moves it to Mine', async () => {
    await agent.getByRole('tab', { name: 'Unassigned' }).click();
    const option = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await option.first().waitFor({ timeout: UI_TIMEOUT_MS });
    await option.first().click();
    const details = agent.getByRole('complementary', { name: 'Visitor details' });
    await details.getByText('demo-shop').waitFor({ timeout: UI_TIMEOUT_MS });
    await details.getByRole('link', { name: /Fern & Flint/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('button', { name: 'Claim' }).click();
    await agentLog(agent).locator('.event', { hasText: 'Alice claimed the conversation' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('tab', { name: 'Mine' }).click();
    await eventually(async () => assert.equal(await option.count(), 1));
    await agent.getByRole('tab', { name: 'Unassigned' }).click();
    await eventually(async () => assert.equal(await option.count(), 0));
    await agent.getByRole('tab', { name: 'Mine' }).click();
  });

  it('typing / offers the canned replies and Enter inserts the highlighted one; the reply quotes the question', async () => {
    await agentLog(agent).getByText(question).hover();
    await agentLog(agent).getByRole('button', { name: 'Reply' }).first().click();
    await agent.getByText('Quoting').waitFor({ timeout: UI_TIMEOUT_MS });
    const reply = agent.getByRole('textbox', { name: 'Reply' });
    await reply.fill('/ship');
    const picker = agent.getByRole('listbox', { name: 'Canned replies' });
    await picker.getByRole('option', { name: /shipping/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await reply.press('Enter');
    const inserted = await reply.inputValue();
    assert.match(inserted, /^Orders ship within/);
    assert.equal(await picker.count(), 0, 'the picker closes after a pick');
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(async () => assert.equal(await countBubbles(visitorLog(visitor), inserted), 1));
    const quote = visitorLog(visitor).locator('.bubble', { hasText: inserted }).locator('.quote');
    assert.match(await quote.innerText(), /Norway/);
  });

  it('a private note shows as a note to agents and never reaches the visitor', async () => {
    const note = `VIP customer, offer free shipping (${run})`;
    const after = `We can ship to Norway in 4-6 days. (${run})`;
    await agent.getByRole('radio', { name: 'Private note' }).click();
    await agent.getByRole('textbox', { name: 'Private note' }).fill(note);
    await agent.getByRole('button', { name: 'Add note' }).click();
    await agentLog(agent).getByRole('note').filter({ hasText: note }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('radio', { name: 'Reply' }).click();
    await agent.getByRole('textbox', { name: 'Reply' }).fill(after);
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    // The reply sent after the note has arrived, so the note would have too.
    await eventually(async () => assert.equal(await countBubbles(visitorLog(visitor), after), 1));
    const texts = await bubbleTexts(visitorLog(visitor));
    assert.ok(!texts.some((t) => t.includes('VIP customer')), `visitor never sees the note: ${JSON.stringify(texts)}`);
    assert.equal(await visitorLog(visitor).getByText('VIP customer').count(), 0);
  });

  it('shows typing both ways', async () => {
    await visitor.getByRole('textbox', { name: 'Write a message…' }).pressSequentially('Thanks', { delay: 30 });
    await agentLog(agent).getByText(/typing/).waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('textbox', { name: 'Reply' }).pressSequentially('One moment', { delay: 30 });
    await visitor.locator('cs-chat').getByText(/typing/).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('transfers the conversation to another agent and records it in the timeline', async () => {
    // The server transfers only to agents that exist: bob is online (a service-token session).
    const bob = await ProtoClient.open(server.url.replace(/^http/, 'ws') + '/ws', { token: agentToken('bob') });
    after(() => bob.close());
    await agent.getByRole('combobox', { name: 'Transfer to agent' }).selectOption({ label: 'bob · online' });
    await agent.getByRole('button', { name: 'Transfer' }).click();
    await agentLog(agent).locator('.event', { hasText: 'Alice transferred the conversation to Bob' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByText('Assigned to bob').waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('tab', { name: 'All' }).click();
    await agent.getByRole('option', { name: /bob/ }).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('a new conversation raises a browser notification and badges the title while the agent is away', async () => {
    const away = await (await browser.newContext()).newPage();
    // The agent allowed notifications and is in another window: record what the page shows.
    // A plain string: the test file is transpiled, and helpers it might call do not exist in the page.
    await away.addInitScript(`
      window.shownNotifications = [];
      function RecordingNotification(title, options) {
        window.shownNotifications.push({ title: title, body: (options && options.body) || '' });
      }
      RecordingNotification.permission = 'granted';
      RecordingNotification.requestPermission = function () { return Promise.resolve('granted'); };
      RecordingNotification.prototype.close = function () {};
      Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true });
      document.hasFocus = function () { return false; };
    `);
    await away.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('carol'))}`);
    await away.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first().waitFor({ timeout: UI_TIMEOUT_MS });
    await new Promise((r) => setTimeout(r, 2500)); // the quiet time after sign-in

    const newcomer = await (await browser.newContext()).newPage();
    await newcomer.goto(`${server.url}/`);
    await openChatAndSend(newcomer, `Hello from a second visitor (${run})`);

    await eventually(async () => {
      const shown = await away.evaluate(() => (window as unknown as { shownNotifications: { title: string }[] }).shownNotifications);
      assert.ok(shown.some((n) => /^New conversation/.test(n.title)), JSON.stringify(shown));
      assert.match(await away.title(), /^\(\d+\) /);
    });
    await newcomer.close();
    await away.close();
  });
});
