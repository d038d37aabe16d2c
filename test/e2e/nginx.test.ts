/**
 * The README's production set-up, proven (issue 11): Debian's nginx runs
 * `server/deploy/nginx.conf` — the file the README prints — in front of the
 * built server, over TLS, on loopback ports, with `CS_TRUST_PROXY=1` and a
 * `CS_ALLOWED_ORIGINS` that lists only the shop. The visitor on the demo
 * shop and the agent in the workbench (both served from the chat server's
 * own origin) talk through it in real Chromium.
 *
 * The test changes only what a machine-specific copy must: the listen
 * addresses, the upstream port and the certificate paths (a fresh
 * self-signed certificate for chat.example.com). Each substitution must match
 * the documented file exactly once, so a change to the file's shape fails
 * here instead of going untested.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { agentLog, agentToken, countBubbles, eventually, freePort, launchChromium, startServerProcess, tempDataDir, UI_TIMEOUT_MS, visitorLog, type ServerProcess, openChatAndSend, waitForAcked } from './harness.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const NGINX = process.env.NGINX_PATH || '/usr/sbin/nginx';
const DOCUMENTED = join(root, 'server', 'deploy', 'nginx.conf');

/** Replaces `from` (which must occur exactly `times` times) in `text`. */
function substitute(text: string, from: string, to: string, times = 1): string {
  const found = text.split(from).length - 1;
  assert.equal(found, times, `the documented nginx.conf should contain ${JSON.stringify(from)} ${times}×, found ${found}×`);
  return text.split(from).join(to);
}

/** The documented site config made to run here: loopback ports, the test server, a test certificate. */
function localSiteConfig(dir: string, ports: { http: number; https: number; upstream: number }): string {
  let site = readFileSync(DOCUMENTED, 'utf8');
  site = substitute(site, '    listen [::]:80;\n', '');
  site = substitute(site, '    listen [::]:443 ssl;\n', '');
  site = substitute(site, 'listen 80;', `listen 127.0.0.1:${ports.http};`);
  site = substitute(site, 'listen 443 ssl;', `listen 127.0.0.1:${ports.https} ssl;`);
  site = substitute(site, 'server 127.0.0.1:8080;', `server 127.0.0.1:${ports.upstream};`);
  site = substitute(site, '/etc/letsencrypt/live/chat.example.com/fullchain.pem', join(dir, 'cert.pem'));
  site = substitute(site, '/etc/letsencrypt/live/chat.example.com/privkey.pem', join(dir, 'key.pem'));
  return site;
}

/** A whole nginx.conf around the site file, everything in `dir` (what Debian's /etc/nginx/nginx.conf does around sites-enabled). */
function mainConfig(dir: string): string {
  return `worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  include ${join(dir, 'site.conf')};
}
`;
}

describe('behind nginx with the documented config', () => {
  let data: ReturnType<typeof tempDataDir>;
  let server: ServerProcess;
  let nginx: ChildProcess;
  let nginxLog = '';
  let browser: Browser;
  let visitor: Page;
  let agent: Page;
  let publicUrl: string;
  let ports: { http: number; https: number; upstream: number };

  before(async () => {
    data = tempDataDir();
    ports = { http: await freePort(), https: await freePort(), upstream: await freePort() };
    server = await startServerProcess(ports.upstream, join(data.dir, 'data'), { CS_TRUST_PROXY: '1', CS_ALLOWED_ORIGINS: 'https://shop.example' });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=chat.example.com', '-keyout', join(data.dir, 'key.pem'), '-out', join(data.dir, 'cert.pem')], { stdio: 'ignore' });
    writeFileSync(join(data.dir, 'site.conf'), localSiteConfig(data.dir, ports));
    writeFileSync(join(data.dir, 'nginx.conf'), mainConfig(data.dir));
    const conf = join(data.dir, 'nginx.conf');
    execFileSync(NGINX, ['-t', '-q', '-p', data.dir, '-c', conf], { stdio: 'pipe' });
    nginx = spawn(NGINX, ['-p', data.dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stderr?.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()));
    publicUrl = `https://chat.example.com:${ports.https}`;
    await eventually(async () => assert.equal((await fetch(`http://127.0.0.1:${ports.http}/`, { redirect: 'manual' })).status, 301));
    browser = await launchChromium([`--host-resolver-rules=MAP chat.example.com 127.0.0.1`]);
    visitor = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    agent = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((done) => nginx.once('exit', done));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await server?.stop();
    data?.remove();
  });

  it('the README prints the very file this test runs', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.ok(readme.includes('```nginx\n' + readFileSync(DOCUMENTED, 'utf8') + '```'), 'README.md shows server/deploy/nginx.conf verbatim');
  });

  it('plain http is redirected to https', async () => {
    const res = await new Promise<IncomingMessage>((done, fail) =>
      httpGet({ host: '127.0.0.1', port: ports.http, path: '/agent', headers: { Host: 'chat.example.com' } }, done).once('error', fail),
    );
    res.resume();
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, 'https://chat.example.com/agent');
  });

  it('a visitor and an agent talk through nginx over TLS; the workbench is allowed by its own origin', async () => {
    const question = 'Do you ship to Norway?';
    const answer = 'Yes, in 3 to 5 working days.';
    await visitor.goto(`${publicUrl}/`);
    await openChatAndSend(visitor, question);
    await waitForAcked(visitor);

    await agent.goto(`${publicUrl}/agent#token=${encodeURIComponent(agentToken('alice'))}`);
    const row = agent.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first();
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    await row.click();
    await eventually(async () => assert.equal(await countBubbles(agentLog(agent), question), 1));
    await agent.getByRole('textbox', { name: 'Reply' }).fill(answer);
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(async () => assert.equal(await countBubbles(visitorLog(visitor), answer), 1), UI_TIMEOUT_MS);
    assert.doesNotMatch(nginxLog, /\[(emerg|alert|crit)\]/);
  });

  it('another origin is still refused through the proxy, and a client cannot choose the address CS_TRUST_PROXY reads', async () => {
    const refused = await new Promise<number>((done, fail) => {
      const socket = new WebSocket(`wss://127.0.0.1:${ports.https}/ws`, {
        rejectUnauthorized: false,
        headers: { Host: `chat.example.com:${ports.https}`, Origin: 'https://evil.example', 'X-Forwarded-For': '203.0.113.66' },
      });
      socket.once('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
      socket.once('open', () => fail(new Error('upgrade from another origin was accepted')));
      socket.once('error', () => undefined);
    });
    assert.equal(refused, 403);
    await eventually(() => assert.match(server.output(), /origin not allowed/));
    const line = server.output().split('\n').find((l) => l.includes('evil.example')) ?? '';
    assert.match(line, /"ip":"127\.0\.0\.1"/, `the server logged the proxy-set address: ${line}`);
    assert.doesNotMatch(line, /203\.0\.113\.66/);
  });
});
