/**
 * The JSON API (DESIGN.md §12, issue 12) against a real server: every
 * endpoint with good and bad input. A refusal has the documented status and
 * `{error: {code, message}}`, and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient, type AccountJson, type ErrorBody } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const API_TOKEN = 'api-token-0123456789abcdefghij';
const OWNER = { name: 'Olivia Owner', email: 'olivia@shop.example', password: 'owner-password-1' };
let server: TestServer;
let owner: ApiClient;
let admin: ApiClient;
let agent: ApiClient;
let agentAccount: AccountJson;
let adminAccount: AccountJson;
const sockets: ProtoClient[] = [];

function expectError(answer: { status: number; body: unknown }, status: number, code: string): void {
  const body = answer.body as ErrorBody;
  assert.equal(answer.status, status, `status for ${JSON.stringify(answer.body)}`);
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 0, 'a message says why');
}

/** Invites and accepts an account of `role`; returns its signed-in client and account. */
async function invited(by: ApiClient, role: string, name: string, email: string): Promise<{ client: ApiClient; account: AccountJson }> {
  const made = await by.post<{ url: string }>('/api/invites', { role });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const code = new URL(made.body.url).hash.replace('#code=', '');
  const client = new ApiClient(server.url);
  const accepted = await client.post<{ account: AccountJson }>('/api/invites/accept', { code, name, email, password: 'a-good-password' });
  assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  return { client, account: accepted.body.account };
}

before(async () => {
  server = await startTestServer({ apiToken: API_TOKEN });
  await server.accounts.createOwner(OWNER);
  owner = new ApiClient(server.url);
  await owner.login(OWNER.email, OWNER.password);
  ({ client: admin, account: adminAccount } = await invited(owner, 'admin', 'Adam Admin', 'adam@shop.example'));
  ({ client: agent, account: agentAccount } = await invited(admin, 'agent', 'Alice Smith', 'alice@shop.example'));
});
after(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server.close();
});

describe('routing and request shape', () => {
  test('an unknown route is 404 and a wrong method 405, both in the error shape', async () => {
    expectError(await owner.get('/api/nothing-here'), 404, 'not_found');
    expectError(await owner.request('PUT', '/api/me', {}), 405, 'method_not_allowed');
  });

  test('a body that is not JSON is 400, not application/json 415, too large 413', async () => {
    const anon = new ApiClient(server.url);
    expectError(await anon.post('/api/login', undefined, { raw: '{nope', headers: { 'Content-Type': 'application/json' } }), 400, 'bad_request');
    expectError(await anon.post('/api/login', undefined, { raw: 'email=a', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
    expectError(await anon.post('/api/login', { email: 'x'.repeat(70_000), password: 'y' }), 413, 'payload_too_large');
    expectError(await anon.post('/api/login', [1, 2]), 400, 'bad_request');
  });

  test('staff routes without credentials are 401; a bad bearer token is 401', async () => {
    const anon = new ApiClient(server.url);
    for (const path of ['/api/me', '/api/accounts', '/api/settings', '/api/canned-replies', '/api/conversations', '/api/sessions', '/api/invites']) {
      expectError(await anon.get(path), 401, 'unauthenticated');
    }
    expectError(await anon.get('/api/me', { headers: { Authorization: 'Bearer forged.token' } }), 401, 'unauthenticated');
    expectError(await anon.get('/api/me', { headers: { Authorization: 'Basic abc' } }), 401, 'unauthenticated');
  });
});

describe('login, me, logout', () => {
  test('missing fields and wrong types are 400; a wrong password is 401 with a clear message', async () => {
    const anon = new ApiClient(server.url);
    expectError(await anon.post('/api/login', {}), 400, 'bad_request');
    expectError(await anon.post('/api/login', { email: OWNER.email }), 400, 'bad_request');
    expectError(await anon.post('/api/login', { email: 42, password: 'x' }), 400, 'bad_request');
    const wrong = await anon.post<ErrorBody>('/api/login', { email: OWNER.email, password: 'not-the-password' });
    expectError(wrong, 401, 'unauthenticated');
    assert.match(wrong.body.error.message, /wrong email or password/i);
    assert.equal(anon.cookie, '', 'no cookie for a failed sign-in');
  });

  test('a login from another origin is refused (login CSRF)', async () => {
    const anon = new ApiClient(server.url);
    expectError(await anon.post('/api/login', { email: OWNER.email, password: OWNER.password }, { origin: 'https://evil.example' }), 403, 'csrf');
    assert.equal(anon.cookie, '');
  });

  test('me names the account and carries the CSRF token; logout ends the session', async () => {
    const me = await owner.get<{ account: AccountJson; csrf_token: string }>('/api/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.account.email, OWNER.email);
    assert.equal(me.body.account.role, 'owner');
    assert.equal(me.body.csrf_token, owner.csrf);
    assert.equal((me.body.account as unknown as Record<string, unknown>).password_hash, undefined, 'never the hash');

    const second = new ApiClient(server.url);
    await second.login(OWNER.email, OWNER.password);
    const cookie = second.cookie;
    const out = await second.post('/api/logout');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /cs_session=;.*Max-Age=0/);
    const stale = new ApiClient(server.url);
    stale.cookie = cookie;
    expectError(await stale.get('/api/me'), 401, 'unauthenticated');
  });

  test('PATCH /api/me changes one\'s own name; role and unknown fields are refused', async () => {
    const renamed = await agent.patch<AccountJson>('/api/me', { name: 'Alice B. Smith' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'Alice B. Smith');
    expectError(await agent.patch('/api/me', { role: 'admin' }), 400, 'bad_request');
    expectError(await agent.patch('/api/me', { name: '' }), 400, 'bad_request');
    expectError(await agent.patch('/api/me', { avatar_color: 'red' }), 400, 'bad_request');
    const me = await agent.get<{ account: AccountJson }>('/api/me');
    assert.equal(me.body.account.role, 'agent');
    assert.equal(me.body.account.name, 'Alice B. Smith');
  });
});

describe('CSRF defence for cookie-authenticated writes', () => {
  test('a write without, or with a wrong, X-CSRF-Token is 403 and changes nothing', async () => {
    const before = await owner.get<{ widget: { color: string } }>('/api/settings');
    expectError(await owner.patch('/api/settings', { widget: { color: '#ff0000' } }, { csrf: '' }), 403, 'csrf');
    expectError(await owner.patch('/api/settings', { widget: { color: '#ff0000' } }, { csrf: 'wrong' }), 403, 'csrf');
    expectError(await owner.patch('/api/settings', { widget: { color: '#ff0000' } }, { origin: 'https://evil.example' }), 403, 'csrf');
    const afterwards = await owner.get<{ widget: { color: string } }>('/api/settings');
    assert.deepEqual(afterwards.body, before.body);
  });

  test('bearer tokens are not ambient and need no CSRF token', async () => {
    const bot = new ApiClient(server.url);
    const me = await bot.get<{ agent_id: string; kind: string }>('/api/me', { headers: { Authorization: `Bearer ${server.agentToken('helper-bot')}` } });
    assert.equal(me.status, 200);
    assert.equal(me.body.agent_id, 'helper-bot');
    assert.equal(me.body.kind, 'service');
    expectError(await bot.patch('/api/settings', { widget: { title: 'x' } }, { headers: { Authorization: `Bearer ${server.agentToken('helper-bot')}` } }), 403, 'forbidden');
    const provisioning = await bot.patch<{ widget: { title: string } }>('/api/settings', { widget: { title: 'Acme' } }, { origin: '', headers: { Authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(provisioning.status, 200, 'CS_API_TOKEN has owner rights');
    assert.equal(provisioning.body.widget.title, 'Acme');
  });
});

describe('invites', () => {
  test('bad role, bad email, wrong role of the inviter are refused; nothing is made', async () => {
    const pending = (await owner.get<{ invites: unknown[] }>('/api/invites')).body.invites.length;
    expectError(await owner.post('/api/invites', {}), 400, 'bad_request');
    expectError(await owner.post('/api/invites', { role: 'owner' }), 400, 'bad_request');
    expectError(await owner.post('/api/invites', { role: 'agent', email: 'not-an-email' }), 400, 'bad_request');
    expectError(await owner.post('/api/invites', { role: 'agent', email: 17 }), 400, 'bad_request');
    expectError(await agent.post('/api/invites', { role: 'agent' }), 403, 'forbidden');
    expectError(await admin.post('/api/invites', { role: 'admin' }), 403, 'forbidden');
    expectError(await owner.post('/api/invites', { role: 'agent', email: OWNER.email }), 409, 'conflict');
    expectError(await agent.get('/api/invites'), 403, 'forbidden');
    assert.equal((await owner.get<{ invites: unknown[] }>('/api/invites')).body.invites.length, pending);
  });

  test('an invite link is used once; a bad accept changes nothing; the invitee chooses name and password', async () => {
    const made = await admin.post<{ url: string; invite: { id: string; email: string } }>('/api/invites', { role: 'agent', email: 'bob@shop.example' });
    assert.equal(made.status, 201);
    const url = new URL(made.body.url);
    assert.equal(url.pathname, '/invite');
    const code = url.hash.replace('#code=', '');
    const preview = await new ApiClient(server.url).post<{ role: string; email: string }>('/api/invites/preview', { code });
    assert.deepEqual({ role: preview.body.role, email: preview.body.email }, { role: 'agent', email: 'bob@shop.example' });
    expectError(await new ApiClient(server.url).post('/api/invites/preview', { code: 'nope' }), 404, 'not_found');

    const bob = new ApiClient(server.url);
    expectError(await bob.post('/api/invites/accept', { code, name: 'Bob' }), 400, 'bad_request');
    expectError(await bob.post('/api/invites/accept', { code, name: 'Bob', password: 'short' }), 400, 'bad_request');
    expectError(await bob.post('/api/invites/accept', { code, name: 7, password: 'long-enough-pw' }), 400, 'bad_request');
    expectError(await bob.post('/api/invites/accept', { code: 'wrong', name: 'Bob', password: 'long-enough-pw' }), 404, 'not_found');
    const accepted = await bob.post<{ account: AccountJson }>('/api/invites/accept', { code, name: 'Bob Builder', password: 'long-enough-pw' });
    assert.equal(accepted.status, 201);
    assert.equal(accepted.body.account.email, 'bob@shop.example', 'the invite fixed the email');
    assert.equal(accepted.body.account.role, 'agent');
    assert.ok(bob.cookie, 'signed in at once');
    expectError(await new ApiClient(server.url).post('/api/invites/accept', { code, name: 'Eve', email: 'eve@x.example', password: 'long-enough-pw' }), 404, 'not_found');
    assert.equal(server.accounts.accounts.byEmail('eve@x.example'), undefined);
  });

  test('a pending invite can be withdrawn; unknown ids are 404', async () => {
    const made = await owner.post<{ invite: { id: string } }>('/api/invites', { role: 'agent' });
    expectError(await agent.delete(`/api/invites/${made.body.invite.id}`), 403, 'forbidden');
    assert.equal((await owner.delete(`/api/invites/${made.body.invite.id}`)).status, 204);
    expectError(await owner.delete(`/api/invites/${made.body.invite.id}`), 404, 'not_found');
  });
});

describe('accounts', () => {
  test('the list has names, roles and online state for every staff member', async () => {
    const list = await agent.get<{ accounts: AccountJson[] }>('/api/accounts');
    assert.equal(list.status, 200);
    const alice = list.body.accounts.find((a) => a.id === agentAccount.id);
    assert.equal(alice?.role, 'agent');
    assert.equal(typeof alice?.online, 'boolean');
    expectError(await agent.get('/api/accounts/a_unknown'), 404, 'not_found');
  });

  test('bad input, unknown ids and wrong roles are refused and change nothing', async () => {
    const before = server.accounts.accounts.get(agentAccount.id);
    expectError(await admin.patch('/api/accounts/a_unknown', { name: 'X' }), 404, 'not_found');
    expectError(await admin.patch(`/api/accounts/${agentAccount.id}`, { disabled: 'yes' }), 400, 'bad_request');
    expectError(await admin.patch(`/api/accounts/${agentAccount.id}`, { role: 'owner' }), 400, 'bad_request');
    expectError(await admin.patch(`/api/accounts/${agentAccount.id}`, { password_hash: 'x' }), 400, 'bad_request');
    expectError(await admin.patch(`/api/accounts/${agentAccount.id}`, { role: 'admin' }), 403, 'forbidden');
    expectError(await agent.patch(`/api/accounts/${adminAccount.id}`, { name: 'Hacked' }), 403, 'forbidden');
    const ownerId = server.accounts.accounts.byEmail(OWNER.email)?.id ?? '';
    expectError(await admin.patch(`/api/accounts/${ownerId}`, { disabled: true }), 403, 'forbidden');
    expectError(await owner.patch(`/api/accounts/${ownerId}`, { disabled: true }), 403, 'forbidden');
    expectError(await admin.patch(`/api/accounts/${adminAccount.id}`, { role: 'agent' }), 403, 'forbidden');
    assert.deepEqual(server.accounts.accounts.get(agentAccount.id), before);
  });

  test('disabling an account signs it out; it cannot sign in again; enabling lets it back', async () => {
    const carl = await invited(admin, 'agent', 'Carl', 'carl@shop.example');
    const off = await admin.patch<AccountJson>(`/api/accounts/${carl.account.id}`, { disabled: true });
    assert.equal(off.status, 200);
    assert.equal(off.body.disabled, true);
    expectError(await carl.client.get('/api/me'), 401, 'unauthenticated');
    const again = await new ApiClient(server.url).post<ErrorBody>('/api/login', { email: 'carl@shop.example', password: 'a-good-password' });
    expectError(again, 403, 'account_disabled');
    assert.match(again.body.error.message, /disabled/);
    assert.equal((await admin.patch(`/api/accounts/${carl.account.id}`, { disabled: false })).status, 200);
    await new ApiClient(server.url).login('carl@shop.example', 'a-good-password');
  });
});

describe('sessions', () => {
  test('an account lists its sessions and revokes one; others\' sessions look unknown', async () => {
    const phone = new ApiClient(server.url);
    await phone.login('alice@shop.example', 'a-good-password');
    const list = await agent.get<{ sessions: { id: string; current: boolean }[] }>('/api/sessions');
    assert.equal(list.status, 200);
    assert.ok(list.body.sessions.length >= 2);
    const other = list.body.sessions.find((s) => !s.current);
    assert.ok(other);
    expectError(await agent.delete('/api/sessions/s_unknown'), 404, 'not_found');
    const ownerSessions = await owner.get<{ sessions: { id: string }[] }>('/api/sessions');
    expectError(await agent.delete(`/api/sessions/${ownerSessions.body.sessions[0]?.id}`), 404, 'not_found');
    expectError(await agent.get(`/api/sessions?account_id=${adminAccount.id}`), 403, 'forbidden');
    assert.equal((await agent.delete(`/api/sessions/${other.id}`)).status, 204);
    expectError(await phone.get('/api/me'), 401, 'unauthenticated');
    assert.equal((await agent.get('/api/me')).status, 200, 'the current session still works');
    assert.equal((await admin.get(`/api/sessions?account_id=${agentAccount.id}`)).status, 200, 'admins see agents\' sessions');
  });
});

describe('settings', () => {
  test('bad values, unknown keys and the agent role are refused; the settings stay', async () => {
    const before = (await owner.get('/api/settings')).body;
    expectError(await agent.patch('/api/settings', { widget: { color: '#00ff00' } }), 403, 'forbidden');
    expectError(await owner.patch('/api/settings', { widget: { color: 'green' } }), 400, 'bad_request');
    expectError(await owner.patch('/api/settings', { widget: { position: 'top' } }), 400, 'bad_request');
    expectError(await owner.patch('/api/settings', { colour: '#00ff00' }), 400, 'bad_request');
    expectError(await owner.patch('/api/settings', { texts: { fr: { greeting: 'Salut' } } }), 400, 'bad_request');
    expectError(await owner.patch('/api/settings', { texts: { en: { greeting: '' } } }), 400, 'bad_request');
    expectError(await owner.patch('/api/settings', { blocked_words: 'darn' }), 400, 'bad_request');
    expectError(await owner.patch('/api/settings', { blocked_words_mode: 'drop' }), 400, 'bad_request');
    expectError(await owner.patch('/api/settings', { allowed_origins: ['not a url'] }), 400, 'bad_request');
    expectError(await owner.patch('/api/settings', { widget: { color: '#00ff00' }, allowed_origins: [3] }), 400, 'bad_request');
    assert.deepEqual((await owner.get('/api/settings')).body, before);
  });

  test('a change is stored and served to the widget at once (public, any origin)', async () => {
    const changed = await admin.patch<{ widget: { color: string }; texts: { en: { greeting: string } } }>('/api/settings', {
      widget: { color: '#0a7d3e', position: 'left' },
      texts: { en: { greeting: 'Welcome to Acme!' }, 'zh-CN': { greeting: '欢迎光临！' } },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.widget.color, '#0a7d3e');
    const config = await fetch(`${server.url}/api/widget-config`);
    assert.equal(config.headers.get('access-control-allow-origin'), '*');
    const body = (await config.json()) as { color: string; position: string; texts: Record<string, { greeting: string; offline: string }> };
    assert.equal(body.color, '#0a7d3e');
    assert.equal(body.position, 'left');
    assert.equal(body.texts.en?.greeting, 'Welcome to Acme!');
    assert.equal(body.texts['zh-CN']?.greeting, '欢迎光临！');
    assert.ok(body.texts.en?.offline, 'untouched texts keep their values');
  });
});

describe('canned replies', () => {
  test('create, edit, delete; bad input, duplicates, unknown ids and the agent role are refused', async () => {
    expectError(await agent.post('/api/canned-replies', { shortcut: 'hi', text: 'Hello!' }), 403, 'forbidden');
    expectError(await admin.post('/api/canned-replies', { shortcut: 'hi' }), 400, 'bad_request');
    expectError(await admin.post('/api/canned-replies', { shortcut: 'has space', text: 'x' }), 400, 'bad_request');
    expectError(await admin.post('/api/canned-replies', { shortcut: 'hi', text: 5 }), 400, 'bad_request');
    const made = await admin.post<{ id: string; shortcut: string }>('/api/canned-replies', { shortcut: 'hi', text: 'Hello! How can I help?' });
    assert.equal(made.status, 201);
    expectError(await admin.post('/api/canned-replies', { shortcut: 'HI', text: 'again' }), 409, 'conflict');
    const other = await admin.post<{ id: string }>('/api/canned-replies', { shortcut: 'bye', text: 'Bye!' });
    expectError(await admin.patch(`/api/canned-replies/${other.body.id}`, { shortcut: 'hi' }), 409, 'conflict');
    expectError(await admin.patch('/api/canned-replies/c_unknown', { text: 'x' }), 404, 'not_found');
    expectError(await agent.patch(`/api/canned-replies/${made.body.id}`, { text: 'x' }), 403, 'forbidden');
    const edited = await admin.patch<{ text: string }>(`/api/canned-replies/${made.body.id}`, { text: 'Hi there!' });
    assert.equal(edited.body.text, 'Hi there!');
    const list = await agent.get<{ canned_replies: { shortcut: string; text: string }[] }>('/api/canned-replies');
    assert.deepEqual(list.body.canned_replies.map((r) => [r.shortcut, r.text]), [['bye', 'Bye!'], ['hi', 'Hi there!']]);
    expectError(await agent.delete(`/api/canned-replies/${made.body.id}`), 403, 'forbidden');
    assert.equal((await admin.delete(`/api/canned-replies/${made.body.id}`)).status, 204);
    expectError(await admin.delete(`/api/canned-replies/${made.body.id}`), 404, 'not_found');
  });
});

describe('conversations', () => {
  test('list, search, read and export; bad queries and unknown ids are refused', async () => {
    const visitor = await ProtoClient.open(server.wsUrl, { site: 'acme', topic: 'order-1234', identity: { userId: 'u1', name: 'Vera Visitor', email: 'vera@mail.example', signature: server.identitySignature('u1') } });
    sockets.push(visitor);
    await visitor.send({ text: 'Where is my parcel?' });
    await visitor.send({ text: 'It was due Monday.' });
    const id = visitor.conversationId;

    const list = await agent.get<{ conversations: { id: string; visitor_name: string; topic: string }[]; sites: string[] }>('/api/conversations');
    assert.equal(list.status, 200);
    assert.ok(list.body.conversations.some((c) => c.id === id && c.visitor_name === 'Vera Visitor' && c.topic === 'order-1234'));
    assert.ok(list.body.sites.includes('acme'));
    for (const q of ['parcel', 'VERA', 'vera@mail', 'order-12']) {
      const found = await agent.get<{ conversations: { id: string }[] }>(`/api/conversations?q=${encodeURIComponent(q)}`);
      assert.ok(found.body.conversations.some((c) => c.id === id), `search "${q}"`);
    }
    const none = await agent.get<{ conversations: unknown[] }>('/api/conversations?q=zebra');
    assert.equal(none.body.conversations.length, 0);
    assert.equal((await agent.get<{ conversations: unknown[] }>('/api/conversations?site=other')).body.conversations.length, 0);
    expectError(await agent.get('/api/conversations?status=closed'), 400, 'bad_request');
    expectError(await agent.get('/api/conversations?limit=abc'), 400, 'bad_request');
    expectError(await agent.get('/api/conversations?limit=0'), 400, 'bad_request');
    expectError(await agent.get(`/api/conversations?q=${'x'.repeat(201)}`), 400, 'bad_request');
    expectError(await agent.get('/api/conversations?q=beeswax&limit=501'), 400, 'bad_request');

    const read = await agent.get<{ messages: { seq: number; text: string; sender_role: string }[]; has_more: boolean }>(`/api/conversations/${id}?after_seq=1`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.messages.map((m) => [m.seq, m.text, m.sender_role]), [[2, 'It was due Monday.', 'visitor']]);
    expectError(await agent.get('/api/conversations/c_unknown'), 404, 'not_found');
    expectError(await agent.get(`/api/conversations/${id}?after_seq=-1`), 400, 'bad_request');

    const exported = await agent.get<{ conversation: { id: string }; messages: unknown[] }>(`/api/conversations/${id}/export`);
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-disposition') ?? '', /attachment; filename="conversation-/);
    assert.equal(exported.body.messages.length, 2);
    expectError(await agent.get('/api/conversations/c_unknown/export'), 404, 'not_found');
  });
});
