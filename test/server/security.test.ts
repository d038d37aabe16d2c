/** Authentication and limits (issues 2 and 5): tokens, identities, rotation, origin, core level, per-IP and rate limits. */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { signAgentToken, signIdentity } from '../../server/src/index.js';
import { newClientMsgId, ProtoClient, ServerError } from '../support/proto-client.js';
import { startTestServer, TEST_IDENTITY_SECRET, TEST_SECRET, type TestServer } from '../support/server.js';

const running: TestServer[] = [];
const clients: ProtoClient[] = [];
async function serve(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(overrides);
  running.push(server);
  return server;
}
async function connect(server: TestServer, options: { origin?: string } = {}): Promise<ProtoClient> {
  const client = await ProtoClient.connect(server.wsUrl, options);
  clients.push(client);
  return client;
}
/** Says Hello and expects a refusal: returns the Error frame and the close. */
async function refused(client: ProtoClient, hello: cs.v1.Hello.$Properties): Promise<{ error: cs.v1.Error; code: number }> {
  const error = await client.hello(hello).then(
    () => assert.fail('Hello was accepted'),
    (e: unknown) => (e instanceof ServerError ? e.frame : assert.fail(String(e))),
  );
  const close = await client.closed;
  return { error, code: close.code };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

describe('security', () => {
  test('refuses a forged agent token and closes the socket', async () => {
    const server = await serve();
    const forged = await refused(await connect(server), { token: signAgentToken('some-other-secret-value', 'eve') });
    assert.equal(forged.error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
    assert.equal(forged.error.fatal, true);
    assert.equal(forged.code, 1008);
    const tampered = await refused(await connect(server), { token: `${server.agentToken('eve')}x` });
    assert.equal(tampered.error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
  });

  test('refuses a bad identity signature', async () => {
    const server = await serve();
    const bad = await refused(await connect(server), { site: 'acme', identity: { userId: 'u-42', signature: signIdentity('wrong-secret-123456', 'u-42') } });
    assert.equal(bad.error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
  });

  test('a verified identity shares the conversations on every device', async () => {
    const server = await serve();
    const identity = { userId: 'u-7', name: 'Ada', email: 'ada@example.com', signature: server.identitySignature('u-7') };
    const phone = await connect(server);
    await phone.hello({ site: 'acme', identity });
    const laptop = await connect(server);
    await laptop.hello({ site: 'acme', identity });
    assert.equal(laptop.conversationId, phone.conversationId);
    const ack = await phone.send({ text: 'from phone' });
    await laptop.waitFor((f) => f.deliver?.messages?.some((m) => m.clientMsgId === ack.clientMsgId) ?? false);
    const agent = await connect(server);
    await agent.hello({ token: server.agentToken('ops') });
    const listed = agent.welcome?.conversations?.find((c) => c.id === phone.conversationId);
    assert.equal(listed?.visitorUserId, 'u-7');
    assert.equal(listed?.visitorEmail, 'ada@example.com');
  });

  test('refuses a visitor token signed with an unknown secret', async () => {
    const server = await serve();
    const other = await serve({ secret: 'another-secret-0123456789' });
    const stranger = await connect(other);
    const token = (await stranger.hello({ site: 'acme' })).token ?? '';
    const result = await refused(await connect(server), { site: 'acme', token });
    assert.equal(result.error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
  });

  test('during a rotation a visitor token under the previous secret is accepted and re-issued; after it, refused', async () => {
    const old = await serve();
    const client = await connect(old);
    const welcome = await client.hello({ site: 'acme' });
    const oldToken = welcome.token ?? '';
    await client.send({ text: 'before rotation' });
    await client.close();
    await old.close();

    const rotating = await serve({ secret: 'rotated-secret-abcdefghijk', previousSecret: TEST_SECRET });
    const during = await connect(rotating);
    const renewed = await during.hello({ site: 'acme', token: oldToken });
    assert.equal(renewed.userId, welcome.userId, 'same visitor');
    assert.notEqual(renewed.token, oldToken, 'token re-issued under the new key');
    const again = await connect(rotating);
    assert.equal((await again.hello({ site: 'acme', token: renewed.token ?? '' })).token, renewed.token, 'a current token is kept');

    const done = await serve({ secret: 'rotated-secret-abcdefghijk' });
    const after = await refused(await connect(done), { site: 'acme', token: oldToken });
    assert.equal(after.error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
    const ok = await connect(done);
    assert.equal((await ok.hello({ site: 'acme', token: renewed.token ?? '' })).userId, welcome.userId);
  });

  test('identity signatures under the previous identity secret verify during a rotation', async () => {
    const server = await serve({ identitySecret: 'rotated-identity-abcdefghijk', previousIdentitySecret: TEST_IDENTITY_SECRET });
    const client = await connect(server);
    const welcome = await client.hello({ site: 'acme', identity: { userId: 'u-9', signature: signIdentity(TEST_IDENTITY_SECRET, 'u-9') } });
    assert.ok(welcome.userId);
  });

  test('an agent token under a rotated-out secret is refused, even while it is the previous one', async () => {
    const server = await serve({ secret: 'rotated-secret-abcdefghijk', previousSecret: TEST_SECRET });
    const result = await refused(await connect(server), { token: signAgentToken(TEST_SECRET, 'alice') });
    assert.equal(result.error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
    const fresh = await connect(server);
    assert.equal((await fresh.hello({ token: signAgentToken('rotated-secret-abcdefghijk', 'alice') })).role, cs.v1.Role.AGENT);
  });

  test('refuses a WebSocket from an origin outside the allow-list with 403 before it opens', async () => {
    const server = await serve({ allowedOrigins: ['https://shop.example'] });
    await assert.rejects(ProtoClient.connect(server.wsUrl, { origin: 'https://evil.example' }), /403/);
    const allowed = await connect(server, { origin: 'https://shop.example' });
    assert.ok((await allowed.hello({ site: 'acme' })).userId);
  });

  test('refuses a core level below the minimum with UPGRADE_REQUIRED', async () => {
    const server = await serve({ minCoreLevel: 20260101 });
    const result = await refused(await connect(server), { site: 'acme', coreLevel: 20250101 });
    assert.equal(result.error.code, cs.v1.ErrorCode.UPGRADE_REQUIRED);
    assert.equal(result.error.fatal, true);
    assert.match(result.error.message ?? '', /upgrade/);
  });

  test('limits open connections per IP with 429, and frees the slot on close', async () => {
    const server = await serve({ maxConnectionsPerIp: 3 });
    const three = await Promise.all([connect(server), connect(server), connect(server)]);
    await assert.rejects(ProtoClient.connect(server.wsUrl), /429/);
    await three[0]?.close();
    await new Promise((r) => setTimeout(r, 50));
    await connect(server);
  });

  test('the rate limit covers Hello, Sync and Typing with Error RATE_LIMITED, and Send with Ack REJECTED retry_after_ms', async () => {
    const server = await serve({ rateBurst: 5, ratePerSecond: 1 });
    const noisy = await connect(server);
    for (let i = 0; i < 5; i++) noisy.sendFrame({ ping: { timeMs: i } });
    const helloMark = noisy.mark();
    noisy.sendFrame({ hello: { site: 'acme' } });
    const limitedHello = await noisy.waitFor((f) => f.error?.ref === 'hello', { since: helloMark });
    assert.equal(limitedHello.error?.code, cs.v1.ErrorCode.RATE_LIMITED);
    assert.ok((limitedHello.error?.retryAfterMs ?? 0) > 0);

    const client = await connect(server);
    await client.hello({ site: 'acme' });
    for (let i = 0; i < 4; i++) client.sendFrame({ ping: { timeMs: i } });
    const mark = client.mark();
    client.sendFrame({ sync: { conversationId: client.conversationId, afterSeq: 0 } });
    client.sendFrame({ typing: { conversationId: client.conversationId, typing: true } });
    const clientMsgId = newClientMsgId();
    client.sendFrame({ send: { conversationId: client.conversationId, clientMsgId, text: 'too fast' } });
    const ack = await client.waitFor((f) => f.ack?.clientMsgId === clientMsgId, { since: mark });
    assert.equal(ack.ack?.status, cs.v1.AckStatus.REJECTED);
    assert.ok((ack.ack?.retryAfterMs ?? 0) > 0);
    const errors = client.frames.slice(mark).filter((f) => f.error?.code === cs.v1.ErrorCode.RATE_LIMITED);
    assert.deepEqual(errors.map((f) => f.error?.ref), ['sync', 'typing']);
  });

  test('the default rate limit lets a 100-message outbox flush through at once', async () => {
    const server = await serve();
    const client = await connect(server);
    await client.hello({ site: 'acme' });
    const acks = await Promise.all(Array.from({ length: 120 }, (_, i) => client.send({ text: `offline ${i}` })));
    assert.ok(acks.every((a) => a.status === cs.v1.AckStatus.OK));
  });
});
