/**
 * Hardening (issue 10), one test per finding: identity signatures and tokens
 * under separate keys, identities and tokens bound to their site, honest
 * client IPs behind proxies, the Hello deadline, no visitor IMAGE URLs,
 * `/metrics` behind a token, expiring service tokens.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { keyId, signAgentToken, signIdentity } from '../../server/src/gateway/auth.js';
import { fixtures } from '../support/files.js';
import { ProtoClient, ServerError, type CloseInfo } from '../support/proto-client.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/server.js';

const running: TestServer[] = [];
const clients: ProtoClient[] = [];
async function serve(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(overrides);
  running.push(server);
  return server;
}
async function connect(server: TestServer, options: Parameters<typeof ProtoClient.connect>[1] = {}): Promise<ProtoClient> {
  const client = await ProtoClient.connect(server.wsUrl, options);
  clients.push(client);
  return client;
}
/** Says Hello and expects a refusal: returns the Error frame. */
async function refused(client: ProtoClient, hello: cs.v1.Hello.$Properties): Promise<cs.v1.Error> {
  return client.hello(hello).then(
    () => assert.fail('Hello was accepted'),
    (e: unknown) => (e instanceof ServerError ? e.frame : assert.fail(String(e))),
  );
}
/** The Welcome, or the refusal as an Error, of one Hello on a fresh socket. */
async function attempt(server: TestServer, hello: cs.v1.Hello.$Properties): Promise<cs.v1.Welcome | cs.v1.Error> {
  const client = await connect(server);
  return client.hello(hello).catch((e: unknown) => (e instanceof ServerError ? e.frame : assert.fail(String(e))));
}
const base64url = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url');
/** The visitor id servers before site binding gave a user id (written out: it is what old data holds). */
const legacyVisitorIdForUser = (userId: string): string => `u_${createHash('sha256').update(`user:${userId}`).digest('base64url').slice(0, 22)}`;

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

describe('one key per purpose (finding 1)', () => {
  test('a backend-signed identity for "agent:mallory" does not yield an agent token', async () => {
    const server = await serve();
    // What the merchant's backend hands a user who picked the user id "agent:mallory".
    const signature = server.identitySignature('agent:mallory');
    const forged = `mallory.${base64url(signature)}`;
    const answer = await attempt(server, { token: forged });
    assert.ok(answer instanceof cs.v1.Error, `the forged token was accepted as ${(answer as cs.v1.Welcome).role === cs.v1.Role.AGENT ? 'an agent' : 'a session'}`);
    assert.equal(answer.code, cs.v1.ErrorCode.UNAUTHENTICATED);
  });

  test('a backend-signed identity for "visitor:<kid>.<id>" does not yield the victim\'s visitor token', async () => {
    const server = await serve();
    const victim = await connect(server);
    const welcome = await victim.hello({ site: 'acme' });
    await victim.send({ text: 'my address is 1 Main St' });
    const kid = keyId(TEST_SECRET);
    const forgeries = [
      // The visitor-token layouts: v1.<kid>.<id>.<sig> over "visitor:<kid>.<id>", and the site-bound v2.
      { userId: `visitor:${kid}.${welcome.userId}`, token: (sig: string) => `v1.${kid}.${welcome.userId}.${sig}` },
      ...((welcome.token ?? '').startsWith('v2.')
        ? [{ userId: `visitor:v2:${kid}.${welcome.token?.split('.')[2]}.${welcome.userId}`, token: (sig: string) => `v2.${kid}.${welcome.token?.split('.')[2]}.${welcome.userId}.${sig}` }]
        : []),
    ];
    for (const forgery of forgeries) {
      const token = forgery.token(base64url(server.identitySignature(forgery.userId)));
      const answer = await attempt(server, { site: 'acme', token });
      if (answer instanceof cs.v1.Welcome) assert.notEqual(answer.userId, welcome.userId, `${forgery.userId}: became the victim`);
    }
  });

  test('a visitor\'s own token signature is not an identity (no "verified" badge for anyone)', async () => {
    const server = await serve();
    const client = await connect(server);
    const welcome = await client.hello({ site: 'acme' });
    const parts = (welcome.token ?? '').split('.');
    const sigHex = Buffer.from(parts[parts.length - 1] ?? '', 'base64url').toString('hex');
    const signed = parts[0] === 'v2' ? `visitor:v2:${parts[1]}.${parts[2]}.${parts[3]}` : `visitor:${parts[1]}.${parts[2]}`;
    const error = await refused(await connect(server), { site: 'acme', identity: { userId: signed, name: 'Support Team', email: 'boss@shop.example', signature: sigHex } });
    assert.equal(error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
  });

  test('a signature made with CS_SECRET is refused as an identity', async () => {
    const server = await serve();
    const error = await refused(await connect(server), { site: 'acme', identity: { userId: 'u-1', signature: signIdentity(TEST_SECRET, 'u-1') } });
    assert.equal(error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
    assert.ok((await attempt(server, { site: 'acme', identity: { userId: 'u-1', signature: server.identitySignature('u-1') } })) instanceof cs.v1.Welcome);
  });

  test('identify works only when CS_IDENTITY_SECRET is set', async () => {
    const server = await serve({ identitySecret: '' });
    const error = await refused(await connect(server), { site: 'acme', identity: { userId: 'u-1', signature: signIdentity(TEST_SECRET, 'u-1') } });
    assert.equal(error.code, cs.v1.ErrorCode.UNAUTHENTICATED);
    assert.match(error.message ?? '', /CS_IDENTITY_SECRET/);
    assert.ok((await attempt(server, { site: 'acme' })) instanceof cs.v1.Welcome, 'anonymous visitors still work');
  });

  test('the server refuses to start with the identity secret equal to the token secret', async () => {
    await assert.rejects(startTestServer({ identitySecret: TEST_SECRET }), /CS_IDENTITY_SECRET must differ from CS_SECRET/);
  });
});

describe('sites are bound (finding 2)', () => {
  test('shop B cannot read shop A\'s conversation of the same user id, nor change its profile', async () => {
    const server = await serve();
    const signature = server.identitySignature('42');
    const onA = await connect(server);
    const welcomeA = await onA.hello({ site: 'shop-a', identity: { userId: '42', name: 'Ann', email: 'ann@a.example', signature } });
    await onA.send({ text: 'secret on shop A' });
    const conversationA = onA.conversationId;

    const onB = await connect(server);
    const welcomeB = await onB.hello({ site: 'shop-b', identity: { userId: '42', name: 'Bob', email: 'bob@b.example', signature }, cursors: [{ conversationId: conversationA, epoch: '', seq: 0 }] });
    assert.notEqual(welcomeB.userId, welcomeA.userId, 'one user id on two sites is two visitors');
    assert.ok(!(welcomeB.conversations ?? []).some((c) => c.id === conversationA), 'A\'s conversation is not listed on B');
    const refusal = await onB.waitFor((f) => f.error?.ref === conversationA || (f.deliver?.messages ?? []).some((m) => m.conversationId === conversationA));
    assert.equal(refusal.error?.code, cs.v1.ErrorCode.FORBIDDEN, 'the cursor naming A\'s conversation is refused, not resumed');
    await assert.rejects(onB.sync({ conversationId: conversationA }), (e: unknown) => e instanceof ServerError && e.frame.code === cs.v1.ErrorCode.FORBIDDEN);

    const agent = await connect(server);
    const agentWelcome = await agent.hello({ token: server.agentToken('ops') });
    const listed = (agentWelcome.conversations ?? []).find((c) => c.id === conversationA);
    assert.equal(listed?.visitorName, 'Ann', 'B\'s sign-in did not overwrite A\'s profile');
  });

  test('a visitor token from site A used on site B is a fresh anonymous visitor there, and still itself on A', async () => {
    const server = await serve();
    const onA = await connect(server);
    const welcomeA = await onA.hello({ site: 'shop-a' });
    await onA.send({ text: 'hello from A' });
    const onB = await connect(server);
    const welcomeB = await onB.hello({ site: 'shop-b', token: welcomeA.token ?? '' });
    assert.notEqual(welcomeB.userId, welcomeA.userId);
    assert.notEqual(welcomeB.token, welcomeA.token, 'a token for site B is issued');
    assert.equal(onB.delivered().length, 0);
    const again = await connect(server);
    assert.equal((await again.hello({ site: 'shop-a', token: welcomeA.token ?? '' })).userId, welcomeA.userId);
  });

  test('a fresh visitor made for a token of another site counts against the per-IP new-visitor budget', async () => {
    const server = await serve({ newVisitorsPerIpPerMinute: 3 });
    const token = (await (await connect(server)).hello({ site: 'shop-a' })).token ?? '';
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await attempt(server, { site: `shop-${i}x`, token }));
    assert.ok(answers.slice(0, 2).every((a) => a instanceof cs.v1.Welcome));
    const last = answers[answers.length - 1];
    assert.ok(last instanceof cs.v1.Error && last.code === cs.v1.ErrorCode.RATE_LIMITED, 'cycling sites with one token does not mint visitors past the budget');
  });

  test('a token from before site binding keeps working on its own site only, and is re-issued bound', async () => {
    const server = await serve();
    const first = await connect(server);
    const visitorId = (await first.hello({ site: 'shop-a' })).userId ?? '';
    await first.send({ text: 'from an old widget' });
    const kid = keyId(TEST_SECRET);
    const v1 = `v1.${kid}.${visitorId}.${createHmac('sha256', TEST_SECRET).update(`visitor:${kid}.${visitorId}`).digest('base64url')}`;
    const same = await attempt(server, { site: 'shop-a', token: v1 });
    assert.ok(same instanceof cs.v1.Welcome);
    assert.equal(same.userId, visitorId);
    assert.match(same.token ?? '', /^v2\./, 're-issued in the site-bound form');
    const other = await attempt(server, { site: 'shop-b', token: v1 });
    assert.ok(other instanceof cs.v1.Welcome);
    assert.notEqual(other.userId, visitorId);
  });

  test('an identified visitor from before site binding keeps their conversation on its site', async () => {
    const server = await serve();
    const legacyId = legacyVisitorIdForUser('u-77');
    const { conversation } = server.store.getOrCreate('shop-a', legacyId, '', Date.now());
    const identity = { userId: 'u-77', signature: server.identitySignature('u-77') };
    const onA = await attempt(server, { site: 'shop-a', identity });
    assert.ok(onA instanceof cs.v1.Welcome);
    assert.equal(onA.userId, legacyId);
    assert.equal(onA.conversations?.[0]?.id, conversation.id);
    const onB = await attempt(server, { site: 'shop-b', identity });
    assert.ok(onB instanceof cs.v1.Welcome);
    assert.notEqual(onB.userId, legacyId);
  });

  test('an upload with a token of site A is refused for a conversation of the same visitor id on site B', async () => {
    const server = await serve();
    const onA = await connect(server);
    const welcome = await onA.hello({ site: 'shop-a' });
    // Only ids from before site binding can have conversations on two sites; make one by hand.
    const { conversation: onB } = server.store.getOrCreate('shop-b', welcome.userId ?? '', '', Date.now());
    const post = (conversation: string) =>
      fetch(`${server.url}/api/uploads?conversation=${encodeURIComponent(conversation)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${welcome.token}`, 'content-type': 'image/png', 'x-file-name': 'a.png' },
        body: fixtures.png(2, 2) as Uint8Array<ArrayBuffer>,
      });
    assert.equal((await post(onB.id)).status, 403);
    assert.equal((await post(onA.conversationId)).status, 201);
  });

  test('CS_SITES: only listed site keys, each from its own origins', async () => {
    const server = await serve({ sites: { acme: ['https://acme.example'], beta: [] } });
    const unknown = await refused(await connect(server), { site: 'gamma' });
    assert.match(unknown.message ?? '', /not served/);
    const wrongOrigin = await refused(await connect(server, { origin: 'https://evil.example' }), { site: 'acme' });
    assert.match(wrongOrigin.message ?? '', /origin/);
    assert.ok((await (await connect(server, { origin: 'https://acme.example' })).hello({ site: 'acme' })).userId);
    assert.ok((await (await connect(server, { origin: 'https://anything.example' })).hello({ site: 'beta' })).userId);
    assert.equal((await (await connect(server)).hello({ token: server.agentToken('ops') })).role, cs.v1.Role.AGENT, 'agents name no site');
  });
});

describe('client IP behind proxies (finding 3)', () => {
  test('a spoofed left X-Forwarded-For entry does not lift the per-IP cap', async () => {
    const server = await serve({ trustProxy: 1, maxConnectionsPerIp: 3 });
    const spoofed = (i: number) => ({ headers: { 'X-Forwarded-For': `198.51.100.${i}, 203.0.113.7` } });
    for (let i = 0; i < 3; i++) await connect(server, spoofed(i));
    await assert.rejects(ProtoClient.connect(server.wsUrl, spoofed(9)), /429/);
    await connect(server, { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.8' } });
  });

  test('CS_TRUST_PROXY=2 takes the entry the outer of two proxies appended', async () => {
    const server = await serve({ trustProxy: 2, maxConnectionsPerIp: 2 });
    const via = (client: string, inner: string) => ({ headers: { 'X-Forwarded-For': `${client}, 203.0.113.7, ${inner}` } });
    await connect(server, via('198.51.100.1', '10.0.0.1'));
    await connect(server, via('198.51.100.2', '10.0.0.2'));
    await assert.rejects(ProtoClient.connect(server.wsUrl, via('198.51.100.3', '10.0.0.3')), /429/);
  });
});

describe('Hello deadline (finding 6)', () => {
  test('a socket that sends no Hello is closed with a reason, even while it answers pings', async () => {
    const server = await serve({ helloTimeoutMs: 300 });
    const silent = await connect(server);
    silent.sendFrame({ ping: { timeMs: 1 } });
    const closed = await Promise.race([silent.closed, new Promise<CloseInfo>((r) => setTimeout(() => r({ code: 0, reason: 'still open after 3 s' }), 3000))]);
    assert.equal(closed.code, 1008, closed.reason);
    assert.match(closed.reason, /Hello/);
    const error = silent.frames.find((f) => f.error)?.error;
    assert.equal(error?.code, cs.v1.ErrorCode.PROTOCOL);
    const polite = await connect(server);
    await polite.hello({ site: 'acme' });
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(polite.isOpen, 'a session that said Hello stays');
  });

  test('a Hello clears its deadline: sessions that greeted leave no timer to fire later (10,000 connecting at once made 10,000 callbacks 10 s on)', async () => {
    const deadlineMs = 43_210;
    const server = await serve({ helloTimeoutMs: deadlineMs });
    const made = new Set<unknown>();
    const cleared = new Set<unknown>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
      const timer = realSet(fn, ms, ...rest);
      if (ms === deadlineMs) made.add(timer);
      return timer;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((timer?: Parameters<typeof clearTimeout>[0]) => {
      if (made.has(timer)) cleared.add(timer);
      realClear(timer);
    }) as typeof clearTimeout;
    try {
      const clients = [];
      for (let i = 0; i < 5; i++) {
        const client = await connect(server);
        await client.hello({ site: 'acme' });
        clients.push(client);
      }
      assert.equal(made.size, 5, 'one deadline per connection');
      assert.equal(cleared.size, 5, 'every deadline cleared at Hello, while the sockets stay open');
      assert.ok(clients.every((c) => c.isOpen));
    } finally {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    }
  });
});

describe('visitor image URLs (finding 6)', () => {
  test('a visitor\'s IMAGE with an external URL is refused with a clear reason; an agent\'s is not', async () => {
    const server = await serve();
    const visitor = await connect(server);
    await visitor.hello({ site: 'acme' });
    const ack = await visitor.send({ kind: cs.v1.MessageKind.IMAGE, text: 'https://tracker.example/pixel.png' });
    assert.equal(ack.status, cs.v1.AckStatus.REJECTED);
    assert.match(ack.reason ?? '', /visitors send images as uploads/);
    const agent = await connect(server);
    await agent.hello({ token: server.agentToken('ops') });
    const agentAck = await agent.send({ conversationId: visitor.conversationId, kind: cs.v1.MessageKind.IMAGE, text: 'https://cdn.shop.example/size-chart.png' });
    assert.equal(agentAck.status, cs.v1.AckStatus.OK);
  });
});

describe('/metrics token', () => {
  test('with CS_METRICS_TOKEN, /metrics needs the bearer token', async () => {
    const server = await serve({ metricsToken: 'metrics-token-0123456789' });
    const none = await fetch(`${server.url}/metrics`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
    assert.doesNotMatch(await none.text(), /cs_connections/);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status, 401);
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /cs_connections/);
  });

  test('without CS_METRICS_TOKEN, /metrics is open', async () => {
    const server = await serve();
    assert.equal((await fetch(`${server.url}/metrics`)).status, 200);
  });
});

describe('expiring service tokens (finding 4)', () => {
  test('<id>.<exp>.<sig> works until its expiry; the §8 form still works', async () => {
    const server = await serve();
    const fresh = await attempt(server, { token: signAgentToken(TEST_SECRET, 'alice', Date.now() + 60_000) });
    assert.ok(fresh instanceof cs.v1.Welcome);
    assert.equal(fresh.userId, 'alice');
    const soon = await connect(server);
    await soon.hello({ token: signAgentToken(TEST_SECRET, 'alice', Date.now() + 400) });
    const ended = await Promise.race([soon.closed, new Promise<CloseInfo>((r) => setTimeout(() => r({ code: 0, reason: 'still open after 3 s' }), 3000))]);
    assert.equal(ended.code, 1008, ended.reason);
    assert.match(ended.reason, /expired/, 'an open session ends at the expiry');
    const expired = await attempt(server, { token: signAgentToken(TEST_SECRET, 'alice', Date.now() - 1000) });
    assert.ok(expired instanceof cs.v1.Error);
    assert.match(expired.message ?? '', /expired/);
    const lengthened = signAgentToken(TEST_SECRET, 'alice', Date.now() - 1000).replace(/\.(\d+)\./, (_, exp: string) => `.${Number(exp) + 10_000_000}.`);
    assert.ok((await attempt(server, { token: lengthened })) instanceof cs.v1.Error, 'the expiry is signed');
    const dotted = await attempt(server, { token: signAgentToken(TEST_SECRET, 'team.1234567890123') });
    assert.ok(dotted instanceof cs.v1.Welcome);
    assert.equal(dotted.userId, 'team.1234567890123', 'a §8 id that ends in digits is not read as an expiry');
    const v2 = await attempt(server, { token: signAgentToken(TEST_SECRET, 'v2') });
    assert.ok(v2 instanceof cs.v1.Welcome && v2.role === cs.v1.Role.AGENT, 'an agent named v2 is not read as a visitor token');
  });
});

describe('presence to visitors (finding 5)', () => {
  test('a visitor\'s Welcome, Presence and other frames hold no agent ids; the sender name of an agent\'s message is there', async () => {
    const server = await serve();
    const agentId = 'alice.smith@shop.example';
    const visitor = await connect(server);
    await visitor.hello({ site: 'acme' });
    await visitor.send({ text: 'where is my parcel?' });
    const agent = await connect(server);
    const agentWelcome = await agent.hello({ token: server.agentToken(agentId) });
    assert.ok(agentWelcome.agentIds.includes(agentId), 'agents still see who is online');
    const conversationId = visitor.conversationId;
    agent.sendFrame({ action: { conversationId, action: cs.v1.ActionKind.CLAIM } });
    agent.sendFrame({ typing: { conversationId, typing: true } });
    await agent.send({ conversationId, text: 'It ships today.' });
    const presence = await visitor.waitFor((f) => (f.presence?.agentsOnline ?? 0) > 0);
    assert.equal(presence.presence?.agentsOnline, 1, 'visitors learn how many are online');
    const reply = await visitor.waitFor((f) => (f.deliver?.messages ?? []).some((m) => m.text === 'It ships today.'));
    assert.equal(reply.deliver?.messages?.find((m) => m.text === 'It ships today.')?.senderName, 'Alice Smith');
    await visitor.waitFor((f) => !!f.typing);

    const again = await connect(server);
    const welcome = await again.hello({ site: 'acme', token: visitor.welcome?.token ?? '', cursors: [{ conversationId, epoch: '', seq: 0 }] });
    assert.equal(welcome.agentIds.length, 0);
    assert.equal(welcome.conversations?.[0]?.assigneeId, '', 'the assignee is not named to the visitor');
    await again.sync({ conversationId });
    for (const client of [visitor, again]) {
      for (const frame of client.frames) {
        const text = JSON.stringify(frame);
        assert.ok(!text.includes(agentId) && !text.includes('alice.smith'), `a visitor frame names the agent: ${text}`);
      }
    }
  });
});
