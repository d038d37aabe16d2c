/**
 * The delivery promise across a server restart, in real browsers: while the
 * server is down the visitor sends three messages (they wait in the IndexedDB
 * outbox); the server comes back on the same data dir (journal) and port; all
 * three arrive exactly once, in order, on the visitor's and the agent's screen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { agentLog, agentToken, bubbleTexts, countBubbles, eventually, UI_TIMEOUT_MS, visitorLog, openChatAndSend, type ServerProcess } from './harness.js';
import { startStage, type Stage } from './stage.js';

/** The widget reconnects with jittered backoff (cap 20 s): give it room after the restart. */
const RECONNECT_TIMEOUT_MS = 45_000;

describe('server restart while the visitor sends', () => {
  const run = Date.now().toString(36);
  const first = `Hello before the outage (${run})`;
  const offline = [1, 2, 3].map((n) => `Sent while the server was down #${n} (${run})`);
  let stage: Stage | undefined;
  let server: ServerProcess;
  let visitor: Page;
  let agent: Page;

  before(async () => {
    stage = await startStage();
    ({ server, visitor, agent } = stage);
  });

  after(() => stage?.stop());

  it('three messages sent while the server is stopped arrive once, in order, on both sides after it restarts', async () => {
    // A conversation both sides have open.
    await visitor.goto(`${server.url}/`);
    await openChatAndSend(visitor, first);
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('bob'))}`);
    const option = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first();
    await option.waitFor({ timeout: UI_TIMEOUT_MS });
    await option.click();
    await eventually(async () => assert.equal(await countBubbles(agentLog(agent), first), 1));

    await server.stop();
    await visitor.getByRole('status').filter({ hasText: /reconnecting|offline/i }).first().waitFor({ timeout: UI_TIMEOUT_MS });
    const input = visitor.getByRole('textbox', { name: 'Write a message…' });
    for (const text of offline) {
      await input.fill(text);
      await visitor.getByRole('button', { name: 'Send' }).click();
    }
    // Shown at once, waiting in the outbox.
    await eventually(async () => {
      for (const text of offline) assert.equal(await countBubbles(visitorLog(visitor), text), 1);
    });
    assert.ok((await visitorLog(visitor).locator('[data-state="sending"]').count()) >= 1, 'pending messages show as sending');

    server = await stage!.restartServer();

    for (const [side, log] of [['visitor', visitorLog(visitor)], ['agent', agentLog(agent)]] as const) {
      await eventually(async () => {
        const texts = await bubbleTexts(log);
        const seen = texts.filter((t) => t === first || offline.includes(t));
        assert.deepEqual(seen, [first, ...offline], `${side} shows each message once, in order: ${JSON.stringify(texts)}`);
      }, RECONNECT_TIMEOUT_MS);
    }
    await eventually(async () => assert.equal(await visitorLog(visitor).locator('[data-state="sending"]').count(), 0), RECONNECT_TIMEOUT_MS);

    // The server kept them: a fresh load of both pages shows the same.
    await visitor.reload();
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await eventually(async () => {
      const seen = (await bubbleTexts(visitorLog(visitor))).filter((t) => t === first || offline.includes(t));
      assert.deepEqual(seen, [first, ...offline]);
    });
  });
});
