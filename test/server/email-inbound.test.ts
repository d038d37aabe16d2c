/**
 * Emailed replies (issue 14) against a real Dovecot: the server watches the
 * mailbox over IMAP and turns a visitor's reply into their message, once.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { replyAddress } from '../../server/src/email/index.js';
import type { HandledMail } from '../../server/src/email/index.js';
import { dovecotInstalled, startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { quotedReply, rawMail } from '../helpers/mail.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/server.js';
import { until } from '../helpers/until.js';

const INBOUND_DOMAIN = 'in.shop.example';

describe('emailed replies over IMAP (Dovecot)', { skip: dovecotInstalled() ? false : 'dovecot-imapd is not installed (.ci/run installs it)' }, () => {
  let dovecot: Dovecot;
  let server: TestServer;
  const handled: HandledMail[] = [];
  const clients: ProtoClient[] = [];

  before(async () => {
    dovecot = await startDovecot();
    server = await startTestServer({ imapUrl: dovecot.url, inboundDomain: INBOUND_DOMAIN, imapPollMs: 1000, imapRetryBaseMs: 50, imapRetryCapMs: 500 });
    server.emailInbound?.onHandled((mail) => handled.push(mail));
    await until(() => server.emailInbound?.status().state === 'watching', 'the mailbox to be watched');
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
    await dovecot?.stop();
  });

  async function visitorWithConversation(): Promise<{ visitor: ProtoClient; agent: ProtoClient; conversationId: string; address: string }> {
    const visitor = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    clients.push(visitor);
    await visitor.send({ text: 'Where is my order?' });
    const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('agent-mail') });
    clients.push(agent);
    agent.sendFrame({ subscribe: { conversationId: visitor.conversationId } });
    await agent.sync({ conversationId: visitor.conversationId, afterSeq: 0 });
    return { visitor, agent, conversationId: visitor.conversationId, address: replyAddress(visitor.conversationId, { secret: TEST_SECRET, inboundDomain: INBOUND_DOMAIN }) };
  }

  function outcomeOf(messageId: string, kinds: readonly string[] = ['imported', 'duplicate', 'ignored', 'refused', 'retry']): () => HandledMail | undefined {
    return () => handled.find((mail) => kinds.includes(mail.kind) && 'clientMsgId' in mail && mail.clientMsgId === messageId);
  }

  async function messagesOf(client: ProtoClient, conversationId: string): Promise<cs.v1.Message.$Properties[]> {
    return (await client.sync({ conversationId, afterSeq: 0, limit: 100 })).messages ?? [];
  }

  test('a reply to the conversation address becomes the visitor message once, without the quoted email, and reaches the workbench', async () => {
    const { visitor, agent, conversationId, address } = await visitorWithConversation();
    const mark = agent.mark();
    dovecot.deliver(rawMail({ to: `Shop <${address}>`, messageId: '<reply-1@visitor.example>', body: quotedReply('Thanks! It arrived today.', 'Your order has shipped.\nThe shop') }));
    const outcome = await until(outcomeOf('reply-1@visitor.example'), 'the reply to be imported');
    assert.equal(outcome.kind, 'imported');
    const deliver = await agent.waitFor((f) => (f.deliver?.messages ?? []).some((m) => m.clientMsgId === 'reply-1@visitor.example'), { since: mark, timeoutMs: 5000, what: 'Deliver to the agent' });
    const pushed = deliver.deliver?.messages?.find((m) => m.clientMsgId === 'reply-1@visitor.example');
    assert.equal(pushed?.text, 'Thanks! It arrived today.');
    assert.equal(pushed?.senderRole, cs.v1.Role.VISITOR);
    assert.equal(pushed?.senderId, visitor.welcome?.userId);
    // The widget after a reload: a new session with the visitor's token syncs it, once.
    const reloaded = await ProtoClient.open(server.wsUrl, { site: 'acme', token: visitor.welcome?.token });
    clients.push(reloaded);
    const texts = (await messagesOf(reloaded, conversationId)).map((m) => m.text);
    assert.deepEqual(texts, ['Where is my order?', 'Thanks! It arrived today.']);
    // Flagged \Seen in the mailbox (Maildir: moved to cur/ with the S flag), so a restart skips it.
    await until(() => readdirSync(join(dovecot.maildir, 'cur')).some((name) => /:2,[A-Z]*S/.test(name)), 'the mail to be flagged \\Seen');
  });

  test('the same email delivered twice is imported once', async () => {
    const { visitor, conversationId, address } = await visitorWithConversation();
    const mail = rawMail({ to: address, messageId: '<twice@visitor.example>', body: 'Only once please' });
    dovecot.deliver(mail);
    await until(outcomeOf('twice@visitor.example', ['imported']), 'the first copy');
    dovecot.deliver(mail);
    const second = await until(outcomeOf('twice@visitor.example', ['duplicate']), 'the second copy to be seen as a duplicate');
    assert.equal(second.kind, 'duplicate');
    const texts = (await messagesOf(visitor, conversationId)).map((m) => m.text);
    assert.deepEqual(texts.filter((t) => t === 'Only once please'), ['Only once please']);
  });

  test('a long Message-ID still dedups (digest as client_msg_id)', async () => {
    const { visitor, conversationId, address } = await visitorWithConversation();
    const longId = `<${'x'.repeat(80)}@mail.gmail.example>`;
    const mail = rawMail({ to: address, messageId: longId, body: 'Long id reply' });
    dovecot.deliver(mail);
    dovecot.deliver(mail);
    await until(() => handled.filter((h) => h.kind === 'duplicate' && h.conversationId === conversationId).length === 1 && handled.some((h) => h.kind === 'imported' && h.conversationId === conversationId), 'one import and one duplicate');
    const texts = (await messagesOf(visitor, conversationId)).map((m) => m.text);
    assert.equal(texts.filter((t) => t === 'Long id reply').length, 1);
  });

  test('auto-replies and bounces to a valid address are ignored, never imported', async () => {
    const { visitor, conversationId, address } = await visitorWithConversation();
    const before = handled.length;
    dovecot.deliver(rawMail({ to: address, subject: 'Out of office', headers: ['Auto-Submitted: auto-replied'], body: 'I am away until Monday.' }));
    dovecot.deliver(rawMail({ to: address, subject: 'Vacation', headers: ['Precedence: bulk'], body: 'Away (bulk).' }));
    dovecot.deliver(rawMail({ to: address, subject: 'Autoreply', headers: ['X-Autoreply: yes'], body: 'Away (x-autoreply).' }));
    dovecot.deliver(
      rawMail({
        from: 'Mail Delivery Subsystem <mailer-daemon@mx.example>',
        to: address,
        subject: 'Undelivered Mail Returned to Sender',
        headers: ['Content-Type: multipart/report; report-type=delivery-status; boundary="b"'],
        rawBody: '--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--',
      }),
    );
    await until(() => handled.length - before >= 4 && handled.slice(before), 'four mails looked at');
    const reasons = handled.slice(before).map((h) => (h.kind === 'ignored' ? h.reason : h.kind));
    assert.equal(reasons.length, 4);
    for (const reason of reasons) assert.match(reason, /^auto-reply or bounce/);
    assert.ok(reasons.some((r) => /Auto-Submitted/.test(r)));
    assert.ok(reasons.some((r) => /Precedence/.test(r)));
    assert.ok(reasons.some((r) => /x-autoreply/.test(r)));
    assert.ok(reasons.some((r) => /multipart\/report/.test(r)));
    assert.deepEqual((await messagesOf(visitor, conversationId)).map((m) => m.text), ['Where is my order?']);
  });

  test('a forged reply+ address is ignored', async () => {
    const { visitor, conversationId, address } = await visitorWithConversation();
    const forged = address.replace(/\.([a-z2-7])([a-z2-7]{15})@/, (_m, first: string, rest: string) => `.${first === 'a' ? 'b' : 'a'}${rest}@`);
    assert.notEqual(forged, address);
    const before = handled.length;
    dovecot.deliver(rawMail({ to: forged, messageId: '<forged@attacker.example>', body: 'Let me in' }));
    const [outcome] = await until(() => handled.length > before && handled.slice(before), 'the forged mail to be looked at');
    assert.equal(outcome?.kind, 'ignored');
    assert.match(outcome?.kind === 'ignored' ? outcome.reason : '', /does not verify/);
    assert.deepEqual((await messagesOf(visitor, conversationId)).map((m) => m.text), ['Where is my order?']);
  });

  test('an email over the size limit is refused before download, nothing stored', async () => {
    const { visitor, conversationId, address } = await visitorWithConversation();
    const before = handled.length;
    const big = 'A'.repeat(76) + '\r\n';
    dovecot.deliver(rawMail({ to: address, messageId: '<big@visitor.example>', body: 'Big one\r\n' + big.repeat(Math.ceil((20 * 1024 * 1024) / big.length)) }));
    const [outcome] = await until(() => handled.length > before && handled.slice(before), 'the big mail to be looked at', 30_000);
    assert.equal(outcome?.kind, 'refused');
    assert.ok((outcome?.size ?? 0) > 20 * 1024 * 1024);
    assert.deepEqual((await messagesOf(visitor, conversationId)).map((m) => m.text), ['Where is my order?']);
  });

  test('attachments are kept as the visitor\'s files of the conversation (a type not allowed is named instead), once even when delivered twice', async () => {
    const { visitor, conversationId, address } = await visitorWithConversation();
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 40, 0, 0, 0, 30]), Buffer.alloc(3000, 7)]);
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2000, 0x90)]);
    const part = (type: string, name: string, bytes: Buffer): string =>
      `--m\r\nContent-Type: ${type}\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${bytes.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`;
    const mail = rawMail({
      to: address,
      messageId: '<attach@visitor.example>',
      headers: ['Content-Type: multipart/mixed; boundary="m"'],
      rawBody: `--m\r\nContent-Type: text/plain\r\n\r\nHere is the photo.\r\n${part('image/png', 'parcel.png', png)}${part('application/octet-stream', 'setup.exe', exe)}--m--`,
    });
    dovecot.deliver(mail);
    await until(outcomeOf('attach@visitor.example', ['imported']), 'the mail with attachments');
    dovecot.deliver(mail);
    await until(outcomeOf('attach@visitor.example', ['duplicate']), 'the second copy');
    const messages = await messagesOf(visitor, conversationId);
    const last = messages.at(-1);
    assert.equal(messages.length, 2);
    assert.equal(last?.kind, cs.v1.MessageKind.IMAGE);
    assert.equal(last?.text, 'Here is the photo.\n\n[Attachments not imported from email: setup.exe (2 KB, file type not allowed)]');
    assert.deepEqual(last?.attachments?.map((a) => [a.name, a.mime, a.size, a.width, a.height]), [['parcel.png', 'image/png', png.length, 40, 30]]);
    const file = await fetch(new URL(last?.attachments?.[0]?.url ?? '', server.url));
    assert.equal(file.status, 200);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), png);
  });

  test('without a files service attachments are named as not imported', async () => {
    const { replyText } = await import('../../server/src/email/index.js');
    assert.equal(replyText('Photo attached', [{ filename: 'parcel.png', size: 3000 }], 4000), 'Photo attached\n\n[Attachments not imported from email: parcel.png (3 KB)]');
  });
});
