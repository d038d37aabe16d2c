/**
 * Accessibility (issue 11): axe-core 4.14 (WCAG 2 A/AA rules) injected into
 * the real pages finds no serious or critical violation on the demo shop with
 * the chat panel open and a message sent, on the workbench sign-in, and on
 * the signed-in workbench with a conversation open. Plus what axe cannot see:
 * the desktop panel is not modal and does not trap Tab.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { agentLog, agentToken, countBubbles, eventually, freePort, launchChromium, startServerProcess, tempDataDir, UI_TIMEOUT_MS, visitorLog, type ServerProcess, openChatAndSend, waitForAcked } from './harness.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: unknown; readonly failureSummary?: string }[];
}

/**
 * Runs axe on the page (evaluated over the DevTools protocol, so the pages'
 * strict CSP does not block it) and returns the serious and critical
 * violations of the WCAG 2 A/AA rules.
 */
async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

function describeViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join(' | ')}`).join('\n');
}

describe('accessibility (axe-core)', () => {
  const question = 'Can I return a rug after 30 days?';
  let server: ServerProcess;
  let data: ReturnType<typeof tempDataDir>;
  let browser: Browser;
  let visitor: Page;
  let agent: Page;

  before(async () => {
    data = tempDataDir();
    server = await startServerProcess(await freePort(), data.dir);
    browser = await launchChromium();
    visitor = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    agent = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    data?.remove();
  });

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
