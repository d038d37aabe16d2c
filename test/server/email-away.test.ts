/**
 * Away mode and email capture on the wire (issue 14): business hours and
 * agents' away toggle decide `Welcome.away` / `Presence.away` and the next
 * opening; the offline auto-reply says when the team is back in the
 * visitor's zone and promises email only when it can; `Contact` is
 * validated (nothing stored on bad input) and shown to agents; the settings
 * API validates business hours and email settings; the email tables'
 * migration keeps old data.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { cs } from '../../proto/gen/chat.js';
import { DEFAULT_BUSINESS_HOURS } from '../../server/src/email/hours.js';
import { migrate, MIGRATIONS } from '../../server/src/store/migrations.js';
import { ApiClient, type ErrorBody } from '../support/api-client.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const API_TOKEN = 'email-away-api-token-0123456789';
const BEARER = { headers: { Authorization: `Bearer ${API_TOKEN}` } };
/** Saturday 10 January 2026, 12:00 UTC (13:00 in Berlin). */
const SATURDAY_NOON = Date.parse('2026-01-10T12:00:00Z');
/** Monday 12 January 2026, 09:00 in Berlin. */
const MONDAY_OPEN = Date.parse('2026-01-12T08:00:00Z');
/** Monday 12 January 2026, 11:00 in Berlin (open). */
const MONDAY_MORNING = Date.parse('2026-01-12T10:00:00Z');
const BERLIN_HOURS = { ...DEFAULT_BUSINESS_HOURS, enabled: true, timezone: 'Europe/Berlin' };

const running: TestServer[] = [];
const clients: ProtoClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function serve(clockMs: number, overrides: Parameters<typeof startTestServer>[0] = {}): Promise<{ server: TestServer; clock: { now: number } }> {
  const clock = { now: clockMs };
  const server = await startTestServer({ apiToken: API_TOKEN, emailClock: () => clock.now, coalesceMs: 20, ...overrides });
  running.push(server);
  server.accounts.settings.update({ business_hours: BERLIN_HOURS }, 'test');
  return { server, clock };
}
async function open(server: TestServer, hello: cs.v1.Hello.$Properties): Promise<ProtoClient> {
  const client = await ProtoClient.open(server.wsUrl, hello);
  clients.push(client);
  return client;
}
const visitorHello = (extra: cs.v1.Hello.$Properties = {}): cs.v1.Hello.$Properties => ({ site: 'shop', lang: 'en', ...extra });

function expectError(answer: { status: number; body: unknown }, status: number): string {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  return (answer.body as ErrorBody).error.message;
}

describe('away mode', () => {
  test('outside business hours the Welcome says away with the next opening, even with an agent online', async () => {
    const { server } = await serve(SATURDAY_NOON);
    await open(server, { token: server.agentToken('alice') });
    const visitor = await open(server, visitorHello());
    assert.equal(visitor.welcome?.agentsOnline, 0, 'away: nobody can answer now');
    assert.equal(visitor.welcome?.nextOpenMs, MONDAY_OPEN);
  });

  test('inside hours: away only while no agent is online or every online agent set away; visitors hear it at once', async () => {
    const { server } = await serve(MONDAY_MORNING);
    const visitor = await open(server, visitorHello());
    assert.equal(visitor.welcome?.agentsOnline, 0, 'nobody online');
    assert.equal(visitor.welcome?.nextOpenMs, 0, 'inside hours the time of return is not known');
    const agent = await open(server, { token: server.agentToken('alice') });
    await visitor.waitFor((f) => f.presence?.agentsOnline === 1);
    const mark = visitor.mark();
    const agentMark = agent.mark();
    agent.sendFrame({ agentStatus: { away: true } });
    const presence = (await visitor.waitFor((f) => !!f.presence, { since: mark })).presence as cs.v1.Presence;
    assert.equal(presence.agentsOnline, 0, 'an away agent does not count for visitors');
    assert.equal((await agent.waitFor((f) => !!f.agentStatus, { since: agentMark })).agentStatus?.away, true, 'the agent\'s sessions are told');
    // A new workbench tab of the same agent is told it is away, right after its Welcome.
    const second = await open(server, { token: server.agentToken('alice') });
    assert.equal((await second.waitFor((f) => !!f.agentStatus)).agentStatus?.away, true);
    agent.sendFrame({ agentStatus: { away: false } });
    await visitor.waitFor((f) => f.presence?.agentsOnline === 1, { since: mark });
  });

  test('a visitor may not send AgentStatus', async () => {
    const { server } = await serve(MONDAY_MORNING);
    const visitor = await open(server, visitorHello());
    visitor.sendFrame({ agentStatus: { away: true } });
    assert.equal((await visitor.nextError()).code, cs.v1.ErrorCode.FORBIDDEN);
  });

  test('changing the business hours re-tells the widgets at once', async () => {
    const { server } = await serve(SATURDAY_NOON);
    await open(server, { token: server.agentToken('alice') });
    const visitor = await open(server, visitorHello());
    const mark = visitor.mark();
    server.accounts.settings.update({ business_hours: { enabled: false } }, 'test');
    const presence = (await visitor.waitFor((f) => !!f.presence, { since: mark })).presence as cs.v1.Presence;
    assert.equal(presence.agentsOnline, 1);
    assert.equal(presence.nextOpenMs, 0);
  });
});

describe('the offline auto-reply', () => {
  async function offlineReply(server: TestServer, hello: cs.v1.Hello.$Properties): Promise<string> {
    const visitor = await open(server, visitorHello(hello));
    assert.equal((await visitor.send({ text: 'Where is my parcel?' })).status, cs.v1.AckStatus.OK);
    const frame = await visitor.waitFor((f) => (f.deliver?.messages ?? []).some((m) => m.senderRole === cs.v1.Role.BOT));
    return frame.deliver?.messages?.find((m) => m.senderRole === cs.v1.Role.BOT)?.text ?? "";
  }

  test('says when the team is back in the visitor\'s own zone and language, and promises no email while email is off', async () => {
    const { server } = await serve(SATURDAY_NOON, { offlineReply: true });
    assert.equal(await offlineReply(server, { timeZone: 'Europe/Berlin' }), 'Our team is away right now. Back at 09:00 Monday.');
    assert.equal(await offlineReply(server, { timeZone: 'America/New_York', deviceId: 'ny' }), 'Our team is away right now. Back at 03:00 Monday.');
    const zh = await offlineReply(server, { timeZone: 'Asia/Shanghai', lang: 'zh-CN' });
    assert.equal(zh, '客服暂时不在。我们将于周一 16:00 回来。');
    // No zone sent: the merchant's zone, named.
    assert.equal(await offlineReply(server, {}), 'Our team is away right now. Back at 09:00 Monday (Europe/Berlin).');
  });

  test('with email on, it invites the visitor to leave an email; with one known, it says where the reply goes', async () => {
    const { server } = await serve(SATURDAY_NOON, { offlineReply: true, smtpUrl: 'smtp://127.0.0.1:9', mailFrom: 'Shop <shop@shop.example>' });
    const asked = await offlineReply(server, { timeZone: 'Europe/Berlin' });
    assert.match(asked, /Back at 09:00 Monday\. Leave your email below to get the reply by email\.$/);
    const known = await offlineReply(server, { timeZone: 'Europe/Berlin', identity: { userId: 'u-1', email: 'ann@example.com', signature: server.identitySignature('u-1') } });
    assert.match(known, /We will also email the reply to ann@example\.com\.$/);
  });

  test('inside hours with nobody online it does not invent a time', async () => {
    const { server } = await serve(MONDAY_MORNING, { offlineReply: true });
    assert.equal(await offlineReply(server, { timeZone: 'Europe/Berlin' }), 'Our team is away right now. We will answer here as soon as we are back.');
  });
});

describe('Contact: the visitor\'s email', () => {
  test('refused before the first message, and when invalid: a clear error, nothing stored', async () => {
    const { server } = await serve(SATURDAY_NOON, { smtpUrl: 'smtp://127.0.0.1:9', mailFrom: 'shop@shop.example' });
    const visitor = await open(server, visitorHello());
    const conversationId = visitor.conversationId;
    visitor.sendFrame({ contact: { conversationId, email: 'ann@example.com' } });
    const early = await visitor.nextError();
    assert.equal(early.code, cs.v1.ErrorCode.BAD_FRAME);
    assert.equal(early.ref, 'contact');
    assert.match(early.message, /write a message first/);
    await visitor.send({ text: 'hello' });
    for (const email of ['not-an-email', 'ann@localhost', 'a b@example.com', 'ann@example.com, eve@evil.example', 'x'.repeat(250) + '@example.com']) {
      visitor.sendFrame({ contact: { conversationId, email } });
      const error = await visitor.nextError();
      assert.equal(error.code, cs.v1.ErrorCode.BAD_FRAME, email);
      assert.match(error.message, /not a valid email address/);
    }
    assert.equal(server.email.contacts.get(conversationId), undefined, 'nothing stored');
  });

  test('a valid email is stored, echoed to the visitor\'s tabs, and agents see it with "will be emailed"', async () => {
    const { server } = await serve(SATURDAY_NOON, { smtpUrl: 'smtp://127.0.0.1:9', mailFrom: 'shop@shop.example' });
    const visitor = await open(server, visitorHello());
    assert.equal(visitor.welcome?.askEmailAfterMs, 120_000, 'email on: ask after the 2-minute default');
    const agent = await open(server, { token: server.agentToken('alice') });
    await visitor.send({ text: 'hello' });
    const secondTab = await open(server, visitorHello({ token: visitor.welcome!.token }));
    visitor.sendFrame({ contact: { conversationId: visitor.conversationId, email: ' ann@example.com ', name: 'Ann' } });
    const echo = (await secondTab.waitFor((f) => !!f.contact)).contact as cs.v1.Contact;
    assert.deepEqual({ email: echo.email, name: echo.name }, { email: 'ann@example.com', name: 'Ann' });
    const update = await agent.waitFor((f) => f.inboxUpdate?.conversation?.contactEmail === 'ann@example.com');
    assert.equal(update.inboxUpdate?.willEmail, true);
    assert.equal(server.email.contacts.get(visitor.conversationId)?.email, 'ann@example.com');
    // The visitor's own view carries the email, so the widget does not ask again.
    const again = await open(server, visitorHello({ token: visitor.welcome!.token }));
    assert.equal(again.welcome?.conversations[0]?.contactEmail, 'ann@example.com');
  });

  test('a visitor the site identified with an email: the widget is told it (no field), and replies will be emailed there', async () => {
    const { server } = await serve(SATURDAY_NOON, { smtpUrl: 'smtp://127.0.0.1:9', mailFrom: 'shop@shop.example' });
    const identity = { userId: 'u-7', email: 'kim@example.com', name: 'Kim', signature: server.identitySignature('u-7') };
    const visitor = await open(server, visitorHello({ identity }));
    await visitor.send({ text: 'hello' });
    const again = await open(server, visitorHello({ identity, deviceId: 'second' }));
    assert.equal(again.welcome?.conversations[0]?.contactEmail, 'kim@example.com');
    const agent = await open(server, { token: server.agentToken('alice') });
    const update = await agent.waitFor((f) => f.inboxUpdate?.conversation?.contactEmail === 'kim@example.com');
    assert.equal(update.inboxUpdate?.willEmail, true);
  });

  test('without SMTP the email is kept and shown, but nobody is told it will be emailed', async () => {
    const { server } = await serve(SATURDAY_NOON);
    const visitor = await open(server, visitorHello());
    assert.equal(visitor.welcome?.askEmailAfterMs, 0, 'email off: the widget offers no email field');
    const agent = await open(server, { token: server.agentToken('alice') });
    await visitor.send({ text: 'hello' });
    visitor.sendFrame({ contact: { conversationId: visitor.conversationId, email: 'ann@example.com' } });
    const update = await agent.waitFor((f) => f.inboxUpdate?.conversation?.contactEmail === 'ann@example.com');
    assert.equal(update.inboxUpdate?.willEmail ?? false, false);
  });

  test('an agent may not send Contact', async () => {
    const { server } = await serve(SATURDAY_NOON);
    const agent = await open(server, { token: server.agentToken('alice') });
    agent.sendFrame({ contact: { conversationId: 'c_x', email: 'ann@example.com' } });
    assert.equal((await agent.nextError()).code, cs.v1.ErrorCode.FORBIDDEN);
  });
});

describe('settings: business hours and email', () => {
  test('valid hours and email settings are stored and served; bad input is a 400 naming the field and changes nothing', async () => {
    const { server } = await serve(SATURDAY_NOON);
    const api = new ApiClient(server.url);
    const changed = await api.patch<{ business_hours: { timezone: string; weekly: { sat: unknown[] } }; email: { ask_after_ms: number } }>(
      '/api/settings',
      { business_hours: { timezone: 'Asia/Shanghai', weekly: { sat: [{ open: '10:00', close: '02:00' }] }, exceptions: [{ date: '2026-10-01', label: 'National Day', hours: [] }] }, email: { ask_after_ms: 60_000, transcript_on_resolve: true } },
      BEARER,
    );
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.business_hours.timezone, 'Asia/Shanghai');
    assert.equal(changed.body.email.ask_after_ms, 60_000);
    const before = (await api.get('/api/settings', BEARER)).body;
    for (const [patch, field] of [
      [{ business_hours: { timezone: 'Nowhere/Land' } }, /business_hours\.timezone/],
      [{ business_hours: { weekly: { mon: [{ open: '25:00', close: '26:00' }] } } }, /business_hours\.weekly\.mon\[0\]\.open/],
      [{ business_hours: { exceptions: [{ date: 'tomorrow' }] } }, /exceptions\[0\]\.date/],
      [{ business_hours: { enabled: true }, email: { ask_after_ms: -1 } }, /email\.ask_after_ms/],
      [{ email: { from: 'not an address' } }, /email\.from/],
      [{ email: { shop_url: 'javascript:alert(1)' } }, /email\.shop_url/],
      [{ email: { smtp: 'x' } }, /unknown setting "email\.smtp"/],
    ] as const) {
      assert.match(expectError(await api.patch('/api/settings', patch, BEARER), 400), field);
    }
    assert.deepEqual((await api.get('/api/settings', BEARER)).body, before, 'nothing changed');
  });

  test('the email status says off and how to turn it on; on when SMTP and a sender are set', async () => {
    const { server: off } = await serve(SATURDAY_NOON);
    const status = await new ApiClient(off.url).get<{ enabled: boolean; hint: string }>('/api/email/status', BEARER);
    assert.equal(status.body.enabled, false);
    assert.match(status.body.hint, /CS_SMTP_URL/);
    const { server: on } = await serve(SATURDAY_NOON, { smtpUrl: 'smtp://127.0.0.1:9', mailFrom: 'Shop <shop@shop.example>' });
    const { replies, ...sending } = (await new ApiClient(on.url).get<{ replies: { state: string } }>('/api/email/status', BEARER)).body;
    assert.deepEqual(sending, { enabled: true, from: 'Shop <shop@shop.example>', hint: '' });
    assert.equal(replies.state, 'off', 'no CS_IMAP_URL: replies by email are off');
  });
});

describe('migration', () => {
  test('the email step keeps what a database had before it', () => {
    const db = new Database(':memory:');
    const emailStep = MIGRATIONS.findIndex((m) => m.name.startsWith('email_contacts'));
    assert.ok(emailStep > 0);
    migrate(db, MIGRATIONS.slice(0, emailStep));
    db.prepare("INSERT INTO conversations (id, site, visitor_id, topic, epoch, created_ms, last_seq, last_activity_ms, status) VALUES ('c_1', 'shop', 'v_1', '', 'e', 1, 1, 1, 0)").run();
    db.prepare("INSERT INTO messages (conversation_id, seq, client_msg_id, sender_id, sender_role, sender_name, kind, text, server_time_ms) VALUES ('c_1', 1, 'm1', 'v_1', 1, 'V', 0, 'hi', 1)").run();
    db.prepare("INSERT INTO settings (key, value, updated_ms) VALUES ('widget', '{\"color\":\"#112233\"}', 1)").run();
    const result = migrate(db);
    assert.equal(result.to, MIGRATIONS.length);
    assert.equal((db.prepare('SELECT text FROM messages').get() as { text: string }).text, 'hi');
    assert.equal((db.prepare("SELECT value FROM settings WHERE key = 'widget'").get() as { value: string }).value, '{"color":"#112233"}');
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM email_contacts').get() as { n: number }).n, 0);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM email_outbox').get() as { n: number }).n, 0);
  });
});
