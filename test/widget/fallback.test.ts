/**
 * WebSocket first, HTTP streaming when it is blocked (issue 17): the choice
 * (fake sockets, fake storage), and the real streaming transport in Chromium
 * against the real server (cross-origin: the test page is on the test
 * runner's origin), with a WebSocket that is refused at the upgrade.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import { FallbackSocket, streamUrl, TRANSPORT_KEY, type FallbackEnv, type StreamFactory } from '../../widget/src/transport/fallback.js';
import { StreamSocket } from '../../widget/src/transport/stream-socket.js';
import { ChatSession, ConnState, type SocketLike } from '../../widget/src/transport/index.js';
import { assert, assertEqual, dbName, sleep, waitFor } from './helpers.js';

/** A socket that opens after `openAfterMs`, or fails (closes) at once when `fails`, or never does anything. */
class ScriptedSocket implements SocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  closed = false;
  constructor(
    readonly url: string,
    behaviour: 'opens' | 'fails' | 'hangs',
  ) {
    if (behaviour === 'opens') setTimeout(() => ((this.readyState = 1), this.onopen?.(new Event('open'))), 5);
    if (behaviour === 'fails') setTimeout(() => ((this.readyState = 3), this.onclose?.(new CloseEvent('close', { code: 1006 }))), 5);
  }
  send(): void {}
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
}

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

interface Rig {
  env: FallbackEnv;
  sockets: ScriptedSocket[];
  streams: ScriptedSocket[];
  storage: ReturnType<typeof memoryStorage>;
}

function rig(ws: 'opens' | 'fails' | 'hangs', storage = memoryStorage(), now = () => Date.now()): Rig {
  const sockets: ScriptedSocket[] = [];
  const streams: ScriptedSocket[] = [];
  const factory: StreamFactory = (url) => {
    const s = new ScriptedSocket(url, 'opens');
    streams.push(s);
    return s;
  };
  const env: FallbackEnv = {
    createWebSocket: (url) => {
      const s = new ScriptedSocket(url, ws);
      sockets.push(s);
      return s;
    },
    loadStream: () => Promise.resolve(factory),
    storage,
    now,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as number),
  };
  return { env, sockets, streams, storage };
}

function opened(socket: FallbackSocket): Promise<void> {
  return new Promise((resolve) => (socket.onopen = () => resolve()));
}

describe('FallbackSocket', () => {
  it('maps /ws to /stream, keeping the query and TLS', () => {
    assertEqual(streamUrl('wss://chat.example/ws?auth=session'), 'https://chat.example/stream?auth=session', 'wss');
    assertEqual(streamUrl('ws://127.0.0.1:8080/ws'), 'http://127.0.0.1:8080/stream', 'ws');
  });

  it('stays on a WebSocket that opens, and remembers it', async () => {
    const r = rig('opens');
    const socket = new FallbackSocket('ws://h/ws', r.env, { openTimeoutMs: 200 });
    await opened(socket);
    assertEqual([socket.transport, r.streams.length], ['ws', 0], 'no stream');
    assertEqual(JSON.parse(r.storage.items.get(TRANSPORT_KEY) ?? '{}').t, 'ws', 'remembered');
  });

  it('switches to the stream when the upgrade fails, closing nothing twice, and remembers it for the day', async () => {
    const r = rig('fails');
    const socket = new FallbackSocket('ws://h/ws', r.env, { openTimeoutMs: 1000 });
    await opened(socket);
    assertEqual([socket.transport, r.streams[0]?.url], ['stream', 'http://h/stream'], 'on the stream');
    assertEqual(JSON.parse(r.storage.items.get(TRANSPORT_KEY) ?? '{}').t, 'stream', 'remembered');
    // The next page view starts on the stream at once (the background probe aside).
    const next = rig('fails', r.storage);
    const second = new FallbackSocket('ws://h/ws', next.env, { openTimeoutMs: 1000, probeEveryMs: 60_000 });
    await opened(second);
    assertEqual([second.transport, next.sockets.length], ['stream', 0], 'no WebSocket tried: probed a moment ago');
  });

  it('switches to the stream when the WebSocket does not open within the timeout, and closes it first', async () => {
    const r = rig('hangs');
    const started = Date.now();
    const socket = new FallbackSocket('ws://h/ws', r.env, { openTimeoutMs: 150 });
    await opened(socket);
    assert(Date.now() - started >= 140, 'waited for the timeout');
    assertEqual([socket.transport, r.sockets[0]?.closed], ['stream', true], 'one transport at a time');
  });

  it('forgets the choice the next day', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const r = rig('fails', memoryStorage(), () => now);
    await opened(new FallbackSocket('ws://h/ws', r.env));
    now += 24 * 3600_000;
    const next = rig('opens', r.storage, () => now);
    const socket = new FallbackSocket('ws://h/ws', next.env);
    await opened(socket);
    assertEqual(socket.transport, 'ws', 'a new day starts on WebSocket');
  });

  it('on the stream, probes a WebSocket now and then; once one opens, the next connection starts on it', async () => {
    const storage = memoryStorage();
    await opened(new FallbackSocket('ws://h/ws', rig('fails', storage).env));
    storage.items.set(TRANSPORT_KEY, JSON.stringify({ ...JSON.parse(storage.items.get(TRANSPORT_KEY)!), p: 0 })); // the last probe was long ago
    const r = rig('opens', storage);
    const socket = new FallbackSocket('ws://h/ws', r.env, { probeEveryMs: 60_000 });
    await opened(socket);
    assertEqual(socket.transport, 'stream', 'this connection stays on the stream');
    await waitFor('the probe opened', () => r.sockets[0]?.closed);
    const next = rig('opens', storage);
    const third = new FallbackSocket('ws://h/ws', next.env);
    await opened(third);
    assertEqual(third.transport, 'ws', 'back on WebSocket');
  });
});

describe('ChatSession over the HTTP stream, with the WebSocket refused', () => {
  const sessions: ChatSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
  });

  async function visitor(db: string): Promise<ChatSession> {
    const url = await executeServerCommand<string, undefined>('cs-server-url');
    const env: FallbackEnv = {
      createWebSocket: (u) => new ScriptedSocket(u, 'fails'),
      loadStream: () => Promise.resolve((u: string) => new StreamSocket(u, { reopenMs: 400 })),
      storage: undefined,
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id as number),
    };
    const s = new ChatSession(
      { url, role: 'visitor', site: 'acme', dbName: db, ackTimeoutMs: 2000, backoffBaseMs: 50, backoffCapMs: 500 },
      { createSocket: (u) => new FallbackSocket(u, env) },
    );
    sessions.push(s);
    await s.start();
    await waitFor('open', () => s.state === ConnState.Open && s.primaryConversationId !== '');
    return s;
  }

  it('sends and gets acked in order, two tabs see the same list, across GET reopens', async () => {
    const db = dbName('fallback');
    const a = await visitor(db);
    const b = await visitor(db);
    for (const text of ['one', 'two', 'three']) await a.send('', text);
    await sleep(900); // two reopens of each tab's GET
    await b.send('', 'four');
    const texts = (s: ChatSession): string[] => s.view(s.primaryConversationId).items.map((i) => `${i.seq}:${i.text}`);
    await waitFor('both tabs hold all four', () => [a, b].every((s) => s.view(s.primaryConversationId).items.filter((i) => i.seq > 0).length === 4));
    assertEqual(texts(a), ['1:one', '2:two', '3:three', '4:four'], 'in order, once');
    assertEqual(texts(b), texts(a), 'the same in both tabs');
  });
});
