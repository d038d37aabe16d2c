/**
 * The mailbox watcher and the importer (issue 14) against a real Dovecot:
 * reconnect with backoff while IMAP is down, the size refusal's log line,
 * threading by In-Reply-To, and pure parts (URL, backoff, auto-reply rules).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { autoReplyReason, backoffMs, clientMsgIdOf, conversationOfMessageId, ImapInbox, mayBeForAConversation, parseImapUrl, redact, replyAddress, replyText, threadMessageId, type HandledMail } from '../../server/src/email/index.js';
import { dovecotInstalled, freePort, startDovecot } from '../helpers/dovecot.js';
import { rawMail } from '../helpers/mail.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, TEST_SECRET } from '../support/server.js';
import { until } from '../helpers/until.js';

const needsDovecot = { skip: dovecotInstalled() ? false : 'dovecot-imapd is not installed (.ci/run installs it)' };

function capturedLog(): { log: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter((l) => l)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines: () => lines };
}

describe('mailbox watcher', needsDovecot, () => {
  test('IMAP down at start: the server stays healthy, retries with backoff, and imports once IMAP is up', async () => {
    const port = await freePort();
    const server = await startTestServer({ imapUrl: `imap://shop:secret-pass@127.0.0.1:${port}`, inboundDomain: 'in.example', imapRetryBaseMs: 100, imapRetryCapMs: 400, imapPollMs: 1000 });
    const handled: HandledMail[] = [];
    server.emailInbound?.onHandled((mail) => handled.push(mail));
    let dovecot: Awaited<ReturnType<typeof startDovecot>> | undefined;
    let visitor: ProtoClient | undefined;
    try {
      await until(() => (server.emailInbound?.status().failures ?? 0) >= 3, 'three failed connection attempts');
      assert.notEqual(server.emailInbound?.status().state, 'watching');
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      const status = async (): Promise<{ replies: { state: string; failures: number; last_error: string; hint: string } }> =>
        (await (await fetch(`${server.url}/api/email/status`, { headers: { Authorization: `Bearer ${server.agentToken('ops')}` } })).json()) as { replies: { state: string; failures: number; last_error: string; hint: string } };
      const down = (await status()).replies;
      assert.ok(down.state === 'retrying' || down.state === 'connecting', down.state);
      assert.ok(down.failures >= 3);
      assert.match(down.last_error, /\S/);
      assert.ok(!down.last_error.includes('secret-pass'));
      visitor = await ProtoClient.open(server.wsUrl, { site: 'acme' });
      assert.equal((await visitor.send({ text: 'still chatting' })).seq, 1);

      dovecot = await startDovecot({ port, password: 'secret-pass' });
      dovecot.deliver(rawMail({ to: replyAddress(visitor.conversationId, { secret: TEST_SECRET, inboundDomain: 'in.example' }), messageId: '<late@visitor.example>', body: 'Hello after the outage' }));
      await until(() => handled.find((h) => h.kind === 'imported'), 'the reply once IMAP is back');
      assert.equal(server.emailInbound?.status().state, 'watching');
      assert.equal(server.emailInbound?.status().failures, 0);
      assert.deepEqual((await status()).replies, { state: 'watching', failures: 0, last_error: '', idle: true, hint: '' });
      const texts = ((await visitor.sync({ afterSeq: 0 })).messages ?? []).map((m) => m.text);
      assert.deepEqual(texts, ['still chatting', 'Hello after the outage']);

      // IMAP goes away while watched, and comes back as a new mailbox (new UIDVALIDITY): reconnected, and new mail imported.
      await dovecot.stop();
      dovecot = undefined;
      await until(() => (server.emailInbound?.status().failures ?? 0) >= 1, 'the lost connection to be noticed');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      dovecot = await startDovecot({ port, password: 'secret-pass' });
      dovecot.deliver(rawMail({ to: replyAddress(visitor.conversationId, { secret: TEST_SECRET, inboundDomain: 'in.example' }), messageId: '<again@visitor.example>', body: 'And after the second one' }));
      await until(() => handled.find((h) => h.kind === 'imported' && h.clientMsgId === 'again@visitor.example'), 'the reply after the reconnect');
      const after = ((await visitor.sync({ afterSeq: 0 })).messages ?? []).map((m) => m.text);
      assert.deepEqual(after, ['still chatting', 'Hello after the outage', 'And after the second one']);
    } finally {
      await visitor?.close();
      await server.close();
      await dovecot?.stop();
    }
  });

  test('a 20 MB email is refused from its IMAP size with a log line and never downloaded', async () => {
    const dovecot = await startDovecot();
    const { log, lines } = capturedLog();
    const handled: HandledMail[] = [];
    let downloads = 0;
    const inbox = new ImapInbox({
      target: parseImapUrl(dovecot.url),
      maxBytes: 10 * 1024 * 1024,
      pollMs: 1000,
      retryBaseMs: 50,
      retryCapMs: 200,
      handle: async () => {
        downloads++;
        return { kind: 'ignored', reason: 'test' };
      },
      log,
      random: () => 0.5,
      now: Date.now,
    });
    inbox.onHandled((mail) => handled.push(mail));
    try {
      const line = 'B'.repeat(998) + '\r\n';
      dovecot.deliver(rawMail({ to: replyAddress('c_someconversation', { secret: TEST_SECRET, inboundDomain: 'in.example' }), body: line.repeat(Math.ceil((20 * 1024 * 1024) / line.length)) }));
      const [mail] = await until(() => handled.length > 0 && handled, 'the big mail to be looked at', 30_000);
      assert.equal(mail?.kind, 'refused');
      assert.equal(downloads, 0);
      const logged = lines().find((l) => /refused a 20 MB email/.test(String(l.msg)));
      assert.ok(logged, JSON.stringify(lines()));
      assert.equal(logged.level, 40);
      // Looked at once per run, not again at every sweep.
      inbox.sweepSoon();
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(handled.length, 1);
    } finally {
      await inbox.stop();
      await dovecot.stop();
    }
  });

  test('an email whose handling throws is logged and skipped; the next one is still handled and the watcher keeps running', async () => {
    const dovecot = await startDovecot();
    const { log, lines } = capturedLog();
    const seen: string[] = [];
    const inbox = new ImapInbox({
      target: parseImapUrl(dovecot.url),
      maxBytes: 10 * 1024 * 1024,
      pollMs: 1000,
      retryBaseMs: 50,
      retryCapMs: 200,
      handle: async (raw) => {
        const text = raw.toString();
        seen.push(/poison/.test(text) ? 'poison' : 'fine');
        if (/poison/.test(text)) throw new Error('a bug in one email');
        return { kind: 'ignored', reason: 'test' };
      },
      log,
      random: () => 0.5,
      now: Date.now,
    });
    try {
      const to = replyAddress('c_someconversation', { secret: TEST_SECRET, inboundDomain: 'in.example' });
      dovecot.deliver(rawMail({ to, body: 'poison' }));
      dovecot.deliver(rawMail({ to: 'shop@example.com', cc: to, body: 'fine' }));
      await until(() => seen.length >= 2, 'both mails handled');
      assert.deepEqual(seen, ['poison', 'fine']);
      assert.ok(lines().some((l) => l.msg === 'email: importing an email failed' && l.level === 50));
      assert.equal(inbox.status().state, 'watching');
      assert.equal(inbox.status().failures, 0);
    } finally {
      await inbox.stop();
      await dovecot.stop();
    }
  });

  test('a reply without the reply address is matched by In-Reply-To / References naming an email the server sent', async () => {
    const dovecot = await startDovecot();
    const server = await startTestServer({ imapUrl: dovecot.url, inboundDomain: 'in.example', imapPollMs: 1000 });
    const handled: HandledMail[] = [];
    server.emailInbound?.onHandled((mail) => handled.push(mail));
    const visitor = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    try {
      await visitor.send({ text: 'first' });
      const sentId = threadMessageId(visitor.conversationId, 'out-1', 'shop.example', { secret: TEST_SECRET });
      dovecot.deliver(rawMail({ to: 'shop@example.com', messageId: '<thread@visitor.example>', inReplyTo: sentId, references: `<other@x.example> ${sentId}`, body: 'Threaded reply' }));
      dovecot.deliver(rawMail({ to: 'shop@example.com', messageId: '<stray@visitor.example>', inReplyTo: '<someone-else@x.example>', body: 'Not for us' }));
      await until(() => handled.length >= 2, 'both mails looked at');
      assert.equal(handled.find((h) => 'clientMsgId' in h && h.clientMsgId === 'thread@visitor.example')?.kind, 'imported');
      const stray = handled.find((h) => h.kind === 'ignored');
      assert.match(stray?.kind === 'ignored' ? stray.reason : '', /names no conversation/);
      const forgedId = sentId.replace(/\.out-1@/, '.out-1@').replace(/^<cs\.c(.)/, (_m, ch: string) => `<cs.c${ch === 'a' ? 'b' : 'a'}`);
      assert.equal(conversationOfMessageId(forgedId, { secret: TEST_SECRET }), null);
      assert.equal(conversationOfMessageId(sentId.toUpperCase(), { secret: TEST_SECRET }), visitor.conversationId);
      const texts = ((await visitor.sync({ afterSeq: 0 })).messages ?? []).map((m) => m.text);
      assert.deepEqual(texts, ['first', 'Threaded reply']);
    } finally {
      await visitor.close();
      await server.close();
      await dovecot.stop();
    }
  });
});

describe('email pure parts', () => {
  test('without CS_IMAP_URL the status says replies are off and how to turn them on', async () => {
    const server = await startTestServer();
    try {
      const response = await fetch(`${server.url}/api/email/status`, { headers: { Authorization: `Bearer ${server.agentToken('ops')}` } });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { replies: { state: string; hint: string } };
      assert.equal(body.replies.state, 'off');
      assert.match(body.replies.hint, /CS_IMAP_URL/);
      assert.equal(server.emailInbound, undefined);
    } finally {
      await server.close();
    }
  });

  test('CS_IMAP_URL: imap and imaps, encoded credentials, folder; bad URLs get a clear error without the password', () => {
    assert.deepEqual(parseImapUrl('imaps://shop%40example.com:app%20pw@imap.example.com'), { host: 'imap.example.com', port: 993, secure: true, user: 'shop@example.com', password: 'app pw', mailbox: 'INBOX' });
    assert.deepEqual(parseImapUrl('imap://u:p@127.0.0.1:1143/Support'), { host: '127.0.0.1', port: 1143, secure: false, user: 'u', password: 'p', mailbox: 'Support' });
    assert.throws(() => parseImapUrl('pop3://u:p@h'), /imap:\/\/ or imaps:\/\//);
    assert.throws(() => parseImapUrl('imaps://imap.example.com'), /user, a password and a host/);
    assert.throws(() => parseImapUrl('not a url :secret@'), (error: Error) => /CS_IMAP_URL/.test(error.message));
    assert.equal(redact('imaps://u:hunter2@h'), 'imaps://u:***@h');
  });

  test('only mail naming a reply address or one of our Message-IDs is downloaded', () => {
    const address = replyAddress('c_abc', { secret: TEST_SECRET, inboundDomain: 'in.example' });
    assert.ok(mayBeForAConversation(`To: Shop <${address}>\r\n`));
    assert.ok(mayBeForAConversation(`Delivered-To: ${address.toUpperCase()}\r\n`));
    assert.ok(mayBeForAConversation(`In-Reply-To: ${threadMessageId('c_abc', 'e-1', 'shop.example', { secret: TEST_SECRET })}\r\n`));
    assert.ok(!mayBeForAConversation('To: shop@example.com\r\nCc: anne+news@example.com\r\nReferences: <x@y>\r\n'));
  });

  test('backoff is full jitter, doubling up to the cap', () => {
    assert.equal(backoffMs(0, 100, 1000, () => 0.999), 99);
    assert.equal(backoffMs(3, 100, 1000, () => 0.5), 400);
    assert.equal(backoffMs(10, 100, 1000, () => 0.5), 500);
    assert.equal(backoffMs(99, 100, 1000, () => 0), 0);
  });

  test('auto-reply rules: RFC 3834, Precedence, X-Autoreply, lists, DSNs, daemons; a person is not caught', () => {
    const h = (headers: Record<string, string>) => (name: string) => (headers[name] === undefined ? [] : [headers[name]!]);
    assert.equal(autoReplyReason(h({ 'auto-submitted': 'no' }), 'text/plain', 'jane@x'), '');
    assert.equal(autoReplyReason(h({}), 'multipart/alternative; boundary=x', 'jane@x'), '');
    assert.match(autoReplyReason(h({ 'auto-submitted': 'auto-generated' }), 'text/plain', 'jane@x'), /Auto-Submitted/);
    assert.match(autoReplyReason(h({ precedence: 'auto_reply' }), 'text/plain', 'jane@x'), /Precedence/);
    assert.match(autoReplyReason(h({ precedence: 'list' }), 'text/plain', 'jane@x'), /Precedence/);
    assert.match(autoReplyReason(h({ 'x-auto-response-suppress': 'All' }), 'text/plain', 'jane@x'), /suppress/);
    assert.equal(autoReplyReason(h({ 'x-auto-response-suppress': 'DR' }), 'text/plain', 'jane@x'), '');
    assert.match(autoReplyReason(h({ 'list-id': '<news.x>' }), 'text/plain', 'jane@x'), /mailing-list/);
    assert.match(autoReplyReason(h({}), 'multipart/report; report-type=delivery-status', 'jane@x'), /delivery report/);
    assert.match(autoReplyReason(h({}), 'text/plain', 'MAILER-DAEMON@mx.example'), /mailer-daemon/);
    assert.match(autoReplyReason(h({ 'return-path': '<>' }), 'text/plain', 'jane@x'), /null return path/);
  });

  test('reply text: quoted history and signatures go, attachments are named, long text is cut', () => {
    assert.equal(replyText('Yes, Tuesday works.\n\nJane\n-- \nJane Doe\nCEO, Acme\n\nOn Mon, Nov 30, 2026, Shop wrote:\n> When can we deliver?', [], 4000), 'Yes, Tuesday works.\n\nJane');
    assert.equal(replyText('好的，谢谢\n\n在 2026年12月1日 10:00，Shop <shop@example.com> 写道：\n> 您好', [], 4000), '好的，谢谢');
    assert.equal(replyText('Look\r\n\r\nSent from my iPhone', [{ filename: 'a.pdf', size: 2048 }], 4000), 'Look\n\n[Attachments not imported from email: a.pdf (2 KB)]');
    const cut = replyText('x'.repeat(5000), [], 100);
    assert.equal(cut.length, 100);
    assert.ok(cut.endsWith('…'));
    assert.equal(replyText('> only quoted\n', [], 100), '');
  });

  test('client_msg_id is the Message-ID when it fits, else a stable digest; without one, a digest of the mail', () => {
    assert.equal(clientMsgIdOf('<abc@x.example>', Buffer.from('')), 'abc@x.example');
    const long = `<${'y'.repeat(100)}@x>`;
    assert.equal(clientMsgIdOf(long, Buffer.from('a')), clientMsgIdOf(long, Buffer.from('b')));
    assert.ok(clientMsgIdOf(long, Buffer.from('a')).length <= 64);
    assert.equal(clientMsgIdOf(undefined, Buffer.from('same')), clientMsgIdOf('', Buffer.from('same')));
    assert.notEqual(clientMsgIdOf(undefined, Buffer.from('one')), clientMsgIdOf(undefined, Buffer.from('two')));
  });
});
