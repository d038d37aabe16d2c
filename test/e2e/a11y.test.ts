/**
 * Accessibility (issue 11): axe-core 4.14 (WCAG 2 A/AA rules) injected into
 * the real pages finds no serious or critical violation on the demo shop with
 * the chat panel open and a message sent, on the workbench sign-in, and on
 * the signed-in workbench with a conversation open. Plus what axe cannot see:
 * the desktop panel is not modal and does not trap Tab.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { describeViolations, seriousViolations } from './axe.js';
import { agentLog, agentToken, countBubbles, eventually, UI_TIMEOUT_MS, type ServerProcess, openChatAndSend, waitForAcked } from './harness.js';
import { startStage, type Stage } from './stage.js';

describe('accessibility (axe-core)', () => {
  const question = 'Can I return a rug after 30 days?';
  let stage: Stage | undefined;
  let server: ServerProcess;
  let visitor: Page;
  let agent: Page;

  before(async () => {
    stage = await startStage({ visitor: { viewport: { width: 1280, height: 900 } } });
    ({ server, visitor, agent } = stage);
  });

  after(() => stage?.stop());

  it('the demo shop with the chat panel open and a message sent has no serious or critical violation', async () => {
    await visitor.goto(`${server.url}/`);
    await openChatAndSend(visitor, question);
    await waitForAcked(visitor);
    const violations = await seriousViolations(visitor);
    assert.equal(violations.length, 0, describeViolations(violations));
  });

  it('on desktop the open panel is not modal and Tab moves on to the page', async () => {
    const dialog = visitor.locator('cs-chat').getByRole('dialog');
    assert.equal(await dialog.getAttribute('aria-modal'), null, 'a panel beside the page is not modal');
    await visitor.getByRole('textbox', { name: 'Write a message…' }).focus();
    let left = false;
    for (let i = 0; i < 12 && !left; i++) {
      await visitor.keyboard.press('Tab');
      left = await visitor.evaluate(() => document.activeElement?.tagName.toLowerCase() !== 'cs-chat');
    }
    assert.ok(left, 'focus leaves the chat panel within 12 Tabs (not trapped)');
  });

  it('the workbench sign-in has no serious or critical violation', async () => {
    await agent.goto(`${server.url}/agent`);
    await agent.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const violations = await seriousViolations(agent);
    assert.equal(violations.length, 0, describeViolations(violations));
  });

  it('the signed-in workbench with a conversation open has no serious or critical violation', async () => {
    agent = await agent.context().newPage();
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    const row = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first();
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    await row.click();
    await eventually(async () => assert.equal(await countBubbles(agentLog(agent), question), 1));
    const violations = await seriousViolations(agent);
    assert.equal(violations.length, 0, describeViolations(violations));
  });
});
