import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSecret, optionsFromEnv } from '../../server/src/config.js';

test('without CS_SECRET the demo secret is kept in CS_DATA_DIR, so tokens survive a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-secret-'));
  const first = demoSecret({ CS_DATA_DIR: dir });
  assert.ok(first.length >= 16);
  assert.equal(demoSecret({ CS_DATA_DIR: dir }), first, 'a second start reads the same secret');
  assert.equal(statSync(join(dir, 'secret')).mode & 0o777, 0o600, 'only the owner may read it');
  assert.equal(optionsFromEnv({ CS_DATA_DIR: dir }).options.secret, first);
});

test('CS_JOURNAL=off makes a fresh secret per start, and CS_SECRET always wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-secret-'));
  const kept = demoSecret({ CS_DATA_DIR: dir });
  assert.notEqual(demoSecret({ CS_DATA_DIR: dir, CS_JOURNAL: 'off' }), kept);
  assert.equal(optionsFromEnv({ CS_DATA_DIR: dir, CS_SECRET: 'a-secret-of-sixteen+' }).options.secret, 'a-secret-of-sixteen+');
});

test('a malformed number setting is refused with the variable named', () => {
  assert.throws(() => optionsFromEnv({ PORT: 'eighty' }), /PORT must be a non-negative number/);
});
