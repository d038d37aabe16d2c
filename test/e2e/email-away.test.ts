/**
 * Away mode and email capture in real Chromium against the real built
 * server, with a real SMTP server on loopback (issue 14, outbound half): a
 * visitor in New York writes while the shop is closed, the header says when
 * the team is back in the visitor's own time, the offline reply says the
 * same, the optional email field appears only after the first message,
 * refuses a bad address, keeps a good one; the agent sees it in the details
 * panel with "Will be emailed", toggles away, replies twice after the
 * visitor left, and exactly one email with both replies reaches the SMTP
 * server. Screenshots at 390 and 1280 px.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { backAtText } from '../../widget/src/core/back-at.js';
import { TestSmtp } from '../helpers/smtp.js';
import { assertAccessible } from './admin-helpers.js';
import { agentLog, agentToken, countBubbles, eventually, UI_TIMEOUT_MS, visitorLog, type ServerProcess } from './harness.js';
import { awayUntilOpenDay, startStage, type Stage } from './stage.js';

const API_TOKEN = 'e2e-email-api-token-0123456789ab';
/** Screenshots go to test/screenshots/ only when asked (CS_SCREENSHOTS=1). */
const shot = (name: string): string => join(process.env.CS_SCREENSHOTS ? 'test/screenshots' : tmpdir(), name);

describe('away mode and email capture', () => {
  let stage: Stage | undefined;
  let server: ServerProcess;
  let smtp: TestSmtp;
  let visitor: Page;
  let agent: Page;
  /** The next opening the server was set up with: two days from now, 09:00 UTC. */
  let nextOpenMs: number;

  before(async () => {
    smtp = await TestSmtp.start();
    stage = await startStage({
      env: { CS_SMTP_URL: smtp.url, CS_MAIL_FROM: 'Acme Support <support@acme.example>', CS_EMAIL_DELAY_MS: '1500', CS_API_TOKEN: API_TOKEN },
      visitor: { viewport: { width: 390, height: 780 }, timezoneId: 'America/New_York', locale: 'en-US' },
      agent: { viewport: { width: 1280, height: 860 } },
    });
    ({ server, visitor, agent } = stage);
    nextOpenMs = await awayUntilOpenDay(server, API_TOKEN, { widget: { title: 'Acme' } });
  });

  after(async () => {
    await stage?.stop();
    await smtp?.close();
  });

  it('the visitor sees when the team is back, in New York time, and the email field only after writing', async () => {
    // The link emails carry ends in #cs-chat: the chat opens by itself.
    await visitor.goto(`${server.url}/#cs-chat`);
    const panel = visitor.locator('cs-chat');
    await panel.getByRole('dialog').waitFor({ timeout: UI_TIMEOUT_MS });
    const back = backAtText(nextOpenMs, Date.now(), 'en', 'America/New_York');
    assert.match(back, /^Back at 04:00 /, '09:00 UTC is 04:00 in New York (EST)');
    await panel.locator('.presence', { hasText: back }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await panel.getByRole('textbox', { name: 'Get the reply by email' }).count(), 0, 'never before the first message');
    await visitor.getByRole('textbox', { name: 'Write a message…' }).fill('Do you ship to Canada?');
    await visitor.getByRole('button', { name: 'Send' }).click();
    // The offline auto-reply says the same, and asks for the email the field is there for.
    const log = visitorLog(visitor);
    await log.locator('.bubble', { hasText: `Our team is away right now. ${back}.` }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await log.innerText(), /Leave your email below to get the reply by email\./);
    const field = panel.getByRole('textbox', { name: 'Get the reply by email' });
    await field.waitFor({ timeout: UI_TIMEOUT_MS });
    await assertAccessible(visitor);
    await visitor.screenshot({ path: shot('email-capture-390.png') });
    await visitor.setViewportSize({ width: 1280, height: 860 });
    await visitor.screenshot({ path: shot('email-capture-1280.png') });
  });

  it('a bad address gets a clear error and nothing is kept; a good one is confirmed in the conversation', async () => {
    const panel = visitor.locator('cs-chat');
    const field = panel.getByRole('textbox', { name: 'Get the reply by email' });
    await field.fill('ann@');
    await panel.getByRole('button', { name: 'Notify me' }).click();
    await panel.getByRole('alert').filter({ hasText: 'Enter an email address such as you@example.com.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await field.fill('ann@example.com');
    await panel.getByRole('button', { name: 'Notify me' }).click();
    await panel.getByText('We will email the reply to ann@example.com.').waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await field.count(), 0, 'the field is gone once the email is kept');
    await visitor.screenshot({ path: shot('email-saved-1280.png') });
  });

  it('the agent sees the email and "Will be emailed", can set themselves away, and two replies after the visitor left make one email', async () => {
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    const conversation = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await conversation.first().waitFor({ timeout: UI_TIMEOUT_MS });
    await conversation.first().click();
    const details = agent.getByRole('complementary', { name: 'Visitor details' });
    await details.getByText('Will be emailed').waitFor({ timeout: UI_TIMEOUT_MS });
    await assertAccessible(agent);
    assert.match(await details.innerText(), /ann@example\.com/);
    await agent.screenshot({ path: shot('email-details-1280.png') });
    // The away toggle.
    await agent.getByRole('button', { name: 'Available' }).click();
    await agent.getByRole('button', { name: 'Away', pressed: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByRole('button', { name: 'Away' }).click();
    await agent.getByRole('button', { name: 'Available' }).waitFor({ timeout: UI_TIMEOUT_MS });

    await visitor.close();
    const log = agentLog(agent);
    for (const text of ['Yes, we ship to Canada.', 'Delivery takes 5–7 days.']) {
      await agent.getByRole('textbox', { name: 'Reply' }).fill(text);
      await agent.getByRole('button', { name: 'Send', exact: true }).click();
      await eventually(async () => assert.equal(await countBubbles(log, text), 1));
    }
    const [mail] = await smtp.waitForMails(1, 20_000);
    assert.deepEqual(mail!.envelopeTo, ['ann@example.com']);
    assert.match(mail!.parsed.text ?? '', /Yes, we ship to Canada\.[^]*Delivery takes 5–7 days\./);
    assert.equal(mail!.header('Auto-Submitted'), 'auto-replied');
    assert.match(mail!.parsed.replyTo?.value[0]?.address ?? '', /^support\+c[a-z2-7]+\.[a-z2-7]{16}@acme\.example$/);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(smtp.mails.length, 1, 'exactly one email for both replies');
  });
});
