/**
 * No tokens in logs (issue 10, finding 4): with CS_SECRET set the server
 * prints no service token on stdout or stderr; in demo mode it prints one and
 * says why. Runs the real entry point (server/src/main.ts) as a child process;
 * the token CLI mints expiring tokens.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { signAgentToken } from '../../server/src/gateway/auth.js';
import { ProtoClient } from '../support/proto-client.js';

/** A base64url HMAC-SHA256 (43 characters), the tail of every service token. */
const TOKEN_TAIL = /[.][A-Za-z0-9_-]{43}\b/;

/** Starts main.ts with `env`, lets it come up, connects once, stops it; returns all it printed. */
async function runServer(env: Record<string, string>): Promise<{ out: string; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CS_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no port in output: ${out}`)), 20_000);
      const look = (): void => {
        const match = /running on http:\/\/localhost:(\d+)[\s\S]*Metrics:/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
    });
    // A session comes and goes, so whatever the server logs about sessions is in the output too.
    const visitor = await ProtoClient.open(`ws://127.0.0.1:${port}/ws`, { site: 'acme' });
    await visitor.close();
    return { out, port };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('startup output', () => {
  test('with CS_SECRET set, stdout and stderr hold no service token', async () => {
    const secret = 'production-secret-0123456789';
    const { out } = await runServer({ CS_SECRET: secret, CS_JOURNAL: 'off' });
    assert.ok(!out.includes(signAgentToken(secret, 'demo-agent')), 'the demo agent token was printed');
    assert.doesNotMatch(out, TOKEN_TAIL, 'something token-shaped was printed');
    assert.doesNotMatch(out, /#token=/);
    assert.match(out, /npm run agent-token/, 'says how to get a token instead');
  });

  test('in demo mode (no CS_SECRET) it prints a working token and says it is demo mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-demo-'));
    try {
      const { out } = await runServer({ CS_SECRET: '', CS_DATA_DIR: dir });
      assert.match(out, /Demo mode: CS_SECRET is not set/);
      const token = /Demo agent token:\s+(\S+)/.exec(out)?.[1] ?? '';
      const link = decodeURIComponent(/#token=(\S+)/.exec(out)?.[1] ?? '');
      assert.match(link, /^demo-agent\.\d+\.[A-Za-z0-9_-]{43}$/, 'the link carries an expiring token');
      assert.ok(token.startsWith('demo-agent.'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('agent-token CLI', () => {
  test('mints a §8 token, or with --ttl an expiring one the server accepts until then', async () => {
    const secret = 'cli-secret-0123456789abcdef';
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'server/src/agent-token.ts', ...args], { env: { ...process.env, CS_SECRET: secret }, encoding: 'utf8' });
    const plain = cli('alice');
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout.trim(), signAgentToken(secret, 'alice'));
    const before = Date.now();
    const expiring = cli('alice', '--ttl', '8h');
    assert.equal(expiring.status, 0, expiring.stderr);
    const [id, exp] = expiring.stdout.trim().split('.');
    assert.equal(id, 'alice');
    assert.ok(Math.abs(Number(exp) - (before + 8 * 3_600_000)) < 60_000, `expiry ${exp}`);
    assert.match(expiring.stderr, /expires \d{4}-/);
    assert.equal(cli('alice', '--ttl', 'soon').status, 2);

    const { startTestServer } = await import('../support/server.js');
    const server = await startTestServer({ secret });
    try {
      const agent = await ProtoClient.open(server.wsUrl, { token: expiring.stdout.trim() });
      assert.equal(agent.welcome?.role, cs.v1.Role.AGENT);
      await agent.close();
    } finally {
      await server.close();
    }
  });
});
