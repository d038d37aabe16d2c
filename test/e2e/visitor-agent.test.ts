/**
 * The whole loop in a real browser against the real server: a visitor on the
 * demo shop talks to an agent in the workbench. Each step builds on the one
 * before (the same server, visitor and agent), so they run in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { agentLog, agentToken, bubbleTexts, countBubbles, eventually, UI_TIMEOUT_MS, visitorLog, type ServerProcess } from './harness.js';
import { startStage, type Stage } from './stage.js';

describe('visitor and agent in real browsers', () => {
  const run = Date.now().toString(36);
  const question = `Is the speckled mug dishwasher safe? (${run})`;
  const answer = `Yes, it is dishwasher and microwave safe. (${run})`;
  let stage: Stage | undefined;
  let server: ServerProcess;
  let visitorContext: BrowserContext;
  let visitor: Page;
  let agent: Page;

  before(async () => {
    stage = await startStage();
    ({ server, visitorContext, visitor, agent } = stage);
  });

  after(() => stage?.stop());

  it('the visitor opens the widget on the shop page and sends a message that the server acknowledges', async () => {
    await visitor.goto(`${server.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const input = visitor.getByRole('textbox', { name: 'Write a message…' });
    await input.fill(question);
    await visitor.getByRole('button', { name: 'Send' }).click();
    const log = visitorLog(visitor);
    await eventually(async () => assert.equal(await countBubbles(log, question), 1));
    await log.locator('[data-state="sent"], [data-state="delivered"], [data-state="read"]').first().waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('the agent signs in with a token, sees the new conversation with its preview, opens it and replies', async () => {
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    // The only conversation on this fresh server.
    const conversation = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await conversation.first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await conversation.count(), 1);
    // The link's token left the address bar and the history entry, and is not remembered (issue 10).
    assert.equal(await agent.evaluate(() => location.hash), '');
    assert.equal(await agent.evaluate(() => JSON.stringify(Object.values(localStorage)).includes('alice.')), false);
    // Unread visitor messages badge the tab title until the agent opens the conversation.
    await eventually(async () => assert.match(await agent.title(), /^\(\d+\) Inbox/));
    await conversation.click();
    const log = agentLog(agent);
    await eventually(async () => assert.equal(await countBubbles(log, question), 1));
    await agent.getByRole('textbox', { name: 'Reply' }).fill(answer);
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(async () => assert.equal(await countBubbles(log, answer), 1));
    await eventually(async () => assert.equal(await agent.title(), 'Inbox — cs-chat'));
  });

  it('the visitor sees the agent reply after the question, and the agent sees it read', async () => {
    const log = visitorLog(visitor);
    await eventually(async () => {
      const texts = await bubbleTexts(log);
      assert.equal(texts.filter((t) => t === answer).length, 1, `reply once in ${JSON.stringify(texts)}`);
      assert.ok(texts.indexOf(question) < texts.indexOf(answer), `question before answer in ${JSON.stringify(texts)}`);
    });
    // The visitor has the panel open, so the reply counts as read: a receipt reaches the agent.
    await agentLog(agent).locator('.msg.own [data-state="read"]').waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('the visitor reloads the page and the whole history is there, each message once', async () => {
    await visitor.reload();
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const log = visitorLog(visitor);
    await eventually(async () => {
      assert.equal(await countBubbles(log, question), 1);
      assert.equal(await countBubbles(log, answer), 1);
    });
  });

  it('a second tab of the same visitor shows the same messages once', async () => {
    const second = await visitorContext.newPage();
    await second.goto(`${server.url}/`);
    await second.getByRole('button', { name: 'Open chat' }).click();
    const log = visitorLog(second);
    await eventually(async () => {
      const texts = await bubbleTexts(log);
      assert.equal(texts.filter((t) => t === question).length, 1, JSON.stringify(texts));
      assert.equal(texts.filter((t) => t === answer).length, 1, JSON.stringify(texts));
      assert.deepEqual(texts, await bubbleTexts(visitorLog(visitor)), 'both tabs show the same timeline');
    });
    await second.close();
  });

  it('the agent resolves the conversation and the visitor sees it resolved', async () => {
    await agent.getByRole('button', { name: 'Resolve' }).click();
    await agent.getByRole('button', { name: 'Reopen' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agentLog(agent).locator('.event', { hasText: /resolved/i }).first().waitFor({ timeout: UI_TIMEOUT_MS });
    await visitorLog(visitor).locator('.event', { hasText: /resolved/i }).first().waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('tab', { name: 'Resolved' }).click();
    await agent.getByRole('option', { name: /resolved/ }).first().waitFor({ timeout: UI_TIMEOUT_MS });
  });
});
