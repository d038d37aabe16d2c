/**
 * The HTTP streaming fallback (issue 17): `GET /stream` + `POST /send` carry
 * the same Frames through the same session code as `/ws`. Every refusal a
 * socket gets, a stream gets too: each case below runs over both transports
 * and expects the same Error. Then what only a stream has: its id (unknown,
 * expired), its body (oversized, not whole records), its headers and
 * heartbeats, the reopen that loses nothing, and a reader that stops
 * reading (bounded, then RESYNC).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cs } from '../../proto/gen/chat.js';
import { newClientMsgId, ProtoClient } from '../support/proto-client.js';
import { ApiClient } from '../support/api-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { encodeRecords, RecordReader, StreamSocket } from '../support/stream-socket.js';

const running: TestServer[] = [];
const clients: ProtoClient[] = [];
async function serve(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(overrides);
  running.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

type Transport = 'socket' | 'stream';
const TRANSPORTS: readonly Transport[] = ['socket', 'stream'];
const urlOf = (server: TestServer, transport: Transport): string => (transport === 'socket' ? server.wsUrl : `${server.url}/stream`);

async function raw(server: TestServer, transport: Transport, origin?: string): Promise<ProtoClient> {
  const client = await ProtoClient.connect(urlOf(server, transport), { origin });
  clients.push(client);
  return client;
}
async function visitor(server: TestServer, transport: Transport, hello: cs.v1.Hello.$Properties = {}): Promise<ProtoClient> {
  const client = await ProtoClient.open(urlOf(server, transport), { site: 'acme', ...hello });
  clients.push(client);
  return client;
}
const frame = (f: cs.v1.Frame.$Properties): Uint8Array => cs.v1.Frame.encode(f).finish();

describe('a stream gets the errors a socket gets', () => {
  for (const transport of TRANSPORTS) {
    test(`${transport}: a Send before Hello gets Error PROTOCOL, and Hello still works after`, async () => {
      const server = await serve();
      const client = await raw(server, transport);
      const mark = client.mark();
      client.sendFrame({ send: { clientMsgId: newClientMsgId(), text: 'too early' } });
      const error = await client.waitFor((f) => !!f.error, { since: mark });
      assert.equal(error.error?.code, cs.v1.ErrorCode.PROTOCOL);
      assert.ok((await client.hello({ site: 'acme' })).userId);
    });

    test(`${transport}: no Hello within the deadline gets Error PROTOCOL and the end`, async () => {
      const server = await serve({ helloTimeoutMs: 200 });
      const client = await raw(server, transport);
      const error = await client.nextError(3000);
      assert.equal(error.code, cs.v1.ErrorCode.PROTOCOL);
      assert.equal(error.fatal, true);
      await client.closed;
    });

    test(`${transport}: a frame over the size cap gets Error TOO_LARGE and the end`, async () => {
      const server = await serve({ maxPayloadBytes: 4096 });
      const client = await visitor(server, transport);
      const mark = client.mark();
      client.sendRaw(frame({ send: { clientMsgId: newClientMsgId(), text: 'x'.repeat(6000) } }));
      const error = await client.waitFor((f) => !!f.error, { since: mark });
      assert.equal(error.error?.code, cs.v1.ErrorCode.TOO_LARGE);
      await client.closed;
      assert.ok((await visitor(server, transport)).welcome, 'the server serves others');
    });

    test(`${transport}: bytes that are not a Frame get Error BAD_FRAME; five close the connection`, async () => {
      const server = await serve();
      const client = await visitor(server, transport);
      const mark = client.mark();
      for (let i = 0; i < 5; i++) client.sendRaw(new Uint8Array([0xff]));
      await client.closed;
      const codes = client.frames.slice(mark).flatMap((f) => (f.error ? [f.error.code] : []));
      assert.deepEqual(codes, Array(5).fill(cs.v1.ErrorCode.BAD_FRAME));
    });

    test(`${transport}: a flood over the rate limit gets an Ack for every Send, REJECTED with retry_after_ms past the burst`, async () => {
      const server = await serve({ rateBurst: 101, ratePerSecond: 20 });
      const client = await visitor(server, transport);
      const ids = Array.from({ length: 300 }, () => newClientMsgId());
      const mark = client.mark();
      for (const clientMsgId of ids) client.sendFrame({ send: { conversationId: client.conversationId, clientMsgId, text: 'flood' } });
      await client.waitFor(() => client.frames.slice(mark).filter((f) => f.ack).length >= ids.length, { timeoutMs: 10_000 });
      const acks = client.frames.slice(mark).flatMap((f) => (f.ack ? [f.ack] : []));
      const ok = acks.filter((a) => a.status === cs.v1.AckStatus.OK);
      const rejected = acks.filter((a) => a.status === cs.v1.AckStatus.REJECTED);
      assert.equal(ok.length + rejected.length, ids.length, 'no silent drop');
      assert.ok(ok.length >= 100, `the burst passes (${ok.length})`);
      assert.ok(rejected.length > 0 && rejected.every((a) => (a.retryAfterMs ?? 0) > 0 && a.reason === 'rate limited'));
    });

    test(`${transport}: a page of an origin not on the allow-list is refused with 403`, async () => {
      const server = await serve();
      server.accounts.settings.update({ allowed_origins: ['https://shop.example'] }, 'test');
      await assert.rejects(raw(server, transport, 'https://evil.example'), /403/);
      assert.ok(await raw(server, transport, 'https://shop.example'));
    });

    test(`${transport}: cookie authentication without a session cookie is refused with 401`, async () => {
      const server = await serve();
      const url = transport === 'socket' ? `${server.wsUrl}?auth=session` : `${server.url}/stream?auth=session`;
      await assert.rejects(ProtoClient.connect(url, { origin: server.url }), /401/);
      await assert.rejects(ProtoClient.connect(url, { origin: 'https://evil.example' }), /403/);
    });
  }
});

describe('HTTP streams', () => {
  test('the visitor–agent loop works with a visitor on a stream and an agent on a socket, both ways', async () => {
    const server = await serve();
    const v = await visitor(server, 'stream');
    const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('alice') });
    clients.push(agent);
    agent.sendFrame({ subscribe: { conversationId: v.conversationId } });
    await sleep(50);
    const ack = await v.send({ text: 'over the fallback' });
    assert.equal(ack.status, cs.v1.AckStatus.OK);
    await agent.waitFor((f) => f.deliver?.messages?.some((m) => m.clientMsgId === ack.clientMsgId) ?? false);
    const reply = await agent.send({ conversationId: v.conversationId, text: 'answered' });
    await v.waitFor((f) => f.deliver?.messages?.some((m) => m.clientMsgId === reply.clientMsgId) ?? false);
    agent.sendFrame({ typing: { conversationId: v.conversationId, typing: true } });
    await v.waitFor((f) => f.typing?.typing === true);
  });

  test('the response carries the id, no-store, no proxy buffering, and heartbeats', async () => {
    const server = await serve({ streamHeartbeatMs: 100 });
    const response = await fetch(`${server.url}/stream`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('x-cs-stream') ?? '', /^[A-Za-z0-9_-]{24}$/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-accel-buffering'), 'no');
    const reader = new RecordReader();
    let heartbeats = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      heartbeats += reader.push(chunk).filter((r) => r.length === 0).length;
      if (heartbeats >= 3) break;
    }
    assert.ok(heartbeats >= 3);
  });

  test('ids are unguessable: an unknown id gets 404 on GET and POST', async () => {
    const server = await serve();
    for (const [method, path] of [['GET', '/stream'], ['POST', '/send']] as const) {
      const response = await fetch(`${server.url}${path}?id=AAAAAAAAAAAAAAAAAAAAAAAA`, { method, body: method === 'POST' ? new Uint8Array(encodeRecords([frame({ ping: {} })])) : undefined });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.match(await response.text(), /unknown or expired stream/);
    }
  });

  test('a session with no GET open expires: its id is refused, the visitor goes offline', async () => {
    const server = await serve({ streamIdleMs: 300 });
    const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('alice') });
    clients.push(agent);
    const v = await visitor(server, 'stream');
    await v.send({ text: 'hello' }); // agents hear of visitors whose conversation they can see
    const id = (v.socket as unknown as StreamSocket).id;
    const mark = agent.mark();
    v.socket.terminate(); // the GET is gone, nobody says goodbye
    await agent.waitFor((f) => f.presence?.visitorId === v.welcome?.userId && f.presence?.visitorOnline === false, { since: mark, timeoutMs: 5000 });
    const response = await fetch(`${server.url}/send?id=${id}`, { method: 'POST', body: new Uint8Array(encodeRecords([frame({ ping: {} })])) });
    assert.equal(response.status, 404);
    assert.equal(server.streams.size, 0);
  });

  test('the workbench on the server\'s own page: a same-origin GET (no Origin, Sec-Fetch-Site) with the session cookie opens an agent session', async () => {
    const server = await serve();
    await server.accounts.createOwner({ name: 'Olga Owner', email: 'olga@shop.example', password: 'owner-password-1' });
    const api = new ApiClient(server.url);
    await api.login('olga@shop.example', 'owner-password-1');
    const cookie = `cs_session=${api.cookie}`;
    // What Chromium sends for fetch('/stream?auth=session') from /agent: a cookie, no Origin.
    const response = await fetch(`${server.url}/stream?auth=session`, { headers: { Cookie: cookie, 'Sec-Fetch-Site': 'same-origin' } });
    assert.equal(response.status, 200);
    const id = response.headers.get('x-cs-stream') ?? '';
    // Its POSTs do carry the Origin (the server's own).
    const post = await fetch(`${server.url}/send?id=${id}`, { method: 'POST', headers: { Origin: server.url }, body: new Uint8Array(encodeRecords([frame({ hello: { coreLevel: 20261201, deviceId: newClientMsgId() } })])) });
    assert.equal(post.status, 204);
    const reader = new RecordReader();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      const welcome = reader.push(chunk).filter((r) => r.length > 0).map((r) => cs.v1.Frame.decode(r)).find((f) => f.welcome || f.error);
      if (!welcome) continue;
      assert.equal(welcome.welcome?.role, cs.v1.Role.AGENT, JSON.stringify(welcome.error));
      break;
    }
    // Without the fetch metadata (or from another site) the own-origin rule refuses it, as on /ws.
    assert.equal((await fetch(`${server.url}/stream?auth=session`, { headers: { Cookie: cookie } })).status, 403);
    assert.equal((await fetch(`${server.url}/stream?auth=session`, { headers: { Cookie: cookie, Origin: 'https://evil.example' } })).status, 403);
  });

  test('a POST from another origin than the stream\'s is refused with 403', async () => {
    const server = await serve();
    const v = await ProtoClient.open(`${server.url}/stream`, { site: 'acme' }, { origin: 'https://shop.example' });
    clients.push(v);
    const id = (v.socket as unknown as StreamSocket).id;
    const response = await fetch(`${server.url}/send?id=${id}`, { method: 'POST', headers: { Origin: 'https://evil.example' }, body: new Uint8Array(encodeRecords([frame({ ping: {} })])) });
    assert.equal(response.status, 403);
  });

  test('a body over 16 frames\' cap gets 413, Error TOO_LARGE and the end of the session', async () => {
    const server = await serve({ maxPayloadBytes: 1024 });
    const v = await visitor(server, 'stream');
    const id = (v.socket as unknown as StreamSocket).id;
    const mark = v.mark();
    const frames = Array.from({ length: 40 }, () => frame({ send: { conversationId: v.conversationId, clientMsgId: newClientMsgId(), text: 'y'.repeat(500) } }));
    const response = await fetch(`${server.url}/send?id=${id}`, { method: 'POST', body: new Uint8Array(encodeRecords(frames)) });
    assert.equal(response.status, 413);
    const error = await v.waitFor((f) => !!f.error, { since: mark });
    assert.equal(error.error?.code, cs.v1.ErrorCode.TOO_LARGE);
    await v.closed;
    assert.equal(server.store.get(v.conversationId)?.lastSeq ?? 0, 0, 'nothing of the refused body was stored');
  });

  test('a body that is not whole records gets 400 and Error BAD_FRAME; the whole records before it are served', async () => {
    const server = await serve();
    const v = await visitor(server, 'stream');
    const id = (v.socket as unknown as StreamSocket).id;
    const mark = v.mark();
    const good = encodeRecords([frame({ ping: { timeMs: 7 } })]);
    const response = await fetch(`${server.url}/send?id=${id}`, { method: 'POST', body: new Uint8Array(Buffer.concat([good, Buffer.from([0, 0, 0, 9, 1, 2])])) });
    assert.equal(response.status, 400);
    await v.waitFor((f) => f.pong?.timeMs === 7, { since: mark });
    const error = await v.waitFor((f) => !!f.error, { since: mark });
    assert.equal(error.error?.code, cs.v1.ErrorCode.BAD_FRAME);
  });

  test('several frames in one POST are served in order', async () => {
    const server = await serve();
    const v = await visitor(server, 'stream');
    const id = (v.socket as unknown as StreamSocket).id;
    const ids = Array.from({ length: 20 }, () => newClientMsgId());
    const mark = v.mark();
    const response = await fetch(`${server.url}/send?id=${id}`, {
      method: 'POST',
      body: new Uint8Array(encodeRecords(ids.map((clientMsgId) => frame({ send: { conversationId: v.conversationId, clientMsgId, text: 'batch' } })))),
    });
    assert.equal(response.status, 204);
    await v.waitFor(() => v.frames.slice(mark).filter((f) => f.ack).length === ids.length);
    const acks = v.frames.slice(mark).flatMap((f) => (f.ack ? [f.ack] : []));
    assert.deepEqual(acks.map((a) => a.clientMsgId), ids);
    assert.deepEqual(acks.map((a) => a.seq), ids.map((_, i) => i + 1));
  });

  test('reopening the GET every 50 ms loses, repeats and reorders nothing', async () => {
    const server = await serve({ rateBurst: 10_000, ratePerSecond: 10_000 });
    const v = await ProtoClient.open(`${server.url}/stream`, { site: 'acme' }, { reopenMs: 50 });
    clients.push(v);
    const agent = await ProtoClient.open(server.wsUrl, { token: server.agentToken('alice') });
    clients.push(agent);
    agent.sendFrame({ subscribe: { conversationId: v.conversationId } });
    await sleep(50);
    const count = 300;
    for (let i = 0; i < count; i++) {
      agent.sendFrame({ send: { conversationId: v.conversationId, clientMsgId: newClientMsgId(), text: `m${i}` } });
      if (i % 20 === 0) await sleep(10);
    }
    await v.waitFor(() => v.delivered(v.conversationId).length >= count, { timeoutMs: 15_000 });
    await sleep(200);
    assert.deepEqual(v.delivered(v.conversationId).map((m) => m.seq), Array.from({ length: count }, (_, i) => i + 1));
    assert.ok((v.socket as unknown as StreamSocket).gets > 3, 'the GET was reopened');
  });

  test('frames sent while no GET is open wait for the next one', async () => {
    const server = await serve();
    const v = await visitor(server, 'stream');
    const id = (v.socket as unknown as StreamSocket).id;
    v.socket.terminate();
    await sleep(50);
    const other = await visitor(server, 'stream', { token: v.welcome?.token });
    const ack = await other.send({ text: 'while you were away' });
    const response = await fetch(`${server.url}/stream?id=${id}`);
    const reader = new RecordReader();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      const frames = reader.push(chunk).filter((r) => r.length > 0).map((r) => cs.v1.Frame.decode(r));
      if (frames.some((f) => f.deliver?.messages?.some((m) => m.clientMsgId === ack.clientMsgId))) return;
    }
    assert.fail('the queued Deliver never came');
  });

  test('a stream nobody reads stays within the backpressure bound, then gets Error RESYNC when it reads again', { timeout: 60_000 }, async () => {
    const bound = 64 * 1024;
    const server = await serve({ maxBackpressureBytes: bound, rateBurst: 100_000, ratePerSecond: 100_000, visitorBytesPerHour: 1e9 });
    const writer = await visitor(server, 'socket');
    // The slow reader: a stream session whose GET body is never read (undici stops pulling, the TCP window fills).
    const response = await fetch(`${server.url}/stream`);
    const id = response.headers.get('x-cs-stream') ?? '';
    const hello = await fetch(`${server.url}/send?id=${id}`, { method: 'POST', body: new Uint8Array(encodeRecords([frame({ hello: { site: 'acme', token: writer.welcome?.token, coreLevel: 20261201, deviceId: newClientMsgId() } })])) });
    assert.equal(hello.status, 204);
    await sleep(100);
    let maxBuffered = 0;
    const text = 'z'.repeat(3900);
    for (let i = 0; i < 1500; i++) {
      writer.sendFrame({ send: { conversationId: writer.conversationId, clientMsgId: newClientMsgId(), text } });
      if (i % 50 === 0) {
        await sleep(5);
        maxBuffered = Math.max(maxBuffered, server.streams.maxBuffered());
      }
    }
    await writer.waitFor(() => writer.frames.filter((f) => f.ack).length >= 1500, { timeoutMs: 30_000 });
    maxBuffered = Math.max(maxBuffered, server.streams.maxBuffered());
    assert.ok(maxBuffered > bound / 2, `the reader fell behind (${maxBuffered} bytes buffered)`);
    assert.ok(maxBuffered <= bound + 8 * 1024, `buffered ${maxBuffered} bytes, bound ${bound} (+ one frame)`);
    // Reading again: the buffer drains and the session is told to resync by cursor.
    const reader = new RecordReader();
    let delivered = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      for (const record of reader.push(chunk)) {
        if (record.length === 0) continue;
        const f = cs.v1.Frame.decode(record);
        delivered += f.deliver?.messages?.length ?? 0;
        if (f.error?.code === cs.v1.ErrorCode.RESYNC) {
          assert.ok(delivered < 1500, `messages were dropped, not buffered (${delivered} delivered)`);
          return;
        }
      }
    }
    assert.fail('no RESYNC');
  });
});
