/** The announcements JSON API (issue 15, DESIGN.md §12): create, list, edit, whitelist, transitions, and bad input that changes nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from '../support/api-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const API_TOKEN = 'api-token-for-tests-0123456789';
const DAY = 24 * 60 * 60 * 1000;
let server: TestServer;

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

async function call(method: string, path: string, body?: unknown, token = API_TOKEN): Promise<Answer> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function create(extra: Record<string, unknown> = {}): Promise<Answer['body']> {
  const made = await call('POST', '/api/announcements', { site: 'api', title: 'Shipping delay', body: 'Orders ship in 3 days.', expires_at: Date.now() + DAY, ...extra });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body;
}

before(async () => {
  server = await startTestServer({ apiToken: API_TOKEN, broadcastSpreadMs: 100 });
});
after(async () => {
  await server.close();
});

describe('announcements API', () => {
  test('create -> 201 draft; list and get carry state and stats; edit; whitelist; the lifecycle', async () => {
    const made = await create({ link_url: 'https://shop.example/shipping', link_label: 'Details', url_pattern: '/checkout/*', lang: 'en', audience: 'all', min_core_level: 1, fallback_text: 'Orders ship late.' });
    assert.equal(made.state, 'draft');
    assert.equal(made.seq, 0);
    assert.deepEqual(made.stats, { delivered: 0, seen: 0, clicked: 0, dismissed: 0, replied: 0 });
    const id = made.id as string;
    const list = await call('GET', '/api/announcements');
    assert.equal(list.status, 200);
    assert.ok((list.body.announcements as { id: string }[]).some((a) => a.id === id));
    assert.equal((await call('GET', `/api/announcements/${id}`)).body.url_pattern, '/checkout/*');
    const edited = await call('PATCH', `/api/announcements/${id}`, { title: 'Shipping delay: 3 days' });
    assert.equal(edited.body.title, 'Shipping delay: 3 days');
    const whitelist = await call('PUT', `/api/announcements/${id}/whitelist`, { visitor_ids: ['v_a'], user_ids: ['u_b'] });
    assert.deepEqual(whitelist.body, { visitor_ids: ['v_a'], user_ids: ['u_b'] });
    assert.equal((await call('POST', `/api/announcements/${id}/prerelease`)).body.state, 'prerelease');
    const published = await call('POST', `/api/announcements/${id}/publish`);
    assert.equal(published.body.state, 'published');
    assert.ok((published.body.published_at as number) > 0);
    const republished = await call('PATCH', `/api/announcements/${id}`, { body: 'Orders ship in 4 days.' });
    assert.ok((republished.body.seq as number) > (published.body.seq as number), 'an edit while published takes a new seq');
    assert.equal((await call('POST', `/api/announcements/${id}/stop`)).body.state, 'stopped');
    assert.equal((await call('POST', `/api/announcements/${id}/recall`)).body.state, 'recalled');
  });

  test('bad input is 400 with the field named, and nothing is stored', async () => {
    const before = ((await call('GET', '/api/announcements')).body.announcements as unknown[]).length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ site: 'api', title: 'x' }, /expires_at is required/],
      [{ site: 'api', title: 'x', expires_at: Date.now() - 1000 }, /expires_at is in the past/],
      [{ site: 'api', title: 'x', expires_at: Date.now() + DAY, url_pattern: 'sale pages' }, /url_pattern/],
      [{ site: 'api', title: 'x', expires_at: Date.now() + DAY, url_pattern: 'shop.example/*' }, /url_pattern must start/],
      [{ site: 'api', title: 'x', expires_at: Date.now() + DAY, audience: 'vip' }, /audience/],
      [{ title: 'x', expires_at: Date.now() + DAY }, /site is required/],
    ];
    for (const [body, message] of cases) {
      const answer = await call('POST', '/api/announcements', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error?.code, 'bad_request');
      assert.match(answer.body.error?.message ?? '', message);
    }
    const notJson = await fetch(`${server.url}/api/announcements`, { method: 'POST', headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.status, 400);
    assert.equal(((await call('GET', '/api/announcements')).body.announcements as unknown[]).length, before, 'nothing was stored');
    const made = await create();
    const patched = await call('PATCH', `/api/announcements/${made.id as string}`, { expires_at: Date.now() - 5 });
    assert.equal(patched.status, 400);
    assert.equal((await call('GET', `/api/announcements/${made.id as string}`)).body.expires_at, made.expires_at, 'the edit changed nothing');
  });

  test('transitions a state does not allow are 409 and change nothing', async () => {
    const draft = await create();
    const id = draft.id as string;
    const recallDraft = await call('POST', `/api/announcements/${id}/recall`);
    assert.equal(recallDraft.status, 409);
    assert.equal(recallDraft.body.error?.code, 'conflict');
    assert.match(recallDraft.body.error?.message ?? '', /cannot recall a draft/);
    await call('POST', `/api/announcements/${id}/publish`);
    await call('POST', `/api/announcements/${id}/recall`);
    const seq = (await call('GET', `/api/announcements/${id}`)).body.seq;
    for (const move of ['publish', 'prerelease', 'stop', 'recall']) {
      const answer = await call('POST', `/api/announcements/${id}/${move}`);
      assert.equal(answer.status, 409, move);
    }
    assert.equal((await call('PATCH', `/api/announcements/${id}`, { title: 'again' })).status, 409);
    assert.equal((await call('PUT', `/api/announcements/${id}/whitelist`, { visitor_ids: [] })).status, 409);
    const after = (await call('GET', `/api/announcements/${id}`)).body;
    assert.equal(after.state, 'recalled');
    assert.equal(after.seq, seq, 'no seq was taken');
    assert.equal((await call('GET', '/api/announcements/an_missing')).status, 404);
    assert.equal((await call('POST', `/api/announcements/${id}/launch`)).status, 404);
  });

  test('non-admins get 403, no credentials 401, and nothing changes', async () => {
    const before = ((await call('GET', '/api/announcements')).body.announcements as unknown[]).length;
    const agent = server.agentToken('plain-agent');
    const byAgent = await call('POST', '/api/announcements', { site: 'api', title: 'x', expires_at: Date.now() + DAY }, agent);
    assert.equal(byAgent.status, 403);
    assert.equal(byAgent.body.error?.code, 'forbidden');
    assert.equal((await call('GET', '/api/announcements', undefined, agent)).status, 403);
    const anonymous = await call('POST', '/api/announcements', { site: 'api', title: 'x', expires_at: Date.now() + DAY }, '');
    assert.equal(anonymous.status, 401);
    assert.equal((await call('GET', '/api/announcements', undefined, 'forged.token')).status, 401);
    assert.equal(((await call('GET', '/api/announcements')).body.announcements as unknown[]).length, before);
  });

  test('the workbench page is served at /agent/announcements with the strict CSP', async () => {
    const res = await fetch(`${server.url}/agent/announcements`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await res.text(), /cs-announcements/);
  });

  test('signed-in admins manage announcements by session cookie (with the CSRF token); signed-in agents get 403', async () => {
    const owner = { name: 'Olivia Owner', email: 'olivia@shop.example', password: 'owner-password-1' };
    await server.accounts.createOwner(owner);
    const ownerClient = new ApiClient(server.url);
    await ownerClient.login(owner.email, owner.password);
    const invite = async (role: string, email: string): Promise<ApiClient> => {
      const made = await ownerClient.post<{ url: string }>('/api/invites', { role });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const client = new ApiClient(server.url);
      const code = new URL(made.body.url).hash.replace('#code=', '');
      const accepted = await client.post('/api/invites/accept', { code, name: role, email, password: 'a-good-password' });
      assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
      return client;
    };
    const admin = await invite('admin', 'adam@shop.example');
    const agent = await invite('agent', 'alice@shop.example');
    const body = { site: 'api', title: 'By cookie', expires_at: Date.now() + DAY };
    const made = await admin.post<{ id: string; state: string }>('/api/announcements', body);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await admin.post<{ state: string }>(`/api/announcements/${made.body.id}/publish`, undefined)).body.state, 'published');
    const before = ((await call('GET', '/api/announcements')).body.announcements as unknown[]).length;
    const refused = await agent.post<{ error: { code: string } }>('/api/announcements', body);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'forbidden');
    assert.equal((await agent.post(`/api/announcements/${made.body.id}/recall`, undefined)).status, 403);
    assert.equal((await agent.get('/api/announcements')).status, 403);
    assert.equal(((await call('GET', '/api/announcements')).body.announcements as unknown[]).length, before, 'nothing changed');
    assert.equal((await call('GET', `/api/announcements/${made.body.id}`)).body.state, 'published');
  });
});
