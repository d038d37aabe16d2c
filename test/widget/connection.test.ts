/** The connection state machine against the in-page fake server: reconnects, offline, fatal errors, heartbeat, bad frames. */
import { cs } from '../../proto/gen/chat.js';
import { Connection, ConnState, type ConnectionEnv } from '../../widget/src/transport/index.js';
import { FakeServer, type FakeSocket } from './fake-server.js';
import { assert, assertEqual, sleep, waitFor } from './helpers.js';

interface Rig {
  conn: Connection;
  states: string[];
  errors: cs.v1.Error[];
  frames: string[];
  net: { online: boolean };
  win: EventTarget;
}

const rigs: Rig[] = [];
afterEach(() => {
  for (const rig of rigs.splice(0)) rig.conn.stop();
});

function rig(server: FakeServer, env: Partial<ConnectionEnv> = {}): Rig {
  const net = { online: true };
  const win = new EventTarget();
  const states: string[] = [];
  const errors: cs.v1.Error[] = [];
  const frames: string[] = [];
  const conn = new Connection(
    { url: 'ws://fake/ws', hello: () => ({ token: '', coreLevel: 1 }), backoffBaseMs: 20, backoffCapMs: 80 },
    {
      state: ({ newState }) => states.push(newState),
      welcome: () => undefined,
      frame: (f) => frames.push(f.body ?? ''),
      error: (e) => errors.push(e),
    },
    {
      createSocket: server.createSocket,
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id as number),
      random: Math.random,
      isOnline: () => net.online,
      isHidden: () => false,
      window: win,
      document: new EventTarget(),
      ...env,
    },
  );
  const r = { conn, states, errors, frames, net, win };
  rigs.push(r);
  return r;
}

describe('Connection', () => {
  it('reconnects with backoff after the socket drops and is open again', async () => {
    const server = new FakeServer();
    const r = rig(server);
    r.conn.start();
    await waitFor('open', () => r.conn.state === ConnState.Open);
    server.dropSockets();
    await waitFor('open again', () => r.states.filter((s) => s === ConnState.Open).length === 2);
    assertEqual(r.states, ['connecting', 'open', 'waiting', 'connecting', 'open'], 'state sequence');
  });

  it('does not reconnect while offline and reconnects at once on the online event', async () => {
    const server = new FakeServer();
    const r = rig(server);
    r.net.online = false;
    r.conn.start();
    assertEqual(r.conn.state, ConnState.Offline, 'offline without a socket');
    await sleep(100);
    assertEqual(server.framesOf('hello').length, 0, 'no attempt while offline');
    r.net.online = true;
    r.win.dispatchEvent(new Event('online'));
    await waitFor('open after online', () => r.conn.state === ConnState.Open);
  });

  it('stops for good after a fatal UNAUTHENTICATED error', async () => {
    const server = new FakeServer();
    server.refuseHello = cs.v1.ErrorCode.UNAUTHENTICATED;
    const r = rig(server);
    r.conn.start();
    await waitFor('failed', () => r.conn.state === ConnState.Failed);
    await sleep(150);
    assertEqual(server.framesOf('hello').length, 1, 'no second Hello');
    assertEqual(r.errors[0]?.code, cs.v1.ErrorCode.UNAUTHENTICATED, 'error reported');
  });

  it('closes a dead link when the heartbeat goes unanswered, and reconnects', async () => {
    const server = new FakeServer();
    server.heartbeatMs = 50;
    const r = rig(server);
    r.conn.start();
    await waitFor('open', () => r.conn.state === ConnState.Open);
    server.mute = true;
    await waitFor('dead link noticed', () => r.states.includes(ConnState.Waiting));
    assert(server.framesOf('ping').length >= 1, 'pinged before giving up');
    server.mute = false;
    await waitFor('open again', () => r.states.filter((s) => s === ConnState.Open).length === 2);
  });

  it('drops an undecodable frame from the server without throwing and keeps the link', async () => {
    const server = new FakeServer();
    const r = rig(server);
    r.conn.start();
    await waitFor('open', () => r.conn.state === ConnState.Open);
    const socket = [...server.sockets][0] as FakeSocket;
    socket.pushBytes(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]));
    socket.push({ deliver: { messages: [] } });
    await waitFor('the next good frame', () => r.frames.includes('deliver'));
    assertEqual(r.conn.state, ConnState.Open, 'still open');
  });

  it('reconnects with jitter after GOING_AWAY', async () => {
    const server = new FakeServer();
    const r = rig(server);
    r.conn.start();
    await waitFor('open', () => r.conn.state === ConnState.Open);
    [...server.sockets][0]!.push({ error: { code: cs.v1.ErrorCode.GOING_AWAY, message: 'restart', fatal: true } });
    await waitFor('open again', () => r.states.filter((s) => s === ConnState.Open).length === 2, 3000);
    assert(!r.states.includes(ConnState.Failed), 'not failed');
  });
});
