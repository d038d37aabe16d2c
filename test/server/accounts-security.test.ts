/**
 * Account security (issue 12 "Must show"): password hash parameters, session
 * cookie flags, the setup link used once, the sign-in rate limit, and the
 * workbench socket authenticated by cookie: own Origin only, closed at once
 * when its session is revoked or its account disabled. Also: transfer only
 * to existing agents, and settings live without a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { KEY_BYTES, LoginLimiter, parseHash, SALT_BYTES, verifyPassword, hashPassword } from '../../server/src/accounts/index.js';
import { ApiClient, type AccountJson, type ErrorBody } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const OWNER = { name: 'Olga Owner', email: 'olga@shop.example', password: 'owner-password-1' };
let server: TestServer;
let owner: ApiClient;
let ownerId = '';
const clients: ProtoClient[] = [];

/** A workbench socket: `/ws?auth=session` with the cookie and an Origin (default: the server's own). */
async function workbenchSocket(cookie: string, origin: string = server.url): Promise<ProtoClient> {
  const client = await ProtoClient.connect(`${server.wsUrl}?auth=session`, { origin, headers: cookie ? { Cookie: `cs_session=${cookie}` } : {} });
  clients.push(client);
  return client;
}

async function upgradeStatus(url: string, headers: Record<string, string>, origin?: string): Promise<string> {
  try {
    const client = await ProtoClient.connect(url, { origin, headers });
    clients.push(client);
    return 'open';
  } catch (error) {
    return (error as Error).message;
  }
}

before(async () => {
  server = await startTestServer({ offlineReply: true });
  ownerId = (await server.accounts.createOwner(OWNER)).id;
  owner = new ApiClient(server.url);
  await owner.login(OWNER.email, OWNER.password);
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe('passwords', () => {
  test('hashes are scrypt at OWASP parameters, salted, and never contain the password', async () => {
    const stored = server.accounts.accounts.passwordHash(ownerId);
    const parsed = parseHash(stored);
    assert.ok(parsed, stored);
    assert.deepEqual(parsed.params, { N: 131072, r: 8, p: 1 });
    assert.equal(parsed.salt.length, SALT_BYTES);
    assert.equal(parsed.salt.length, 16);
    assert.equal(parsed.key.length, KEY_BYTES);
    assert.ok(!stored.includes(OWNER.password));
    const again = await hashPassword(OWNER.password);
    assert.notEqual(again, stored, 'a fresh salt per hash');
    assert.equal(await verifyPassword(OWNER.password, again), true);
    assert.equal(await verifyPassword(`${OWNER.password}x`, again), false);
  });
});

describe('session cookie', () => {
  test('is HttpOnly, SameSite=Lax, Path=/, expiring, not Secure over plain http', async () => {
    const answer = await new ApiClient(server.url).login(OWNER.email, OWNER.password);
    const cookie = answer.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^cs_session=[\w-]{43};/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\//);
    assert.match(cookie, /; Max-Age=\d+/);
    assert.doesNotMatch(cookie, /Secure/);
  });

  test('is Secure behind an https proxy', async () => {
    const proxied = await startTestServer({ trustProxy: 1 });
    try {
      await proxied.accounts.createOwner(OWNER);
      const answer = await new ApiClient(proxied.url).post('/api/login', { email: OWNER.email, password: OWNER.password }, { headers: { 'X-Forwarded-Proto': 'https' } });
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get('set-cookie') ?? '', /; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
    } finally {
      await proxied.close();
    }
  });

  test('only the token\'s SHA-256 is stored', async () => {
    const client = new ApiClient(server.url);
    await client.login(OWNER.email, OWNER.password);
    const sessions = server.accounts.sessions.listFor(ownerId);
    assert.ok(sessions.length > 0);
    assert.equal(server.accounts.sessions.byToken(client.cookie)?.accountId, ownerId);
    assert.ok(!JSON.stringify(sessions).includes(client.cookie));
  });
});

describe('first-run setup link', () => {
  test('works once, and only while the store has no account', async () => {
    const fresh = await startTestServer();
    try {
      const setup = fresh.accounts.createSetupCode();
      assert.ok(setup);
      const first = new ApiClient(fresh.url);
      assert.deepEqual((await first.get('/api/setup')).body, { needed: true });
      const body = { code: setup.code, name: 'First Owner', email: 'first@shop.example', password: 'first-password' };
      const made = await first.post<{ account: AccountJson }>('/api/setup', body);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.account.role, 'owner');
      assert.ok(first.cookie);
      const replay = await new ApiClient(fresh.url).post<ErrorBody>('/api/setup', { ...body, email: 'second@shop.example' });
      assert.equal(replay.status, 409);
      assert.equal(replay.body.error.code, 'conflict');
      assert.equal(fresh.accounts.accounts.list().length, 1);
      assert.equal(fresh.accounts.createSetupCode(), undefined, 'no new setup link once an owner exists');
      assert.deepEqual((await first.get('/api/setup')).body, { needed: false });
    } finally {
      await fresh.close();
    }
  });
});

describe('sign-in rate limit', () => {
  test('five wrong passwords for an account: the sixth attempt is refused with a clear message, even with the right password', async () => {
    const email = 'rita@shop.example';
    const invite = server.accounts.invites.create('agent', email, ownerId);
    await server.accounts.acceptInvite(invite.code, { name: 'Rita', password: 'rita-password' }, '10.0.0.1', 'test');
    const client = new ApiClient(server.url);
    for (let i = 0; i < 5; i++) assert.equal((await client.post('/api/login', { email, password: `wrong-${i}` })).status, 401);
    const limited = await client.post<ErrorBody>('/api/login', { email, password: 'rita-password' });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.match(limited.body.error.message, /Too many failed sign-in attempts\. Try again in \d+ minutes?\./);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal(client.cookie, '');
  });

  test('the limiter counts per IP and per account in a sliding window (injected clock)', () => {
    let now = 0;
    const limiter = new LoginLimiter({ perAccount: 3, perIp: 5, windowMs: 1000, maxKeys: 100 }, () => now);
    for (let i = 0; i < 3; i++) limiter.failed('1.1.1.1', 'a@x');
    assert.ok(limiter.retryAfterMs('1.1.1.1', 'a@x') > 0, 'account limit');
    assert.ok(limiter.retryAfterMs('2.2.2.2', 'A@X') > 0, 'per account from any IP, case-insensitive');
    assert.equal(limiter.retryAfterMs('1.1.1.1', 'b@x'), 0, 'another account from the same IP is still allowed');
    limiter.failed('1.1.1.1', 'b@x');
    limiter.failed('1.1.1.1', 'c@x');
    assert.ok(limiter.retryAfterMs('1.1.1.1', 'd@x') > 0, 'IP limit across accounts');
    now = 1001;
    assert.equal(limiter.retryAfterMs('1.1.1.1', 'a@x'), 0, 'failures leave the window');
    limiter.failed('3.3.3.3', 'e@x');
    limiter.succeeded('e@x');
    assert.equal(limiter.retryAfterMs('3.3.3.3', 'e@x'), 0);
  });
});

describe('workbench socket by session cookie', () => {
  test('signs in the account from its own origin; refuses a foreign or missing Origin and a bad cookie', async () => {
    const socket = await workbenchSocket(owner.cookie);
    const welcome = await socket.hello({ inboxBatch: true });
    assert.equal(welcome.role, cs.v1.Role.AGENT);
    assert.equal(welcome.userId, ownerId);
    assert.equal(welcome.name, OWNER.name);

    const cookie = { Cookie: `cs_session=${owner.cookie}` };
    assert.match(await upgradeStatus(`${server.wsUrl}?auth=session`, cookie, 'https://evil.example'), /403/);
    assert.match(await upgradeStatus(`${server.wsUrl}?auth=session`, cookie), /403/);
    assert.match(await upgradeStatus(`${server.wsUrl}?auth=session`, { Cookie: 'cs_session=forged' }, server.url), /401/);
    assert.match(await upgradeStatus(`${server.wsUrl}?auth=session`, {}, server.url), /401/);
  });

  test('a socket without ?auth=session ignores the cookie (the shop widget on the same origin stays a visitor)', async () => {
    const client = await ProtoClient.connect(server.wsUrl, { origin: server.url, headers: { Cookie: `cs_session=${owner.cookie}` } });
    clients.push(client);
    const welcome = await client.hello({ site: 'acme' });
    assert.equal(welcome.role, cs.v1.Role.VISITOR);
  });

  test('signing out closes that session\'s open socket at once; other sessions stay', async () => {
    const laptop = new ApiClient(server.url);
    await laptop.login(OWNER.email, OWNER.password);
    const doomed = await workbenchSocket(laptop.cookie);
    await doomed.hello();
    const survivor = await workbenchSocket(owner.cookie);
    await survivor.hello();
    assert.equal((await laptop.post('/api/logout')).status, 204);
    const closed = await doomed.closed;
    assert.ok(closed.code >= 4000 || closed.code === 1008 || closed.code > 1000, `closed with ${closed.code} ${closed.reason}`);
    assert.ok(doomed.frames.some((f) => f.error?.code === cs.v1.ErrorCode.UNAUTHENTICATED));
    assert.equal(survivor.socket.readyState, survivor.socket.OPEN);
  });

  test('disabling an account closes its sockets and refuses new ones', async () => {
    const invite = server.accounts.invites.create('agent', 'dan@shop.example', ownerId);
    const dan = new ApiClient(server.url);
    assert.equal((await dan.post('/api/invites/accept', { code: invite.code, name: 'Dan', password: 'dan-password' })).status, 201);
    const socket = await workbenchSocket(dan.cookie);
    const welcome = await socket.hello();
    const accounts = await owner.get<{ accounts: AccountJson[] }>('/api/accounts');
    assert.equal(accounts.body.accounts.find((a) => a.id === welcome.userId)?.online, true, 'listed online');
    assert.equal((await owner.patch(`/api/accounts/${welcome.userId}`, { disabled: true })).status, 200);
    await socket.closed;
    assert.ok(socket.frames.some((f) => f.error?.code === cs.v1.ErrorCode.UNAUTHENTICATED));
    assert.match(await upgradeStatus(`${server.wsUrl}?auth=session`, { Cookie: `cs_session=${dan.cookie}` }, server.url), /401/);
    const after = await owner.get<{ accounts: AccountJson[] }>('/api/accounts');
    assert.equal(after.body.accounts.find((a) => a.id === welcome.userId)?.online, false);
  });

  test('service tokens keep working for bots and tools', async () => {
    const bot = await ProtoClient.open(server.wsUrl, { token: server.agentToken('order-bot') });
    clients.push(bot);
    assert.equal(bot.welcome?.role, cs.v1.Role.AGENT);
    assert.equal(bot.welcome?.userId, 'order-bot');
  });
});

describe('transfer and assign', () => {
  test('only to an existing, enabled agent; a ghost id or a disabled account is refused and nothing changes', async () => {
    const visitor = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    clients.push(visitor);
    await visitor.send({ text: 'hello' });
    const socket = await workbenchSocket(owner.cookie);
    await socket.hello();
    const assign = async (agentId: string): Promise<cs.v1.Frame> => {
      const mark = socket.mark();
      socket.sendFrame({ action: { conversationId: visitor.conversationId, action: cs.v1.ActionKind.ASSIGN, agentId } });
      return socket.waitFor((f) => !!f.error || f.inboxUpdate?.conversation?.id === visitor.conversationId, { since: mark });
    };
    const ghost = await assign('nobody-here');
    assert.equal(ghost.error?.code, cs.v1.ErrorCode.NOT_FOUND);
    const invite = server.accounts.invites.create('agent', 'eve@shop.example', ownerId);
    const eve = await server.accounts.acceptInvite(invite.code, { name: 'Eve Agent', password: 'eve-password' }, '127.0.0.1', 'test');
    server.accounts.updateAccount({ id: ownerId, role: 'owner', kind: 'account' }, eve.account.id, { disabled: true });
    const disabled = await assign(eve.account.id);
    assert.equal(disabled.error?.code, cs.v1.ErrorCode.NOT_FOUND);
    assert.match(disabled.error?.message ?? '', /disabled/);
    assert.equal(server.store.get(visitor.conversationId)?.assigneeId, '');

    server.accounts.updateAccount({ id: ownerId, role: 'owner', kind: 'account' }, eve.account.id, { disabled: false });
    const ok = await assign(eve.account.id);
    assert.equal(ok.error, null);
    assert.equal(server.store.get(visitor.conversationId)?.assigneeId, eve.account.id);
    const stored = server.store.get(visitor.conversationId);
    const texts = Array.from({ length: stored?.lastSeq ?? 0 }, (_, i) => stored?.message(i + 1)?.text ?? '');
    assert.ok(texts.some((t) => t === 'Olga Owner assigned the conversation to Eve Agent'), `the event names people, not ids: ${texts.join(' | ')}`);
  });
});

describe('settings live without a restart', () => {
  test('blocked words, the offline text and allowed origins apply to the next message / connection', async () => {
    const token = 'provisioning-token-0123456789';
    const quiet = await startTestServer({ offlineReply: true, apiToken: token });
    const api = new ApiClient(quiet.url);
    const bearer = { origin: '', headers: { Authorization: `Bearer ${token}` } };
    const upgrade = async (origin: string): Promise<string> => {
      try {
        await (await ProtoClient.connect(quiet.wsUrl, { origin })).close();
        return 'open';
      } catch (error) {
        return (error as Error).message;
      }
    };
    try {
      const patched = await api.patch('/api/settings', { blocked_words: ['darn'], texts: { 'zh-CN': { offline: '我们马上回来。' } } }, bearer);
      assert.equal(patched.status, 200);
      const visitor = await ProtoClient.open(quiet.wsUrl, { site: 'acme', lang: 'zh-CN' });
      clients.push(visitor);
      await visitor.send({ text: 'darn it' });
      const reply = await visitor.waitFor((f) => f.deliver?.messages?.some((m) => m.senderRole === cs.v1.Role.BOT) ?? false);
      assert.equal(reply.deliver?.messages?.[0]?.text, '我们马上回来。');
      const history = await visitor.sync({ afterSeq: 0 });
      assert.equal(history.messages?.[0]?.text, '**** it');

      assert.equal(await upgrade('https://other.example'), 'open');
      assert.equal((await api.patch('/api/settings', { allowed_origins: ['https://shop.example'] }, bearer)).status, 200);
      assert.match(await upgrade('https://other.example'), /403/);
      assert.equal(await upgrade('https://shop.example'), 'open');
      assert.equal(await upgrade(quiet.url), 'open', 'the server\'s own origin is always allowed');
    } finally {
      await quiet.close();
    }
  });
});
