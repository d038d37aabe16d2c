/** The cheap hot-path metrics (http/metrics.ts) render what prom-client itself would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import fs from 'node:fs';
import { CheapCounter, CheapHistogram, CheapLabeledCounter, ServerMetrics } from '../../server/src/http/metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const SAMPLES = [0.0001, 0.001, 0.0011, 0.05, 0.1, 0.5, 3, 0.002];

test('the cheap histogram renders the same buckets, sum and count as a prom-client histogram fed the same values', async () => {
  const cheap = new Registry();
  const reference = new Registry();
  const fast = new CheapHistogram('h_seconds', 'help', BUCKETS, cheap);
  const real = new Histogram({ name: 'h_seconds', help: 'help', buckets: BUCKETS, registers: [reference] });
  for (const v of SAMPLES) {
    fast.observe(v);
    real.observe(v);
  }
  assert.equal(await cheap.metrics(), await reference.metrics());
  assert.match(await cheap.metrics(), /h_seconds_bucket\{le="0\.001"\} 2\n/, 'an observation equal to a bound falls in that bucket');
});

test('the cheap counters render the totals a prom-client counter would, per label value', async () => {
  const cheap = new Registry();
  const reference = new Registry();
  const plain = new CheapCounter('c_total', 'help', cheap);
  const labeled = new CheapLabeledCounter('l_total', 'help', 'type', cheap);
  const realPlain = new Counter({ name: 'c_total', help: 'help', registers: [reference] });
  const realLabeled = new Counter({ name: 'l_total', help: 'help', labelNames: ['type'], registers: [reference] });
  for (const type of ['send', 'ack', 'send', 'ping', 'send']) {
    labeled.inc(type);
    realLabeled.inc({ type });
  }
  plain.inc();
  plain.inc(4);
  realPlain.inc(5);
  assert.equal(await cheap.metrics(), await reference.metrics());
});

test('a scrape does not change the totals: two scrapes in a row read the same, and counting goes on after one', async () => {
  const registry = new Registry();
  const counter = new CheapLabeledCounter('l_total', 'help', 'type', registry);
  counter.inc('a');
  const first = await registry.metrics();
  assert.equal(await registry.metrics(), first);
  counter.inc('a');
  assert.match(await registry.metrics(), /l_total\{type="a"\} 2/);
});

test('the open-files gauge counts the open descriptors without listing them on the event loop (no readdirSync per scrape)', { skip: process.platform !== 'linux' }, async () => {
  const metrics = new ServerMetrics();
  const openFds = async (): Promise<number> => Number(/^cs_process_open_fds (\d+)$/m.exec(await metrics.registry.metrics())?.[1]);
  const listedSync: string[] = [];
  const readdirSync = fs.readdirSync;
  fs.readdirSync = ((path: fs.PathLike, ...rest: unknown[]) => {
    listedSync.push(String(path));
    return (readdirSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readdirSync;
  const held: number[] = [];
  try {
    // The count is the whole process's: a socket an earlier test left closing can go in between, so up to three tries.
    const seen: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = await openFds();
      for (let i = 0; i < 40; i++) held.push(fs.openSync('/dev/null', 'r'));
      const after = await openFds();
      for (const fd of held.splice(0)) fs.closeSync(fd);
      seen.push(`${before} -> ${after}`);
      if (after - before >= 40 && after - before <= 42) break;
      assert.ok(attempt < 2, `40 more open files counted: ${seen.join(', ')}`);
    }
  } finally {
    fs.readdirSync = readdirSync;
    for (const fd of held) fs.closeSync(fd);
  }
  assert.deepEqual(listedSync.filter((p) => p.includes('/proc/self/fd')), [], 'no synchronous listing of /proc/self/fd');
});
