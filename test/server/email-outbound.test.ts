/**
 * Outbound email (issue 14) against a real SMTP server on loopback
 * (test/helpers/smtp.ts), with an injected clock for the delay: agent
 * replies the visitor has not seen go out after the delay as one email,
 * threaded, with the reply address, Auto-Submitted, one-click unsubscribe
 * (honoured) and the link back; SMTP down means later, not never; a crash
 * between the SMTP server's OK and the record resends the same email (same
 * Message-ID), never a second one; transcripts on resolve; agent alerts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { conversationOfMessageId, parseReplyAddress } from '../../server/src/email/address.js';
import type { OutboxEntry } from '../../server/src/email/outbox.js';
import { ApiClient } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/server.js';
import { TestSmtp } from '../helpers/smtp.js';

const DELAY = 180_000;
const FROM = 'Acme Support <support@acme.example>';
const API_TOKEN = 'email-outbound-api-token-0123456';
const BEARER = { headers: { Authorization: `Bearer ${API_TOKEN}` } };

let smtp: TestSmtp;
before(async () => {
  smtp = await TestSmtp.start();
});
after(async () => {
  await smtp.close();
});

const running: TestServer[] = [];
const clients: ProtoClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  smtp.mails.length = 0;
  smtp.refuseWith = 0;
});

interface Setup {
  server: TestServer;
  clock: { now: number };
  visitor: ProtoClient;
  agent: ProtoClient;
  conversationId: string;
}

async function serve(overrides: Parameters<typeof startTestServer>[0] = {}, clock = { now: Date.now() }): Promise<{ server: TestServer; clock: { now: number } }> {
  const server = await startTestServer({ smtpUrl: smtp.url, mailFrom: FROM, emailDelayMs: DELAY, emailClock: () => clock.now, apiToken: API_TOKEN, coalesceMs: 20, ...overrides });
  running.push(server);
  return { server, clock };
}

async function open(server: TestServer, hello: cs.v1.Hello.$Properties): Promise<ProtoClient> {
  const client = await ProtoClient.open(server.wsUrl, hello);
  clients.push(client);
  return client;
}

/** A visitor writes on a shop page, leaves an email and closes the tab; an agent is connected. */
async function visitorLeavesEmail(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<Setup> {
  const { server, clock } = await serve(overrides);
  server.accounts.settings.update({ widget: { title: 'Acme', color: '#0a7d3e' } }, 'test');
  const visitor = await open(server, { site: 'shop', lang: 'en', pageUrl: 'https://acme.example/shoes?id=7' });
  const conversationId = visitor.conversationId;
  await visitor.send({ text: 'Do you have these in size 44?' });
  visitor.sendFrame({ contact: { conversationId, email: 'ann@example.com', name: 'Ann' } });
  await visitor.waitFor((f) => !!f.contact);
  await visitor.close();
  const agent = await open(server, { token: server.agentToken('alice') });
  return { server, clock, visitor, agent, conversationId };
}

async function agentSays(agent: ProtoClient, conversationId: string, text: string): Promise<void> {
  const ack = await agent.send({ conversationId, text });
  assert.equal(ack.status, cs.v1.AckStatus.OK);
}

/** Moves the injected clock and runs the email loop once. */
async function advance(s: { server: TestServer; clock: { now: number } }, ms: number): Promise<void> {
  s.clock.now += ms;
  await s.server.email.runDue();
}

/** No mail arrives within a short while (the loop already ran; this catches stragglers). */
async function noMoreMail(count: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(smtp.mails.length, count, `exactly ${count} mail(s): ${smtp.mails.map((m) => m.parsed.subject).join(' | ')}`);
}

describe('replies by email', () => {
  test('two agent replies the visitor did not see: after the delay, exactly one email with both, threaded, with the reply address', async () => {
    const s = await visitorLeavesEmail();
    await agentSays(s.agent, s.conversationId, 'Yes, we have size 44.');
    await agentSays(s.agent, s.conversationId, 'Shall I reserve a pair for you?');
    await advance(s, DELAY - 5_000);
    await noMoreMail(0);
    await advance(s, 35_000);
    const [mail] = await smtp.waitForMails(1);
    await advance(s, 60_000);
    await noMoreMail(1);

    assert.deepEqual(mail!.envelopeTo, ['ann@example.com']);
    assert.equal(mail!.parsed.from?.value[0]?.address, 'support@acme.example');
    assert.match(mail!.parsed.text ?? '', /Yes, we have size 44\.[^]*Shall I reserve a pair for you\?/);
    assert.doesNotMatch(mail!.parsed.text ?? '', /size 44\?/, 'the visitor\'s own question is not repeated in a reply email');
    const html = String(mail!.parsed.html);
    assert.match(html, /Acme/);
    assert.match(html, /#0a7d3e/, 'the shop colour');
    assert.match(html, /Shall I reserve a pair for you\?/);
    // Threading and reply headers.
    assert.match(mail!.messageId, /^<cs\.[^@>]+@acme\.example>$/);
    assert.equal(conversationOfMessageId(mail!.messageId, { secret: TEST_SECRET }), s.conversationId, 'the Message-ID names the conversation');
    assert.equal(s.server.email.outbox.ofConversation(s.conversationId)[0]?.messageId, mail!.messageId, 'the Message-ID is recorded per conversation');
    assert.match(mail!.header('References'), /<cs\.[^>]+\.thread@acme\.example>/);
    assert.ok(mail!.header('In-Reply-To'));
    const replyTo = mail!.parsed.replyTo?.value[0]?.address ?? '';
    assert.equal(parseReplyAddress(replyTo, { secret: TEST_SECRET }), s.conversationId, `Reply-To ${replyTo} names the conversation`);
    assert.equal(mail!.header('Auto-Submitted'), 'auto-replied');
    assert.match(mail!.header('List-Unsubscribe'), /^<http:\/\/127\.0\.0\.1:\d+\/email\/unsubscribe\?c=[^>]+&t=[^>]+>$/);
    assert.equal(mail!.header('List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    // The link back to the shop page reopens the chat there.
    assert.match(mail!.parsed.text ?? '', /https:\/\/acme\.example\/shoes\?id=7#cs-chat/);
  });

  test('the next reply is a second email in the same thread', async () => {
    const s = await visitorLeavesEmail();
    await agentSays(s.agent, s.conversationId, 'First answer.');
    await advance(s, DELAY + 30_000);
    const [first] = await smtp.waitForMails(1);
    await agentSays(s.agent, s.conversationId, 'Second answer.');
    await advance(s, DELAY + 30_000);
    const [, second] = await smtp.waitForMails(2);
    assert.equal(second!.header('In-Reply-To'), first!.messageId);
    assert.ok(second!.header('References').includes(first!.messageId));
    assert.doesNotMatch(second!.parsed.text ?? '', /First answer/, 'an email never carries what an earlier one did');
    assert.equal(second!.parsed.subject, first!.parsed.subject, 'one subject per conversation');
  });

  test('a visitor who saw the replies in the widget gets no email', async () => {
    const { server, clock } = await serve();
    const visitor = await open(server, { site: 'shop', lang: 'en' });
    await visitor.send({ text: 'hello' });
    visitor.sendFrame({ contact: { conversationId: visitor.conversationId, email: 'ann@example.com' } });
    const agent = await open(server, { token: server.agentToken('alice') });
    await agentSays(agent, visitor.conversationId, 'Hi! How can I help?');
    const shown = await visitor.waitFor((f) => (f.deliver?.messages ?? []).some((m) => m.text === 'Hi! How can I help?'));
    visitor.sendFrame({ read: { conversationId: visitor.conversationId, upToSeq: shown.deliver?.messages?.[0]?.seq ?? 0 } });
    await new Promise((r) => setTimeout(r, 100));
    await advance({ server, clock }, DELAY + 30_000);
    await noMoreMail(0);
  });

  test('an email left after the replies: they go out once the delay since the first has passed', async () => {
    const { server, clock } = await serve();
    const visitor = await open(server, { site: 'shop', lang: 'en' });
    await visitor.send({ text: 'hello' });
    const agent = await open(server, { token: server.agentToken('alice') });
    await agentSays(agent, visitor.conversationId, 'Hello! Which order?');
    await advance({ server, clock }, DELAY + 30_000);
    await noMoreMail(0);
    visitor.sendFrame({ contact: { conversationId: visitor.conversationId, email: 'late@example.com' } });
    await visitor.waitFor((f) => !!f.contact);
    await advance({ server, clock }, 1);
    const [mail] = await smtp.waitForMails(1);
    assert.deepEqual(mail!.envelopeTo, ['late@example.com']);
  });

  test('SMTP down during the delay: the email goes out once it is back, once', async () => {
    const s = await visitorLeavesEmail();
    await agentSays(s.agent, s.conversationId, 'Reply one.');
    await agentSays(s.agent, s.conversationId, 'Reply two.');
    await smtp.down();
    try {
      await advance(s, DELAY + 30_000);
      const [entry] = s.server.email.outbox.ofConversation(s.conversationId);
      assert.equal(entry?.state, 'pending');
      assert.equal(entry?.attempts, 1);
      assert.match(entry?.lastError ?? '', /ECONNREFUSED/);
      // Before the backoff has passed nothing is tried again.
      await advance(s, 1000);
      assert.equal(s.server.email.outbox.ofConversation(s.conversationId)[0]?.attempts, 1);
    } finally {
      await smtp.up();
    }
    await advance(s, 60_000);
    const [mail] = await smtp.waitForMails(1);
    assert.match(mail!.parsed.text ?? '', /Reply one\.[^]*Reply two\./);
    await advance(s, 3_600_000);
    await noMoreMail(1);
    assert.equal(s.server.email.outbox.ofConversation(s.conversationId).length, 1);
  });

  test('a temporary refusal (451) is retried; a permanent one (5xx) is given up and logged', async () => {
    const s = await visitorLeavesEmail();
    await agentSays(s.agent, s.conversationId, 'Reply.');
    smtp.refuseWith = 451;
    await advance(s, DELAY + 30_000);
    assert.equal(s.server.email.outbox.ofConversation(s.conversationId)[0]?.state, 'pending');
    smtp.refuseWith = 0;
    await advance(s, 60_000);
    await smtp.waitForMails(1);
    assert.equal(s.server.email.outbox.ofConversation(s.conversationId)[0]?.state, 'sent');
    smtp.refuseWith = 550;
    await agentSays(s.agent, s.conversationId, 'Another reply.');
    await advance(s, DELAY + 30_000);
    const second = s.server.email.outbox.ofConversation(s.conversationId)[1];
    assert.equal(second?.state, 'dropped');
    assert.match(second?.lastError ?? '', /550/);
    smtp.refuseWith = 0;
    await advance(s, 3_600_000);
    await noMoreMail(1);
  });

  test('a crash between the SMTP server\'s OK and the record: the restart resends the same email (same Message-ID), never a second one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cs-email-crash-'));
    dirs.push(dataDir);
    let crash = true;
    const afterAccepted = (_entry: OutboxEntry): void => {
      if (crash) throw new Error('simulated crash after SMTP accepted');
    };
    const s = await visitorLeavesEmail({ dataDir, emailAfterAccepted: afterAccepted });
    await agentSays(s.agent, s.conversationId, 'Your parcel left today.');
    await agentSays(s.agent, s.conversationId, 'Tracking: AB123.');
    s.clock.now += DELAY + 30_000;
    // The pass dies at the crash (whether this call or the background tick ran it).
    await s.server.email.runDue().catch((error: Error) => assert.match(error.message, /simulated crash/));
    const [accepted] = await smtp.waitForMails(1);
    assert.equal(s.server.email.outbox.ofConversation(s.conversationId)[0]?.state, 'sending', 'the record says it may have gone');
    crash = false;
    // The "restart": a new server on the same data directory.
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await running.pop()!.close();
    const restarted = await serve({ dataDir }, s.clock);
    await advance(restarted, 3_600_000);
    const mails = await smtp.waitForMails(2);
    await advance(restarted, 3_600_000);
    await noMoreMail(2);
    assert.equal(mails[1]!.messageId, accepted!.messageId, 'the same Message-ID: the receiving mail system sees one message');
    assert.equal(mails[1]!.parsed.text, accepted!.parsed.text, 'the same email, not a new one');
    const entries = restarted.server.email.outbox.ofConversation(s.conversationId);
    assert.equal(entries.length, 1, 'one intent for these messages');
    assert.equal(entries[0]?.state, 'sent');
    // New activity does not make a second email for the same messages.
    restarted.server.email.outbox.watch(s.conversationId, restarted.clock.now);
    await advance(restarted, 1);
    await noMoreMail(2);
  });

  test('the delay survives a restart: the replies are emailed by the next run', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cs-email-restart-'));
    dirs.push(dataDir);
    const s = await visitorLeavesEmail({ dataDir });
    await agentSays(s.agent, s.conversationId, 'Before the restart.');
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await running.pop()!.close();
    const restarted = await serve({ dataDir }, s.clock);
    await advance(restarted, DELAY + 30_000);
    const [mail] = await smtp.waitForMails(1);
    assert.match(mail!.parsed.text ?? '', /Before the restart\./);
  });
});

describe('unsubscribe', () => {
  test('one click (RFC 8058) stops the emails of the conversation; a GET does not; a forged token changes nothing', async () => {
    const s = await visitorLeavesEmail();
    await agentSays(s.agent, s.conversationId, 'First.');
    await advance(s, DELAY + 30_000);
    const [mail] = await smtp.waitForMails(1);
    const link = mail!.header('List-Unsubscribe').slice(1, -1);
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post"/);
    const forged = new URL(link);
    forged.searchParams.set('t', 'A'.repeat(27));
    const refused = await fetch(forged, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(refused.status, 403);
    await agentSays(s.agent, s.conversationId, 'Still there?');
    await advance(s, DELAY + 30_000);
    await smtp.waitForMails(2);
    const oneClick = await fetch(link, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(oneClick.status, 200);
    assert.ok(s.server.email.contacts.get(s.conversationId)?.unsubscribedMs, 'recorded');
    const update = await s.agent.waitFor((f) => f.inboxUpdate?.conversation?.id === s.conversationId && !f.inboxUpdate.willEmail, { since: 0 });
    assert.ok(update);
    await agentSays(s.agent, s.conversationId, 'Hello?');
    await advance(s, DELAY + 30_000);
    await noMoreMail(2);
  });
});

describe('transcripts and alerts', () => {
  test('transcript on resolve: off by default; on, the whole conversation goes to the known email', async () => {
    const s = await visitorLeavesEmail();
    await agentSays(s.agent, s.conversationId, 'Here you go.');
    s.agent.sendFrame({ action: { conversationId: s.conversationId, action: cs.v1.ActionKind.RESOLVE } });
    await s.agent.waitFor((f) => f.inboxUpdate?.conversation?.id === s.conversationId && f.inboxUpdate.conversation.status === cs.v1.ConversationStatus.RESOLVED);
    await advance(s, 1);
    await noMoreMail(0);
    s.server.accounts.settings.update({ email: { transcript_on_resolve: true } }, 'test');
    s.agent.sendFrame({ action: { conversationId: s.conversationId, action: cs.v1.ActionKind.REOPEN } });
    await s.agent.waitFor((f) => f.inboxUpdate?.conversation?.status === cs.v1.ConversationStatus.OPEN);
    s.agent.sendFrame({ action: { conversationId: s.conversationId, action: cs.v1.ActionKind.RESOLVE } });
    await advance(s, 100);
    const [mail] = await smtp.waitForMails(1);
    assert.match(mail!.parsed.subject ?? '', /Transcript of your conversation with Acme/);
    assert.match(mail!.parsed.text ?? '', /size 44\?[^]*Here you go\./);
  });

  test('an agent with email gets one alert for a new conversation while no agent is online (per-agent setting)', async () => {
    const { server, clock } = await serve();
    const owner = await server.accounts.createOwner({ name: 'Olivia', email: 'olivia@acme.example', password: 'owner-password-1' });
    const api = new ApiClient(server.url);
    await api.login('olivia@acme.example', 'owner-password-1');
    assert.deepEqual((await api.get('/api/email/alerts')).body, { new_conversation: true });
    const first = await open(server, { site: 'shop', lang: 'en' });
    await first.send({ text: 'Is anyone there?' });
    await first.send({ text: 'Hello?' });
    await advance({ server, clock }, 1);
    const [alert] = await smtp.waitForMails(1);
    assert.deepEqual(alert!.envelopeTo, ['olivia@acme.example']);
    assert.match(alert!.parsed.text ?? '', /Is anyone there\?/);
    await noMoreMail(1);
    // Turned off: no alert.
    assert.equal((await api.request('PUT', '/api/email/alerts', { new_conversation: false })).status, 200);
    assert.equal((await api.request('PUT', '/api/email/alerts', { new_conversation: 'no' })).status, 400);
    const second = await open(server, { site: 'shop', lang: 'en', deviceId: 'other' });
    await second.send({ text: 'Second visitor' });
    await advance({ server, clock }, 1);
    await noMoreMail(1);
    assert.ok(owner);
  });

  test('no alert while an agent is online', async () => {
    const { server, clock } = await serve();
    await server.accounts.createOwner({ name: 'Olivia', email: 'olivia@acme.example', password: 'owner-password-1' });
    await open(server, { token: server.agentToken('alice') });
    const visitor = await open(server, { site: 'shop', lang: 'en' });
    await visitor.send({ text: 'hi' });
    await advance({ server, clock }, 1);
    await noMoreMail(0);
  });
});

describe('without SMTP', () => {
  test('nothing is queued or sent, and the status API says how to turn it on', async () => {
    const { server, clock } = await serve({ smtpUrl: '' });
    await server.accounts.createOwner({ name: 'Olivia', email: 'olivia@acme.example', password: 'owner-password-1' });
    const visitor = await open(server, { site: 'shop', lang: 'en' });
    await visitor.send({ text: 'hello' });
    visitor.sendFrame({ contact: { conversationId: visitor.conversationId, email: 'ann@example.com' } });
    await visitor.waitFor((f) => !!f.contact);
    const agent = await open(server, { token: server.agentToken('alice') });
    await agentSays(agent, visitor.conversationId, 'Answer.');
    await advance({ server, clock }, DELAY + 30_000);
    await noMoreMail(0);
    assert.equal(server.email.outbox.ofConversation(visitor.conversationId).length, 0);
    const status = await new ApiClient(server.url).get<{ enabled: boolean; hint: string }>('/api/email/status', BEARER);
    assert.equal(status.body.enabled, false);
  });
});
