/**
 * A generator process for the broadcast bench (test/bench/broadcast.ts):
 * holds `--count` open visitor sessions on `--url` and reports on stdout,
 * one line each:
 *   `ready <n> <failed>`            every session has its Welcome
 *   `got <id> <recalled 0|1> <ms>`  a session received a Broadcast item (wall clock, ms)
 *   `welcomed <bytes> <items> <ms>` a reconnect's Welcome (size of the frame, its broadcast items)
 * On stdin: `reconnect` re-opens every session with its visitor token and the
 * broadcast cursor of its *first* Welcome (an old cursor, as after a restart).
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { cs } from '../../proto/gen/chat.js';

const arg = (name: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=') ?? '';
const url = arg('url');
const count = Number(arg('count'));
const site = arg('site') || 'bench';
const CONCURRENCY = 100;

interface Client {
  ws: WebSocket | undefined;
  token: string;
  firstCursor: number;
}
const clients: Client[] = Array.from({ length: count }, () => ({ ws: undefined, token: '', firstCursor: -1 }));
const out: string[] = [];
const flush = (): void => {
  if (out.length) process.stdout.write(out.splice(0).join('\n') + '\n');
};
setInterval(flush, 100).unref();

/** Opens one session; resolves at its Welcome (or false on failure). */
function open(client: Client, reconnect: boolean): Promise<boolean> {
  return new Promise((done) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    client.ws = ws;
    let welcomed = false;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      const hello = { site, coreLevel: 20261122, platform: 'bench', token: client.token, broadcastCursor: reconnect ? Math.max(0, client.firstCursor) : 0, pageUrl: 'https://shop.example/' };
      ws.send(cs.v1.Frame.encode({ hello }).finish());
    });
    ws.on('message', (data: Buffer) => {
      const frame = cs.v1.Frame.decode(data);
      if (frame.welcome && !welcomed) {
        welcomed = true;
        client.token = frame.welcome.token || client.token;
        if (client.firstCursor < 0) client.firstCursor = frame.welcome.broadcastCursor ?? 0;
        if (reconnect) out.push(`welcomed ${data.byteLength} ${frame.welcome.broadcasts?.length ?? 0} ${Date.now()}`);
        done(true);
      } else if (frame.broadcast) {
        const now = Date.now();
        for (const item of frame.broadcast.items ?? []) out.push(`got ${item.id} ${item.recalled ? 1 : 0} ${now}`);
      } else if (frame.ping) {
        ws.send(cs.v1.Frame.encode({ pong: { timeMs: frame.ping.timeMs } }).finish());
      }
    });
    ws.on('error', () => {
      if (!welcomed) done(false);
    });
    ws.on('close', () => {
      if (!welcomed) done(false);
    });
  });
}

async function openAll(reconnect: boolean): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < clients.length) {
      const client = clients[next++]!;
      let ok = false;
      for (let attempt = 0; attempt < 5 && !ok; attempt++) {
        ok = await open(client, reconnect);
        if (!ok) await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
      if (!ok) failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return failed;
}

// Keep the sessions alive (the server's idle timeout is ~2.4 heartbeats).
setInterval(() => {
  for (const c of clients) if (c.ws?.readyState === WebSocket.OPEN) c.ws.send(cs.v1.Frame.encode({ ping: { timeMs: Date.now() } }).finish());
}, 20_000).unref();

const failed = await openAll(false);
out.push(`ready ${count - failed} ${failed}`);
flush();

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'reconnect') return;
  for (const c of clients) c.ws?.terminate();
  void openAll(true).then((lost) => {
    out.push(`reconnected ${count - lost} ${lost}`);
    flush();
  });
});
process.stdin.on('end', () => process.exit(0));
