/**
 * `npm run bench -- writer`: the store's CPU per message on its own (issue
 * 16's store-on ratio), without sockets, sessions or generators: the store
 * opened in this process (its writer thread, merges of the message log,
 * search index slices and segment merges) takes `--messages` messages over
 * `--conversations` conversations in closed-loop rounds of `--round`
 * messages (each round waits for its commit, as the server's batches do at
 * its peak), and the process's CPU time (all threads, from
 * `process.cpuUsage`) is divided by the messages, up to the close, after
 * the background work that follows the last commit (merges, index slices,
 * segment merges) has ended: the process idle for 300 ms. What this process does itself (making the
 * records, awaiting their promises) is measured apart with the store off
 * (`dataDir: ''`, the memory store) and printed beside it, so the store's
 * share is the difference. Repeated `--runs` times, each on a fresh data
 * directory; the median is the figure to compare between builds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../server/src/store/open.js';

export interface WriterCpuOptions {
  readonly messages: number;
  readonly conversations: number;
  readonly round: number;
  readonly runs: number;
}

const WORDS = 'hello where is my order it was shipped last week can you check the tracking number please thanks a lot refund'.split(' ');

/** One run: µs of CPU (all threads) per message, from the first record to the end of the close. */
async function once(dataDir: string, o: WriterCpuOptions): Promise<number> {
  const opened = openStore({ dataDir, commitMs: 5 });
  const { durable } = opened;
  const ids = Array.from({ length: o.conversations }, (_, i) => `c${i}`);
  await Promise.all(ids.map((id) => durable.append({ t: 'conv', id, site: 'bench', visitorId: `v_${id}`, topic: '', epoch: 'e1', createdMs: 1 })));
  const seqs = new Array<number>(o.conversations).fill(0);
  const started = process.cpuUsage();
  let sent = 0;
  while (sent < o.messages) {
    const round: Promise<void>[] = [];
    for (let i = 0; i < o.round && sent < o.messages; i++, sent++) {
      const c = sent % o.conversations;
      const seq = ++seqs[c]!;
      const text = `${WORDS[seq % WORDS.length]} ${WORDS[(seq * 7 + c) % WORDS.length]} ${WORDS[(seq * 3) % WORDS.length]} message ${seq} of conversation ${c}`;
      round.push(
        durable.append({
          t: 'msg',
          conversationId: ids[c]!,
          seq,
          clientMsgId: `${(1_700_000_000_000 + sent).toString(36)}-${c}`,
          senderId: `v_${ids[c]}`,
          senderRole: 1,
          senderName: 'Visitor',
          kind: 0,
          text,
          serverTimeMs: Date.now(),
          quoteSeq: 0,
          quickReplies: [],
        }),
      );
    }
    await Promise.all(round);
  }
  // The merges, index slices and segment merges that follow the last commit: until the process is idle (under 1 % of a core for 300 ms).
  for (;;) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const spent = process.cpuUsage(before);
    if (spent.user + spent.system < 3_000) break;
  }
  await opened.close();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / o.messages;
}

/** The options from `--name=value` arguments (defaults beside), each a whole number of at least 1, else a clear error. */
export function writerCpuOptions(argv: readonly string[]): WriterCpuOptions {
  const defaults: WriterCpuOptions = { messages: 200_000, conversations: 200, round: 150, runs: 3 };
  const read = (name: keyof WriterCpuOptions): number => {
    const given = argv.find((a) => a.startsWith(`--${name}=`));
    if (given === undefined) return defaults[name];
    const value = Number(given.slice(name.length + 3));
    if (!Number.isInteger(value) || value < 1) throw new Error(`bench writer: --${name} must be a whole number of at least 1, not ${given}`);
    return value;
  };
  return { messages: read('messages'), conversations: read('conversations'), round: read('round'), runs: read('runs') };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the bench and prints its table. */
export async function runWriterCpu(o: WriterCpuOptions): Promise<void> {
  console.log(`writer: ${o.messages} messages over ${o.conversations} conversations, rounds of ${o.round}, ${o.runs} runs`);
  const store: number[] = [];
  const memory: number[] = [];
  for (let run = 0; run < o.runs; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'cs-writer-bench-'));
    try {
      store.push(await once(dir, o));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    memory.push(await once('', o));
    console.log(`writer: run ${run + 1}: store ${store[run]!.toFixed(1)} µs/message, memory store ${memory[run]!.toFixed(1)}`);
  }
  console.log('');
  console.log('| writer bench | µs of CPU per message (all threads) |');
  console.log('|---|---|');
  console.log(`| store on (SQLite, writer thread) | median ${median(store).toFixed(1)} (runs ${store.map((x) => x.toFixed(1)).join(', ')}) |`);
  console.log(`| store off (this process's own share) | median ${median(memory).toFixed(1)} |`);
  console.log(`| the store's share | ${(median(store) - median(memory)).toFixed(1)} |`);
}
