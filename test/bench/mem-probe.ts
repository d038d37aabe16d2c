/**
 * Memory per idle connection, measured from inside the server process: our
 * server runs in this process (started from server/src under --expose-gc),
 * a load-generator child opens idle visitor connections in two equal steps,
 * and after a forced GC this prints heap, external and RSS growth per
 * connection for each step. The second step is the marginal cost (fixed
 * costs such as the young generation growing are paid in the first).
 *
 *   node --expose-gc --import tsx test/bench/mem-probe.ts [connections per step, default 2000]
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoadEvent } from './loadgen.js';
import { SOURCE_ADDRESSES } from './lib/generators.js';
import { repoRoot } from './lib/targets.js';
import { startTestServer } from '../support/server.js';

const step = Number(process.argv[2] ?? 2000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage();
}

const server = await startTestServer({ maxConnectionsPerIp: 1_000_000, rateBurst: 1_000_000, ratePerSecond: 1_000_000 });
const child = fork(join(repoRoot, 'test/bench/loadgen.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
const ask = (cmd: object): Promise<LoadEvent> =>
  new Promise((resolve) => {
    child.once('message', (m: LoadEvent) => resolve(m));
    child.send(cmd);
  });

await sleep(500);
let before = settle();
for (let s = 1; s <= 2; s++) {
  const ready = await ask({ cmd: 'idle', wire: 'proto', url: server.wsUrl, count: step, addresses: SOURCE_ADDRESSES, storm: false });
  if (ready.ev !== 'ready' || ready.opened !== step * s) throw new Error(`step ${s}: ${JSON.stringify(ready).slice(0, 300)}`);
  await sleep(1000);
  const now = settle();
  const per = (k: keyof NodeJS.MemoryUsage): string => ((now[k] - before[k]) / 1024 / step).toFixed(2);
  console.log(`step ${s} (+${step} idle visitors): heapUsed ${per('heapUsed')} KB/conn, heapTotal ${per('heapTotal')} KB/conn, external ${per('external')} KB/conn, rss ${per('rss')} KB/conn`);
  before = now;
}
child.send({ cmd: 'close' });
await server.close();
process.exit(0);
