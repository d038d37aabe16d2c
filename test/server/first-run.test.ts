/**
 * First run and account rescue (issue 12): `npm run serve` in demo mode
 * prints a demo owner whose sign-in works (and the same one after a
 * restart); with CS_SECRET it prints a one-time setup link; `npm run admin`
 * creates an owner, resets a password and lists accounts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiClient } from '../support/api-client.js';

/** Starts main.ts, waits for the banner, and returns it with a stopper. */
async function startMain(env: Record<string, string>): Promise<{ out: string; port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CS_LOG_LEVEL: 'warn', CS_SECRET: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
    child.stdout.on('data', () => {
      const match = /running on http:\/\/localhost:(\d+)[\s\S]*Health/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    out,
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

test('the demo prints a demo owner that can sign in, and the same one after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-first-run-'));
  try {
    const first = await startMain({ CS_DATA_DIR: dir });
    const match = /Demo sign-in:\s+(\S+@\S+)\s+\/\s+(\S+)/.exec(first.out);
    assert.ok(match, first.out);
    const [, email = '', password = ''] = match;
    assert.match(first.out, /Agent workbench:\s+http:\/\/localhost:\d+\/agent/);
    const client = new ApiClient(`http://127.0.0.1:${first.port}`);
    const signedIn = await client.login(email, password);
    assert.equal(signedIn.body.account.role, 'owner');
    await first.stop();
    assert.equal(statSync(join(dir, 'demo-owner')).mode & 0o777, 0o600);

    const second = await startMain({ CS_DATA_DIR: dir });
    assert.match(second.out, new RegExp(`Demo sign-in:\\s+${email.replace('.', '\\.')}\\s+/\\s+${password}`));
    await second.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run admin: create-owner, list, reset-password (which signs sessions out)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-admin-'));
  const admin = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'server/src/admin.ts', ...args], { env: { ...process.env, CS_DATA_DIR: dir }, encoding: 'utf8' });
  try {
    assert.equal(admin('nonsense').status, 2);
    assert.match(admin('list').stdout, /no accounts/);
    const made = admin('create-owner', '--email', 'boss@shop.example', '--name', 'Big Boss');
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /owner created: boss@shop\.example/);
    assert.match(made.stdout, /password: \S{16}/);
    const twice = admin('create-owner', '--email', 'other@shop.example', '--name', 'Other');
    assert.equal(twice.status, 1);
    assert.match(twice.stderr, /an owner exists already/);
    assert.match(admin('list').stdout, /owner\s+enabled\s+boss@shop\.example\s+Big Boss/);
    const reset = admin('reset-password', '--email', 'boss@shop.example', '--password', 'brand-new-password');
    assert.equal(reset.status, 0, reset.stderr);
    assert.doesNotMatch(reset.stdout, /password: /, 'a given password is not echoed');
    assert.equal(admin('reset-password', '--email', 'nobody@shop.example').status, 1);
    assert.equal(admin('reset-password', '--email', 'boss@shop.example', '--password', 'short').status, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
