/**
 * When WebSocket is blocked (issue 17): the shop and the workbench are
 * loaded through a proxy that answers every WebSocket upgrade 502 (as
 * broken corporate proxies do; test/chaos/proxy.ts with its chaos off), so
 * the widget and the workbench must fall back to HTTP streaming. Real
 * server, real Chromium: the widget connects within ~4 s, the visitor–agent
 * loop works both ways with typing and read receipts, a reload resumes,
 * and the choice is remembered so the reload starts on the stream at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ChaosProxy } from '../chaos/proxy.js';
import { agentLog, agentToken, bubbleTexts, countBubbles, eventually, UI_TIMEOUT_MS, visitorLog } from './harness.js';
import { startStage, type Stage } from './stage.js';

/** Requests of one page by path, to see which transport it used. */
function watchRequests(page: Page): { paths: string[] } {
  const seen = { paths: [] as string[] };
  page.on('request', (request) => seen.paths.push(new URL(request.url()).pathname));
  page.on('websocket', (ws) => seen.paths.push(`websocket ${new URL(ws.url()).pathname}`));
  return seen;
}

describe('visitor and agent through a proxy that refuses WebSocket', () => {
  const run = Date.now().toString(36);
  const question = `Does the parcel ship today? (${run})`;
  const answer = `Yes, before 4 pm. (${run})`;
  let stage: Stage | undefined;
  let proxy: ChaosProxy;
  let visitor: Page;
  let agent: Page;
  let base = '';

  before(async () => {
    stage = await startStage();
    ({ visitor, agent } = stage);
    proxy = await ChaosProxy.start(stage.port, { refuseUpgrades: true });
    stage.alsoStop(() => proxy.close());
    proxy.setChaos(false);
    base = `http://127.0.0.1:${proxy.port}`;
  });

  after(() => stage?.stop());

  it('the widget connects over HTTP streaming within ~4 s and the message is acknowledged', async (t) => {
    const requests = watchRequests(visitor);
    await visitor.goto(`${base}/`);
    const loaded = Date.now();
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    // The composer's Send works only while connected: the first message's Ack proves the link.
    await visitor.getByRole('textbox', { name: 'Write a message…' }).fill(question);
    await visitor.getByRole('button', { name: 'Send' }).click();
    const log = visitorLog(visitor);
    await log.locator('[data-state="sent"], [data-state="delivered"], [data-state="read"]').first().waitFor({ timeout: UI_TIMEOUT_MS });
    const connectedMs = Date.now() - loaded;
    t.diagnostic(`first message acknowledged over the fallback ${connectedMs} ms after the page loaded`);
    assert.ok(connectedMs < 4500, `acknowledged ${connectedMs} ms after the page loaded`);
    assert.ok(requests.paths.includes('websocket /ws'), 'WebSocket was tried first');
    assert.ok(requests.paths.includes('/stream') && requests.paths.includes('/send'), `fell back to /stream + /send: ${requests.paths.join(' ')}`);
    assert.equal(await visitor.evaluate(() => JSON.parse(localStorage.getItem('cs-chat:transport') ?? '{}').t), 'stream', 'the choice is remembered');
  });

  it('the agent, also behind the proxy, gets the conversation and replies; the visitor sees it, typing both ways', async () => {
    const requests = watchRequests(agent);
    await agent.goto(`${base}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    const conversation = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await conversation.first().waitFor({ timeout: UI_TIMEOUT_MS });
    await conversation.first().click();
    await eventually(async () => assert.equal(await countBubbles(agentLog(agent), question), 1));
    assert.ok(requests.paths.includes('/stream'), 'the workbench fell back too');
    // Typing, visitor -> agent and agent -> visitor.
    await visitor.getByRole('textbox', { name: 'Write a message…' }).pressSequentially('Thanks', { delay: 30 });
    await agentLog(agent).getByText(/typing/).waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('textbox', { name: 'Reply' }).pressSequentially(answer, { delay: 5 });
    await visitor.locator('cs-chat').getByText(/typing/).waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(async () => {
      const texts = await bubbleTexts(visitorLog(visitor));
      assert.equal(texts.filter((t) => t === answer).length, 1, JSON.stringify(texts));
      assert.ok(texts.indexOf(question) < texts.indexOf(answer), JSON.stringify(texts));
    });
  });

  it('read receipts cross the fallback: the agent sees its reply read', async () => {
    await agentLog(agent).locator('.msg.own [data-state="read"]').waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('a reload starts on the stream at once (remembered) and resumes the whole history, each message once', async () => {
    const requests = watchRequests(visitor);
    await visitor.reload();
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const log = visitorLog(visitor);
    await eventually(async () => {
      assert.equal(await countBubbles(log, question), 1);
      assert.equal(await countBubbles(log, answer), 1);
    });
    assert.ok(!requests.paths.includes('websocket /ws'), `no WebSocket wait on the reload: ${requests.paths.join(' ')}`);
    const after = `And a spare lid? (${run})`;
    await visitor.getByRole('textbox', { name: 'Write a message…' }).fill(after);
    await visitor.getByRole('button', { name: 'Send' }).click();
    await eventually(async () => assert.equal(await countBubbles(agentLog(agent), after), 1));
  });
});
