/**
 * Abuse limits that bound what one client can make the server keep (issue 9,
 * and issue 10's "topic cycling past the cap is refused with an error"):
 * conversations per visitor, how many a Welcome lists, new anonymous
 * visitors per IP per minute, bytes stored per visitor per hour. Past each,
 * a clear Error RATE_LIMITED (or Ack REJECTED) with retry_after_ms, and the
 * server goes on serving everyone else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cs } from '../../proto/gen/chat.js';
import { ProtoClient, ServerError } from '../support/proto-client.js';
import { startTestServer } from '../support/server.js';

test('topic cycling past the cap is refused with an error; the visitor\'s existing topics keep working', async (t) => {
  const server = await startTestServer({ maxConversationsPerVisitor: 3 });
  t.after(() => server.close());
  const first = await ProtoClient.open(server.wsUrl, { site: 'shop', topic: 'order-1' });
  const token = first.welcome?.token ?? '';
  await first.send({ text: 'about order 1' });
  await first.close();
  for (const topic of ['order-2', 'order-3']) {
    const client = await ProtoClient.open(server.wsUrl, { site: 'shop', topic, token });
    assert.equal((await client.send({ text: `about ${topic}` })).status, cs.v1.AckStatus.OK);
    await client.close();
  }
  const cycling = await ProtoClient.connect(server.wsUrl);
  const refused = await cycling.hello({ site: 'shop', topic: 'order-4', token }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(refused instanceof ServerError, `expected an Error frame, got ${String(refused)}`);
  assert.equal(refused.frame.code, cs.v1.ErrorCode.RATE_LIMITED);
  assert.match(refused.frame.message ?? '', /already has 3 conversations/);
  assert.ok((refused.frame.retryAfterMs ?? 0) > 0, 'with retry_after_ms');
  assert.equal(refused.frame.fatal, true);
  await cycling.close();

  const existing = await ProtoClient.open(server.wsUrl, { site: 'shop', topic: 'order-2', token });
  t.after(() => existing.close());
  assert.equal((await existing.send({ text: 'still here' })).status, cs.v1.AckStatus.OK);
});

test('a Welcome lists at most the newest CS_WELCOME_CONVERSATIONS conversations', async (t) => {
  const server = await startTestServer({ welcomeConversations: 2 });
  t.after(() => server.close());
  let token = '';
  for (const topic of ['a', 'b', 'c', 'd']) {
    const client = await ProtoClient.open(server.wsUrl, { site: 'shop', topic, token: token || undefined });
    token = client.welcome?.token ?? '';
    await client.send({ text: topic });
    await client.close();
  }
  const back = await ProtoClient.open(server.wsUrl, { site: 'shop', topic: 'a', token });
  t.after(() => back.close());
  const listed = back.welcome?.conversations?.map((c) => c.topic);
  assert.equal(listed?.[0], 'a', 'the Hello\'s own topic comes first');
  assert.ok((listed?.length ?? 0) <= 3, `listed ${listed?.join(', ')}`);
  assert.ok(listed?.includes('d'), 'the newest other one is listed');
});

test('new anonymous visitors per IP per minute are limited; returning visitors with a token are not', async (t) => {
  const server = await startTestServer({ newVisitorsPerIpPerMinute: 3 });
  t.after(() => server.close());
  const tokens: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const client = await ProtoClient.open(server.wsUrl, { site: 'shop' });
    tokens.push(client.welcome?.token ?? '');
    await client.close();
  }
  const fourth = await ProtoClient.connect(server.wsUrl);
  const refused = await fourth.hello({ site: 'shop' }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(refused instanceof ServerError, `expected an Error frame, got ${String(refused)}`);
  assert.equal(refused.frame.code, cs.v1.ErrorCode.RATE_LIMITED);
  assert.ok((refused.frame.retryAfterMs ?? 0) > 1000, `retry after ${refused.frame.retryAfterMs} ms (a new visitor every 20 s)`);
  await fourth.close();
  const returning = await ProtoClient.open(server.wsUrl, { site: 'shop', token: tokens[0] });
  t.after(() => returning.close());
  assert.equal((await returning.send({ text: 'I have a token' })).status, cs.v1.AckStatus.OK);
});

test('bytes stored per visitor per hour are limited with Ack REJECTED and Error RATE_LIMITED; other visitors are unaffected', async (t) => {
  const server = await startTestServer({ visitorBytesPerHour: 10_000 });
  t.after(() => server.close());
  const flooder = await ProtoClient.open(server.wsUrl, { site: 'shop' });
  t.after(() => flooder.close());
  const text = 'y'.repeat(3000);
  for (let i = 0; i < 3; i += 1) assert.equal((await flooder.send({ text })).status, cs.v1.AckStatus.OK);
  const mark = flooder.mark();
  const refused = await flooder.send({ text });
  assert.equal(refused.status, cs.v1.AckStatus.REJECTED);
  assert.match(refused.reason ?? '', /rate limited/);
  assert.ok((refused.retryAfterMs ?? 0) > 0);
  const error = await flooder.waitFor((f) => f.error?.code === cs.v1.ErrorCode.RATE_LIMITED, { since: mark });
  assert.ok((error.error?.retryAfterMs ?? 0) > 0);
  const retry = await flooder.send({ clientMsgId: refused.clientMsgId ?? '', text: 'short' });
  assert.equal(retry.status, cs.v1.AckStatus.OK, 'a short text still fits the remaining budget');

  const other = await ProtoClient.open(server.wsUrl, { site: 'shop' });
  t.after(() => other.close());
  assert.equal((await other.send({ text })).status, cs.v1.AckStatus.OK);
});
