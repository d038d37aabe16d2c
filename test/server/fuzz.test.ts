/**
 * The fuzz suite's small run (3,000 fast-check inputs against a real server
 * child process), so `npm test` covers it; `npm run test:fuzz` is the full
 * run. See test/fuzz/run.ts for what passes.
 *
 * The seed is printed before the run starts (so even a hang can be
 * repeated) and can be set: `CS_FUZZ_SEED=123456 npm run test:server`, or the
 * same run outside the suite with `npm run test:fuzz -- --small --seed 123456`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, parseSeed, runFuzz } from '../fuzz/run.js';

const seed = parseSeed(process.env.CS_FUZZ_SEED);
console.log(`fuzz seed ${seed} (repeat: CS_FUZZ_SEED=${seed} npm run test:server, or npm run test:fuzz -- --small --seed ${seed})`);

test('3,000 hostile inputs neither crash the server, nor leak another conversation, nor stop a well-behaved client', { timeout: 120_000 }, async (t) => {
  t.diagnostic(`seed ${seed}`);
  const report = await runFuzz({ inputs: 3000, seed, connections: 4, log: (line) => t.diagnostic(line) });
  for (const line of formatReport(report).split('\n')) t.diagnostic(line);
  assert.deepEqual(report.failures, [], `seed ${report.seed}: repeat with CS_FUZZ_SEED=${report.seed} or npm run test:fuzz -- --small --seed ${report.seed}`);
  assert.equal(report.seed, seed);
  assert.equal(report.inputs, 3000);
  assert.ok(report.serverAlive);
  assert.equal(report.leaks.length, 0);
  assert.ok(report.victimAcks > 0, 'the well-behaved visitor was served during the run');
});
