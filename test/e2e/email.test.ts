/**
 * Issue 14 "Must show", end to end: the real built server (a child process),
 * Debian's Chromium for the visitor's widget and the agent's workbench,
 * Debian's Dovecot as the shop's mailbox. The visitor's emailed reply,
 * delivered into the Maildir the way an MTA delivers it, shows in the
 * workbench and, after a reload, in the widget, once and without the quoted
 * email; the same email delivered again stays once; an auto-reply to it is
 * ignored. The steps build on each other, so they run in order.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { replyAddress } from '../../server/src/email/address.js';
import { dovecotInstalled, startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { quotedReply, rawMail } from '../helpers/mail.js';
import {
  agentLog,
  agentToken,
  bubbleTexts,
  countBubbles,
  eventually,
  freePort,
  launchChromium,
  openChatAndSend,
  SECRET,
  startServerProcess,
  tempDataDir,
  UI_TIMEOUT_MS,
  visitorLog,
  waitForAcked,
  type ServerProcess,
} from './harness.js';

const INBOUND_DOMAIN = 'in.shop.example';

describe('issue 14: replies by email reach the conversation (Dovecot, Chromium)', { skip: dovecotInstalled() ? false : 'dovecot-imapd is not installed (.ci/run installs it)' }, () => {
  const run = Date.now().toString(36);
  const question = `Is the oak table back in stock? (${run})`;
  const emailed = `Great, please reserve one for me. (${run})`;
  let dovecot: Dovecot;
  let server: ServerProcess;
  let data: ReturnType<typeof tempDataDir>;
  let browser: Browser;
  let visitorContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let conversationId = '';
  let reply = '';

  before(async () => {
    dovecot = await startDovecot();
    data = tempDataDir();
    server = await startServerProcess(await freePort(), data.dir, { CS_IMAP_URL: dovecot.url, CS_INBOUND_DOMAIN: INBOUND_DOMAIN, CS_IMAP_POLL_MS: '1000' });
    browser = await launchChromium();
    visitorContext = await browser.newContext();
    visitor = await visitorContext.newPage();
    agent = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    data?.remove();
    await dovecot?.stop();
  });

  it('the visitor writes and leaves', async () => {
    await visitor.goto(`${server.url}/`);
    await openChatAndSend(visitor, question);
    await waitForAcked(visitor);
    const listed = await fetch(`${server.url}/api/conversations`, { headers: { Authorization: `Bearer ${agentToken('alice')}` } });
    const body = (await listed.json()) as { conversations: Array<{ id: string }> };
    assert.equal(body.conversations.length, 1);
    conversationId = body.conversations[0]!.id;
    await visitor.close();
  });

  it('the agent has the conversation open in the workbench', async () => {
    await agent.goto(`${server.url}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    await agent.getByRole('tab', { name: 'Unassigned' }).click();
    const option = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await option.first().waitFor({ timeout: UI_TIMEOUT_MS });
    await option.first().click();
    await agentLog(agent).getByText(question).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it("the visitor's emailed reply shows in the workbench once, without the quoted email", async () => {
    const address = replyAddress(conversationId, { secret: SECRET, inboundDomain: INBOUND_DOMAIN });
    reply = rawMail({
      to: `Fern & Flint <${address}>`,
      messageId: `<reply-${run}@visitor.example>`,
      body: quotedReply(emailed, `Yes, it is back in stock.\nFern & Flint`),
    });
    dovecot.deliver(reply);
    const log = agentLog(agent);
    await eventually(async () => assert.equal(await countBubbles(log, emailed), 1), 30_000);
    const texts = await bubbleTexts(log);
    assert.ok(!texts.some((t) => /back in stock\./.test(t) || /wrote:/.test(t)), `no quoted text: ${JSON.stringify(texts)}`);
  });

  it('the visitor sees it in the widget after coming back (reload), once', async () => {
    visitor = await visitorContext.newPage();
    await visitor.goto(`${server.url}/`);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const log = visitorLog(visitor);
    await eventually(async () => {
      assert.equal(await countBubbles(log, question), 1);
      assert.equal(await countBubbles(log, emailed), 1);
    });
    assert.ok(!(await bubbleTexts(log)).some((t) => /wrote:/.test(t)));
  });

  it('the same email delivered again stays once', async () => {
    dovecot.deliver(reply);
    // Imported or found a duplicate, the mail is flagged \Seen: both copies are in cur/ with the S flag.
    await eventually(() => assert.equal(readdirSync(join(dovecot.maildir, 'cur')).filter((name) => /:2,[A-Z]*S/.test(name)).length, 2), 30_000);
    await visitor.reload();
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await eventually(async () => assert.equal(await countBubbles(visitorLog(visitor), question), 1));
    assert.equal(await countBubbles(visitorLog(visitor), emailed), 1);
    assert.equal(await countBubbles(agentLog(agent), emailed), 1);
  });

  it('an auto-reply to the conversation address is ignored', async () => {
    const address = replyAddress(conversationId, { secret: SECRET, inboundDomain: INBOUND_DOMAIN });
    const away = `I am out of the office until Monday. (${run})`;
    const after = `One more question: do you deliver? (${run})`;
    dovecot.deliver(rawMail({ to: address, subject: 'Automatic reply: Your conversation', headers: ['Auto-Submitted: auto-replied', 'X-Autoreply: yes'], body: away }));
    // Mail is looked at in UID order: once the next reply shows, the auto-reply was handled before it.
    dovecot.deliver(rawMail({ to: address, messageId: `<after-${run}@visitor.example>`, body: after }));
    await eventually(async () => assert.equal(await countBubbles(agentLog(agent), after), 1), 30_000);
    assert.equal(await agentLog(agent).getByText('out of the office').count(), 0);
    assert.equal(await countBubbles(agentLog(agent), emailed), 1);
  });
});
