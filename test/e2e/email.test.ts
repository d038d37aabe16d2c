/**
 * Issue 14 "Must show", end to end, in one story: the real built server (a
 * child process), Debian's Chromium for the visitor's widget and the agent's
 * workbench, a real SMTP server on loopback (smtp-server) as the shop's
 * outgoing mail, and Debian's Dovecot as its mailbox. A visitor in New York
 * writes while the shop is closed, sees when the team is back in their own
 * time and the email field, leaves an email and closes the tab; the agent
 * replies twice while the SMTP server is down; once it is back exactly one
 * email with both replies goes out, threaded, with a Reply-To naming the
 * conversation. The visitor answers that email (delivered into the Maildir
 * as an MTA would): the answer shows in the workbench and, after coming
 * back, in the widget, once and without the quoted email; the same email
 * delivered again stays once; an auto-reply to it is ignored. The steps
 * build on each other, so they run in order.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { backAtText } from '../../widget/src/core/back-at.js';
import { dovecotInstalled, startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { quotedReply, rawMail } from '../helpers/mail.js';
import { TestSmtp, type ReceivedMail } from '../helpers/smtp.js';
import { agentLog, agentToken, bubbleTexts, countBubbles, eventually, UI_TIMEOUT_MS, visitorLog, type ServerProcess } from './harness.js';
import { awayUntilOpenDay, startStage, type Stage } from './stage.js';

const API_TOKEN = 'e2e-email-api-token-0123456789ab';
const DELAY_MS = 2000;

describe('issue 14 must show: away, email capture, one email for two replies, the emailed answer back in the conversation', { skip: dovecotInstalled() ? false : 'dovecot-imapd is not installed (.ci/run installs it)' }, () => {
  const run = Date.now().toString(36);
  const question = `Is the oak table back in stock? (${run})`;
  const replies = [`Yes, it is back since Monday. (${run})`, `Shall we reserve one for you? (${run})`];
  const answer = `Great, please reserve one for me. (${run})`;
  let dovecot: Dovecot;
  let smtp: TestSmtp;
  let stage: Stage | undefined;
  let server: ServerProcess;
  let visitorContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let nextOpenMs = 0;
  let email: ReceivedMail;
  let emailedAnswer = '';

  before(async () => {
    dovecot = await startDovecot();
    smtp = await TestSmtp.start();
    stage = await startStage({
      env: {
        CS_SMTP_URL: smtp.url,
        CS_MAIL_FROM: 'Fern & Flint <shop@shop.example>',
        CS_EMAIL_DELAY_MS: String(DELAY_MS),
        CS_IMAP_URL: dovecot.url,
        CS_IMAP_POLL_MS: '1000',
        CS_API_TOKEN: API_TOKEN,
      },
      visitor: { timezoneId: 'America/New_York', locale: 'en-US' },
    });
    ({ server, visitorContext, visitor, agent } = stage);
    // The shop is away now.
    nextOpenMs = await awayUntilOpenDay(server, API_TOKEN);
  });

  after(async () => {
    await stage?.stop();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('the visitor writes while away, sees "Back at …" in their own time and the email field, leaves an email and closes the tab', async () => {
    await visitor.goto(`${server.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const panel = visitor.locator('cs-chat');
    const back = backAtText(nextOpenMs, Date.now(), 'en', 'America/New_York');
    assert.match(back, /^Back at 04:00 /, '09:00 UTC is 04:00 in New York');
    await panel.locator('.presence', { hasText: back }).waitFor({ timeout: UI_TIMEOUT_MS });
    await visitor.getByRole('textbox', { name: 'Write a message…' }).fill(question);
    await visitor.getByRole('button', { name: 'Send' }).click();
    const field = panel.getByRole('textbox', { name: 'Get the reply by email' });
    await field.waitFor({ timeout: UI_TIMEOUT_MS });
    await field.fill('ann@visitor.example');
    await panel.getByRole('button', { name: 'Notify me' }).click();
    await panel.getByText('We will email the reply to ann@visitor.example.').waitFor({ timeout: UI_TIMEOUT_MS });
    await visitor.close();
  });

  it('the agent replies twice; with SMTP down during the delay, exactly one email with both replies goes out once it is back, threaded, with the Reply-To', async () => {
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    const option = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await option.first().waitFor({ timeout: UI_TIMEOUT_MS });
    await option.first().click();
    const log = agentLog(agent);
    await log.getByText(question).waitFor({ timeout: UI_TIMEOUT_MS });
    await smtp.down();
    for (const text of replies) {
      await agent.getByRole('textbox', { name: 'Reply' }).fill(text);
      await agent.getByRole('button', { name: 'Send', exact: true }).click();
      await eventually(async () => assert.equal(await countBubbles(log, text), 1));
    }
    // Past the delay with SMTP down: nothing can have been delivered.
    await new Promise((r) => setTimeout(r, DELAY_MS + 2000));
    assert.equal(smtp.mails.length, 0);
    await smtp.up();
    // The first retry comes 15–30 s after the failed attempt.
    [email] = (await smtp.waitForMails(1, 60_000)) as [ReceivedMail];
    assert.match(server.output(), /SMTP failed, will retry/, 'an attempt was made while SMTP was down');
    assert.deepEqual(email.envelopeTo, ['ann@visitor.example']);
    const text = email.parsed.text ?? '';
    assert.ok(text.indexOf(replies[0]!) >= 0 && text.indexOf(replies[1]!) > text.indexOf(replies[0]!), `both replies, in order: ${text}`);
    assert.match(email.messageId, /^<cs\.[a-z2-7.]+\.[A-Za-z0-9-]+@/);
    assert.match(email.header('In-Reply-To'), /^<cs\./);
    assert.match(email.header('References'), /<cs\./);
    assert.equal(email.header('Auto-Submitted'), 'auto-replied');
    assert.match(email.parsed.replyTo?.value[0]?.address ?? '', /^shop\+c[a-z2-7]{27}\.[a-z2-7]{16}@shop\.example$/);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(smtp.mails.length, 1, 'exactly one email, once');
  });

  it("the visitor answers the email: the answer shows in the workbench once, without the quoted email", async () => {
    const replyTo = email.parsed.replyTo?.value[0]?.address ?? '';
    emailedAnswer = rawMail({
      from: 'Ann <ann@visitor.example>',
      to: `Fern & Flint <${replyTo}>`,
      subject: `Re: ${email.parsed.subject ?? ''}`,
      messageId: `<answer-${run}@visitor.example>`,
      inReplyTo: email.messageId,
      references: `${email.header('References')} ${email.messageId}`,
      body: quotedReply(answer, email.parsed.text ?? ''),
    });
    dovecot.deliver(emailedAnswer);
    const log = agentLog(agent);
    await eventually(async () => assert.equal(await countBubbles(log, answer), 1), 30_000);
    const texts = await bubbleTexts(log);
    assert.ok(!texts.some((t) => /wrote:/.test(t)), `no quoted text: ${JSON.stringify(texts)}`);
    for (const text of replies) assert.equal(await countBubbles(log, text), 1, 'the quoted replies were not imported again');
  });

  it('the visitor comes back (reload): the widget shows the answer once', async () => {
    visitor = await visitorContext.newPage();
    await visitor.goto(`${server.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const log = visitorLog(visitor);
    await eventually(async () => {
      assert.equal(await countBubbles(log, question), 1);
      assert.equal(await countBubbles(log, answer), 1);
      for (const text of replies) assert.equal(await countBubbles(log, text), 1);
    });
    assert.ok(!(await bubbleTexts(log)).some((t) => /wrote:/.test(t)));
  });

  it('the same email delivered again stays once', async () => {
    dovecot.deliver(emailedAnswer);
    // Imported or found a duplicate, the mail is flagged \Seen: both copies are in cur/ with the S flag.
    await eventually(() => assert.equal(readdirSync(join(dovecot.maildir, 'cur')).filter((name) => /:2,[A-Z]*S/.test(name)).length, 2), 30_000);
    await visitor.reload();
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await eventually(async () => assert.equal(await countBubbles(visitorLog(visitor), question), 1));
    assert.equal(await countBubbles(visitorLog(visitor), answer), 1);
    assert.equal(await countBubbles(agentLog(agent), answer), 1);
  });

  it('an auto-reply to the email is ignored, and nothing is emailed back', async () => {
    const replyTo = email.parsed.replyTo?.value[0]?.address ?? '';
    const later = `One more question: do you deliver? (${run})`;
    dovecot.deliver(
      rawMail({
        from: 'Ann <ann@visitor.example>',
        to: replyTo,
        subject: `Automatic reply: ${email.parsed.subject ?? ''}`,
        inReplyTo: email.messageId,
        headers: ['Auto-Submitted: auto-replied', 'X-Autoreply: yes'],
        body: `I am out of the office until Monday. (${run})`,
      }),
    );
    // Mail is looked at in UID order: once the next answer shows, the auto-reply was handled before it.
    dovecot.deliver(rawMail({ from: 'Ann <ann@visitor.example>', to: replyTo, messageId: `<later-${run}@visitor.example>`, inReplyTo: email.messageId, body: later }));
    await eventually(async () => assert.equal(await countBubbles(agentLog(agent), later), 1), 30_000);
    assert.equal(await agentLog(agent).getByText('out of the office').count(), 0);
    assert.equal(await countBubbles(agentLog(agent), answer), 1);
    assert.equal(smtp.mails.length, 1, 'no email answers the auto-reply');
  });
});
