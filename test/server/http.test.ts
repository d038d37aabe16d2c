/** HTTP side (issue 2): health, metrics, static bundles and pages, graceful shutdown. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { cs } from '../../proto/gen/chat.js';
import { ProtoClient } from '../support/proto-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const root = mkdtempSync(join(tmpdir(), 'cs-http-'));
const distDir = join(root, 'dist');
const demoDir = join(root, 'demo');
const bundle = `console.log("cs-chat widget");\n${'/* padding */\n'.repeat(200)}`;

before(async () => {
  mkdirSync(distDir);
  mkdirSync(demoDir);
  writeFileSync(join(distDir, 'cs-chat.js'), bundle);
  mkdirSync(join(distDir, 'chunks'));
  writeFileSync(join(distDir, 'chunks', 'cs-chat-panel-ABC123.js'), 'self.__csChat.chunks.panel = {};');
  writeFileSync(join(demoDir, 'index.html'), '<!doctype html><title>Shop</title><script src="/cs-chat.js" data-site="acme" async></script>');
  writeFileSync(join(demoDir, 'shop.css'), 'body{margin:0}');
  server = await startTestServer({ distDir, demoDir });
});
after(async () => {
  await server.close();
});

describe('http', () => {
  test('/healthz answers 200 while the journal is healthy', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, 'ok');
  });

  test('/metrics shows connections, frames, acks, dedup hits and send->ack latency moving', async () => {
    const client = await ProtoClient.open(server.wsUrl, { site: 'acme' });
    const ack = await client.send({ text: 'count me' });
    await client.send({ clientMsgId: ack.clientMsgId, text: 'count me' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /^cs_connections 1$/m);
    assert.match(text, /^cs_frames_in_total\{type="send"\} 2$/m);
    assert.match(text, /^cs_frames_in_total\{type="hello"\} 1$/m);
    assert.match(text, /^cs_frames_out_total\{type="welcome"\} 1$/m);
    assert.match(text, /^cs_acks_total\{status="OK"\} 1$/m);
    assert.match(text, /^cs_acks_total\{status="DUPLICATE"\} 1$/m);
    assert.match(text, /^cs_dedup_hits_total 1$/m);
    assert.match(text, /^cs_send_ack_seconds_count 1$/m);
    await client.close();
  });

  test('/cs-chat.js is served with ETag, Cache-Control and gzip or brotli by Accept-Encoding', async () => {
    const plain = await fetch(`${server.url}/cs-chat.js`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.status, 200);
    assert.match(plain.headers.get('content-type') ?? '', /javascript/);
    assert.match(plain.headers.get('cache-control') ?? '', /max-age=/);
    assert.equal(await plain.text(), bundle);
    const etag = plain.headers.get('etag') ?? '';
    assert.ok(etag);
    // fetch decodes transparently; read raw bytes through node:http-level headers instead.
    const gz = await rawGet('/cs-chat.js', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), bundle);
    assert.ok(gz.body.length < bundle.length / 4);
    const br = await rawGet('/cs-chat.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), bundle);
    const cached = await fetch(`${server.url}/cs-chat.js`, { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
  });

  test('/chunks/* serves the lazy chunks as JavaScript, immutable; a missing chunk is 404 and a path out of dist/chunks 400', async () => {
    const chunk = await fetch(`${server.url}/chunks/cs-chat-panel-ABC123.js`);
    assert.equal(chunk.status, 200);
    assert.match(chunk.headers.get('content-type') ?? '', /^text\/javascript|^application\/javascript/);
    assert.equal(chunk.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(chunk.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await chunk.text(), 'self.__csChat.chunks.panel = {};');
    const missing = await fetch(`${server.url}/chunks/cs-chat-panel-OLD.js`);
    assert.equal(missing.status, 404);
    assert.equal((await rawGet('/chunks/..%2Fcs-chat.js', {})).status, 400);
  });

  test('HTML pages carry a strict Content-Security-Policy; missing pages get a placeholder', async () => {
    const shop = await fetch(`${server.url}/`);
    assert.equal(shop.status, 200);
    assert.match(await shop.text(), /data-site="acme"/);
    const csp = shop.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /connect-src 'self' ws: wss:/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
    const agent = await fetch(`${server.url}/agent`);
    assert.equal(agent.status, 200);
    assert.match(await agent.text(), /not built yet/);
    assert.ok(agent.headers.get('content-security-policy'));
    assert.equal((await fetch(`${server.url}/cs-inbox.js`)).status, 404);
  });

  test('/demo/ serves files from the demo folder and refuses paths that escape it', async () => {
    const css = await fetch(`${server.url}/demo/shop.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    const escape = await rawGet('/demo/..%2F..%2Fetc%2Fpasswd', {});
    assert.ok(escape.status === 400 || escape.status === 404, `status ${escape.status}`);
    assert.equal((await fetch(`${server.url}/demo/missing.html`)).status, 404);
  });

  test('SIGTERM of a server process tells clients GOING_AWAY, closes with 1001 and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CS_JOURNAL: 'off', CS_SECRET: 'sigterm-secret-0123456789', CS_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no port in output: ${out}`)), 15_000);
      child.stdout.on('data', () => {
        const match = /running on http:\/\/localhost:(\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    assert.match(out, /Owner setup \(once, valid \d+ min\): http:\/\/localhost:\d+\/setup#code=[\w-]{43}/);
    assert.doesNotMatch(out, /Demo agent token/, 'with CS_SECRET set no token is printed (issue 10)');
    const client = await ProtoClient.open(`ws://127.0.0.1:${port}/ws`, { site: 'acme' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const error = await client.waitFor((f) => !!f.error);
    assert.equal(error.error?.code, cs.v1.ErrorCode.GOING_AWAY);
    assert.equal((await client.closed).code, 1001);
    assert.equal(await exited, 0);
  });
});

/** GET without transparent decompression, to see the bytes on the wire. */
async function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}
