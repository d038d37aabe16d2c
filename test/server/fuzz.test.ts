/**
 * The fuzz suite's small run (3,000 fast-check inputs against a real server
 * child process), so `npm test` covers it; `npm run test:fuzz` is the full
 * run. See test/fuzz/run.ts for what passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, runFuzz } from '../fuzz/run.js';

test('3,000 hostile inputs neither crash the server, nor leak another conversation, nor stop a well-behaved client', { timeout: 120_000 }, async (t) => {
  const report = await runFuzz({ inputs: 3000, seed: Date.now() % 1_000_000, connections: 4, log: (line) => t.diagnostic(line) });
  for (const line of formatReport(report).split('\n')) t.diagnostic(line);
  assert.deepEqual(report.failures, [], `seed ${report.seed}: repeat with npm run test:fuzz -- --small --seed ${report.seed}`);
  assert.equal(report.inputs, 3000);
  assert.ok(report.serverAlive);
  assert.equal(report.leaks.length, 0);
  assert.ok(report.victimAcks > 0, 'the well-behaved visitor was served during the run');
});
