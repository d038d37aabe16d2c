/**
 * The fuzz suite (issue 5): `npm run test:fuzz` (full: 300,000 inputs) or
 * `npm run test:fuzz -- --small` (3,000), `--inputs N` and `--seed S` to
 * choose. A real server runs as a child process with its journal on; eight
 * hostile connections pour fast-check inputs into it (see inputs.ts) while a
 * well-behaved visitor keeps sending. It passes when:
 *
 * - the server never exits, and answers /healthz 200 at the end;
 * - no hostile connection ever receives the victim's messages (their marker
 *   text) or a Deliver / SyncResult / InboxUpdate for the victim's
 *   conversation;
 * - the well-behaved visitor gets an Ack OK for every message throughout, and
 *   its conversation holds exactly its messages, seqs 1..n.
 *
 * Hostile connections send 16 inputs, then a Ping, and wait for its Pong (or
 * the close the inputs earned) before the next 16, so every input counted was
 * processed by the server. A closed connection is replaced at once.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import WebSocket from 'ws';
import { cs } from '../../proto/gen/chat.js';
import { newClientMsgId, ProtoClient } from '../support/proto-client.js';
import { startChildServer, type ChildServer } from './child-server.js';
import { fuzzInputs, type InputKind, type Targets } from './inputs.js';

export interface FuzzOptions {
  /** Inputs to send. Default 300,000 (`--small`: 3,000). */
  inputs: number;
  /** fast-check seed; printed so a failing run can be repeated. */
  seed: number;
  /** Hostile connections at once. Default 8. */
  connections: number;
  log: (line: string) => void;
}

export interface FuzzReport {
  inputs: number;
  byKind: Record<InputKind, number>;
  connections: number;
  seconds: number;
  victimAcks: number;
  /** Problems of the well-behaved visitor, and server stalls. */
  victimFailures: string[];
  leaks: string[];
  internalErrors: number;
  serverAlive: boolean;
  seed: number;
  /** Everything that makes the run a failure; empty when it passed. */
  failures: string[];
}

const BURST = 16;
/** A server that takes longer than this to answer a round trip counts as not serving. */
const ROUND_TRIP_TIMEOUT_MS = 15_000;

/**
 * One hostile connection: sends inputs, watches what comes back for leaks.
 * Its round trip after each burst is a Sync of a made-up conversation id,
 * answered (in order, after the inputs before it) by Error FORBIDDEN with that
 * id as `ref`; before Hello, which refuses Sync without a ref, it is a Ping
 * and the next Pong (the server's Pong carries its clock, not an echo).
 */
class HostileSocket {
  readonly closed: Promise<void>;
  private answer: ((frame: cs.v1.Frame) => void) | undefined;
  private roundTrips = 0;
  /** Round trips the server left unanswered on an open socket. */
  stalls = 0;

  private constructor(
    private readonly socket: WebSocket,
    private readonly onFrame: (bytes: Buffer) => void,
    private readonly helloed: boolean,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('message', (data: Buffer) => {
      this.onFrame(data);
      if (!this.answer) return;
      try {
        this.answer(cs.v1.Frame.decode(data));
      } catch {
        // Not ours to judge here; onFrame looked at it.
      }
    });
  }

  static async open(url: string, hello: Uint8Array | undefined, onFrame: (bytes: Buffer) => void): Promise<HostileSocket> {
    const socket = new WebSocket(url, { maxPayload: 1024 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => undefined); // a close follows
    if (hello) socket.send(hello, { binary: true });
    return new HostileSocket(socket, onFrame, hello !== undefined);
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  /** Resolves true once the server answered a probe sent after everything so far; false if the socket closed. */
  roundTrip(): Promise<boolean> {
    if (!this.isOpen) return Promise.resolve(false);
    const ref = `rt-${++this.roundTrips}`;
    const matches = (frame: cs.v1.Frame): boolean => (this.helloed ? frame.error?.ref === ref : !!frame.pong);
    const answered = new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.answer = undefined;
        resolve(ok);
      };
      const timer = setTimeout(() => {
        this.stalls += 1;
        done(false);
      }, ROUND_TRIP_TIMEOUT_MS);
      this.answer = (frame) => matches(frame) && done(true);
      void this.closed.then(() => done(false));
    });
    this.send(cs.v1.Frame.encode(this.helloed ? { sync: { conversationId: ref } } : { ping: { timeMs: 0 } }).finish());
    return answered;
  }

  close(): void {
    this.socket.terminate();
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { log } = options;
  const dataDir = await mkdtemp(join(tmpdir(), 'cs-fuzz-'));
  const server: ChildServer = await startChildServer(dataDir, { CS_RATE_BURST: '1000000000', CS_RATE_PER_SECOND: '1000000000', CS_MAX_CONNECTIONS_PER_IP: '100000', CS_NEW_VISITORS_PER_IP_MINUTE: '100000000', CS_VISITOR_BYTES_PER_HOUR: '100000000000' });
  let serverAlive = true;
  void server.exited.then(() => (serverAlive = false));
  const started = Date.now();
  const byKind: Record<InputKind, number> = { random: 0, structured: 0, mutated: 0, utf8: 0, huge: 0 };
  const leaks: string[] = [];
  const victimFailures: string[] = [];
  let internalErrors = 0;
  let sent = 0;
  let connections = 0;

  try {
    // The victim: a visitor whose conversation the fuzzers aim at.
    const marker = `VICTIM-${newClientMsgId()}`;
    const victim = await ProtoClient.open(server.wsUrl, { site: 'fuzz' });
    const fuzzVisitor = await ProtoClient.open(server.wsUrl, { site: 'fuzz' });
    const targets: Targets = {
      victimConversationId: victim.conversationId,
      victimUserId: victim.welcome?.userId ?? '',
      ownConversationId: fuzzVisitor.conversationId,
    };
    const fuzzToken = fuzzVisitor.welcome?.token ?? '';
    await fuzzVisitor.close();
    const markerBytes = Buffer.from(marker);
    const victimIdBytes = Buffer.from(targets.victimConversationId);
    const inspect = (bytes: Buffer): void => {
      if (bytes.indexOf(markerBytes) >= 0) leaks.push(`a hostile connection received the victim's text: ${bytes.toString('hex').slice(0, 200)}`);
      if (bytes.indexOf(victimIdBytes) < 0) return; // errors echo ids as `ref`; only real content counts
      let frame: cs.v1.Frame;
      try {
        frame = cs.v1.Frame.decode(bytes);
      } catch {
        return;
      }
      const id = targets.victimConversationId;
      if (frame.deliver?.messages?.some((m) => m.conversationId === id)) leaks.push('Deliver of the victim conversation');
      if (frame.syncResult?.conversationId === id) leaks.push('SyncResult of the victim conversation');
      if (frame.inboxUpdate?.conversation?.id === id) leaks.push('InboxUpdate of the victim conversation');
      if (frame.welcome?.conversations?.some((c) => c.id === id)) leaks.push('Welcome listing the victim conversation');
      if (frame.typing?.conversationId === id || frame.receipt?.conversationId === id) leaks.push('Typing/Receipt of the victim conversation');
    };

    let victimAcks = 0;
    let fuzzing = true;
    const victimSent: string[] = [];
    const victimLoop = (async () => {
      while (fuzzing) {
        const clientMsgId = newClientMsgId();
        victimSent.push(clientMsgId);
        try {
          const ack = await victim.send({ clientMsgId, text: `${marker} ${victimSent.length}` }, 10_000);
          if (ack.status === cs.v1.AckStatus.OK) victimAcks += 1;
          else victimFailures.push(`Ack ${cs.v1.AckStatus[ack.status ?? 0]}: ${ack.reason}`);
        } catch (error) {
          victimFailures.push(String(error));
          if (!victim.isOpen) return;
        }
        victim.frames.length = 0;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    // Inputs in chunks from one seeded stream.
    const arbitrary = fuzzInputs(targets);
    let chunkIndex = 0;
    let chunk: { kind: InputKind; bytes: Uint8Array }[] = [];
    const nextInput = (): { kind: InputKind; bytes: Uint8Array } | undefined => {
      if (sent >= options.inputs) return undefined;
      if (chunk.length === 0) chunk = fc.sample(arbitrary, { numRuns: 500, seed: options.seed + chunkIndex++ });
      sent += 1;
      return chunk.pop();
    };

    const helloBytes = cs.v1.Frame.encode({ hello: { token: fuzzToken, site: 'fuzz', platform: 'fuzz', coreLevel: 20260101, deviceId: 'fuzz' } }).finish();
    const worker = async (index: number): Promise<void> => {
      let input = nextInput();
      while (input && serverAlive) {
        connections += 1;
        // Most connections fuzz after a real Hello (reaching every handler); some fuzz the Hello gate itself.
        const hello = (connections + index) % 5 !== 0 ? helloBytes : undefined;
        let socket: HostileSocket;
        try {
          socket = await HostileSocket.open(server.wsUrl, hello, inspect);
        } catch (error) {
          if (serverAlive) victimFailures.push(`hostile connect failed: ${String(error)}`);
          return;
        }
        while (input && socket.isOpen) {
          for (let i = 0; i < BURST && input && socket.isOpen; i += 1) {
            socket.send(input.bytes);
            byKind[input.kind] += 1;
            input = nextInput();
          }
          const alive = await socket.roundTrip();
          if (!alive) break;
        }
        if (socket.stalls > 0) victimFailures.push(`a hostile connection got no answer within ${ROUND_TRIP_TIMEOUT_MS} ms`);
        socket.close();
        await socket.closed;
      }
    };
    let lastReport = Date.now();
    const progress = setInterval(() => {
      if (Date.now() - lastReport < 10_000) return;
      lastReport = Date.now();
      log(`fuzz: ${sent} / ${options.inputs} inputs, ${connections} connections, victim acks ${victimAcks}`);
    }, 1000);
    await Promise.all(Array.from({ length: options.connections }, (_, i) => worker(i)));
    clearInterval(progress);
    fuzzing = false;
    await victimLoop;

    // The victim's conversation: exactly its own messages, 1..n.
    if (serverAlive) {
      const stored: cs.v1.Message[] = [];
      for (;;) {
        const page = await victim.sync({ afterSeq: stored.length, limit: 200 }, 10_000);
        stored.push(...((page.messages ?? []) as cs.v1.Message[]));
        if (!page.hasMore) break;
      }
      const acked = victimSent.slice(0, victimAcks);
      if (stored.length !== victimAcks || stored.some((m, i) => m.seq !== i + 1 || m.clientMsgId !== acked[i])) {
        victimFailures.push(`victim conversation holds ${stored.length} messages, expected its ${victimAcks} in order`);
      }
      await victim.close();
      const health = await fetch(`${server.url}/healthz`).then((r) => r.status, () => 0);
      if (health !== 200) victimFailures.push(`/healthz answered ${health} after the run`);
    }
    internalErrors = (server.output().match(/handler failed/g) ?? []).length;

    const seconds = (Date.now() - started) / 1000;
    const failures = [
      ...(serverAlive ? [] : [`the server exited:\n${server.output().slice(-3000)}`]),
      ...leaks.slice(0, 5),
      ...victimFailures.slice(0, 5),
    ];
    return { inputs: sent, byKind, connections, seconds, victimAcks, victimFailures, leaks, internalErrors, serverAlive, seed: options.seed, failures };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The seed of a run: `text` when given (a non-negative integer, else a clear
 * error), otherwise a fresh random one. Printed by every caller so a failing
 * run can be repeated.
 */
export function parseSeed(text: string | undefined): number {
  if (text === undefined || text === '') return randomInt(0, 2 ** 31 - 1);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`fuzz seed must be a non-negative integer, got ${JSON.stringify(text)}`);
  return seed;
}

/** One line per figure, for the console and the lead's report. */
export function formatReport(report: FuzzReport): string {
  const kinds = Object.entries(report.byKind).map(([kind, n]) => `${kind} ${n}`).join(', ');
  return [
    `fuzz: ${report.inputs} inputs (${kinds}) in ${report.seconds.toFixed(1)} s over ${report.connections} hostile connections, seed ${report.seed}`,
    `fuzz: server ${report.serverAlive ? 'alive' : 'DIED'}, leaks ${report.leaks.length}, handler exceptions (INTERNAL) ${report.internalErrors}, ` +
      `well-behaved visitor: ${report.victimAcks} acks, ${report.victimFailures.length} failures`,
    ...report.failures.map((f) => `FAIL: ${f}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const small = args.includes('--small');
  const seed = parseSeed(value('--seed'));
  console.log(`fuzz seed ${seed} (repeat with --seed ${seed})`);
  const report = await runFuzz({
    inputs: Number(value('--inputs') ?? (small ? 3000 : 300_000)),
    seed,
    connections: Number(value('--connections') ?? 8),
    log: (line) => console.log(line),
  });
  console.log(formatReport(report));
  process.exitCode = report.failures.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
