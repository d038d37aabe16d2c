/** Announcements on the wire (issue 15): Welcome after the cursor, Broadcast pushes, BroadcastEvent. Real server, protocol clients. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { parseContent } from '../../server/src/broadcast/index.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DAY = 24 * 60 * 60 * 1000;
let server: TestServer;
const clients: ProtoClient[] = [];
async function open(hello: cs.v1.Hello.$Properties = {}): Promise<ProtoClient> {
  const client = await ProtoClient.open(server.wsUrl, { site: 'wire', coreLevel: 20261122, pageUrl: 'https://shop.example/', ...hello });
  clients.push(client);
  return client;
}
function announce(extra: Record<string, unknown> = {}): string {
  return server.broadcasts.create(parseContent({ site: 'wire', title: 'Holiday', body: 'Closed Monday', expires_at: Date.now() + DAY, ...extra }, false), 'test').id;
}
function pushedItems(client: ProtoClient, since = 0): cs.v1.BroadcastItem.$Properties[] {
  return client.frames.slice(since).flatMap((f) => f.broadcast?.items ?? []);
}
async function pushOf(client: ProtoClient, id: string, since: number, what: (item: cs.v1.BroadcastItem.$Properties) => boolean = () => true): Promise<cs.v1.BroadcastItem.$Properties> {
  const frame = await client.waitFor((f) => !!(f.broadcast?.items ?? []).some((i) => i.id === id && what(i)), { since, what: `Broadcast of ${id}` });
  return (frame.broadcast?.items ?? []).find((i) => i.id === id && what(i))!;
}

before(async () => {
  server = await startTestServer({ broadcastSpreadMs: 300 });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe('announcements on the wire', () => {
  test('prerelease reaches the whitelisted visitor only; publish reaches the other open one within the window; edit and recall follow', async () => {
    const listed = await open();
    const other = await open();
    const id = announce();
    server.broadcasts.setWhitelist(id, { visitorIds: [listed.welcome!.userId], userIds: [] });
    let m1 = listed.mark();
    let m2 = other.mark();
    server.broadcasts.transition(id, 'prerelease');
    assert.equal((await pushOf(listed, id, m1)).title, 'Holiday');
    await listed.waitFor(() => false, { timeoutMs: 100 }).catch(() => undefined);
    assert.equal(pushedItems(other, m2).length, 0, 'not whitelisted: nothing');
    const started = Date.now();
    server.broadcasts.transition(id, 'publish');
    await pushOf(other, id, m2);
    assert.ok(Date.now() - started < 2000, 'within the spread window (300 ms) plus slack');
    assert.equal(pushedItems(other, m2).length, 1);
    m1 = listed.mark();
    m2 = other.mark();
    server.broadcasts.update(id, parseContent({ body: 'Closed Monday and Tuesday' }, true));
    assert.equal((await pushOf(listed, id, m1)).body, 'Closed Monday and Tuesday');
    assert.equal((await pushOf(other, id, m2)).body, 'Closed Monday and Tuesday');
    m1 = listed.mark();
    m2 = other.mark();
    server.broadcasts.transition(id, 'recall');
    assert.equal((await pushOf(listed, id, m1, (i) => !!i.recalled)).recalled, true);
    const tomb = await pushOf(other, id, m2, (i) => !!i.recalled);
    assert.equal(tomb.title ?? '', '', 'a tombstone carries no content');
    const pushes = other.frames.filter((f) => f.broadcast);
    assert.ok(pushes.every((f) => (f.broadcast?.cursor ?? 0) > 0));
  });

  test('Welcome carries what is after Hello.broadcast_cursor; a reconnect at the cursor gets nothing again', async () => {
    const id = announce();
    server.broadcasts.transition(id, 'publish');
    const first = await open();
    const items = first.welcome!.broadcasts.filter((i) => i.id === id);
    assert.equal(items.length, 1);
    const cursor = first.welcome!.broadcastCursor;
    assert.equal(cursor, server.broadcasts.clock);
    const again = await open({ token: first.welcome!.token, broadcastCursor: cursor });
    assert.equal(again.welcome!.broadcasts.length, 0);
    server.broadcasts.transition(id, 'recall');
    const third = await open({ token: first.welcome!.token, broadcastCursor: cursor });
    assert.deepEqual(third.welcome!.broadcasts.map((i) => [i.id, i.recalled]), [[id, true]], 'a recall after the cursor comes as a tombstone');
  });

  test('an old client gets the plain-text fallback, or nothing when there is none; expired ones never come', async () => {
    const withFallback = announce({ min_core_level: 20990101, fallback_text: 'Update the app to read our news.' });
    const hidden = announce({ min_core_level: 20990101 });
    const expiring = announce({ expires_at: Date.now() + 150 });
    for (const id of [withFallback, hidden, expiring]) server.broadcasts.transition(id, 'publish');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const old = await open({ coreLevel: 20200101 });
    const got = old.welcome!.broadcasts;
    assert.equal(got.find((i) => i.id === withFallback)?.body, 'Update the app to read our news.');
    assert.equal(got.find((i) => i.id === withFallback)?.title ?? '', '');
    assert.equal(got.some((i) => i.id === hidden), false);
    assert.equal(got.some((i) => i.id === expiring), false);
    const modern = await open({ coreLevel: 20990101 });
    assert.ok(modern.welcome!.broadcasts.some((i) => i.id === hidden));
    for (const id of [withFallback, hidden]) server.broadcasts.transition(id, 'stop');
  });

  test('URL-targeted announcements follow PageView', async () => {
    const id = announce({ url_pattern: '/sale/*' });
    server.broadcasts.transition(id, 'publish');
    const client = await open({ pageUrl: 'https://shop.example/about' });
    assert.equal(client.welcome!.broadcasts.some((i) => i.id === id), false);
    const mark = client.mark();
    client.sendFrame({ pageView: { url: 'https://shop.example/sale/shoes', title: 'Sale' } });
    await pushOf(client, id, mark);
    const leave = client.mark();
    client.sendFrame({ pageView: { url: 'https://shop.example/cart', title: 'Cart' } });
    assert.equal((await pushOf(client, id, leave, (i) => !!i.recalled)).recalled, true, 'off the pattern: dropped');
    server.broadcasts.transition(id, 'stop');
  });

  test('BroadcastEvent is counted once per kind; an unknown id or kind gets an Error and counts nothing', async () => {
    const id = announce();
    server.broadcasts.transition(id, 'publish');
    const client = await open();
    for (let i = 0; i < 3; i++) client.sendFrame({ broadcastEvent: { id, event: cs.v1.BroadcastEvent.Kind.SEEN } });
    client.sendFrame({ broadcastEvent: { id, event: cs.v1.BroadcastEvent.Kind.CLICKED } });
    const unknownError = client.nextError();
    client.sendFrame({ broadcastEvent: { id: 'an_nope', event: cs.v1.BroadcastEvent.Kind.SEEN } });
    assert.equal((await unknownError).code, cs.v1.ErrorCode.NOT_FOUND);
    const kindError = client.nextError();
    client.sendFrame({ broadcastEvent: { id, event: 0 } });
    assert.equal((await kindError).code, cs.v1.ErrorCode.BAD_FRAME);
    const stats = server.broadcasts.get(id).stats;
    assert.deepEqual({ seen: stats.seen, clicked: stats.clicked, dismissed: stats.dismissed }, { seen: 1, clicked: 1, dismissed: 0 });
    const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('ev-agent') });
    clients.push(agent);
    const agentError = agent.nextError();
    agent.sendFrame({ broadcastEvent: { id, event: cs.v1.BroadcastEvent.Kind.SEEN } });
    assert.equal((await agentError).code, cs.v1.ErrorCode.FORBIDDEN);
  });
});
