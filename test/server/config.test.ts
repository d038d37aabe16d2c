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

test('the demo makes an identity secret beside its token secret; with CS_SECRET set identify stays off unless CS_IDENTITY_SECRET is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-secret-'));
  const demo = optionsFromEnv({ CS_DATA_DIR: dir }).options;
  assert.ok((demo.identitySecret ?? '').length >= 16);
  assert.notEqual(demo.identitySecret, demo.secret, 'one key per purpose');
  assert.equal(statSync(join(dir, 'identity-secret')).mode & 0o777, 0o600);
  assert.equal(optionsFromEnv({ CS_DATA_DIR: dir }).options.identitySecret, demo.identitySecret, 'kept across restarts');
  assert.equal(optionsFromEnv({ CS_DATA_DIR: dir, CS_SECRET: 'a-secret-of-sixteen+' }).options.identitySecret, undefined);
  assert.equal(optionsFromEnv({ CS_SECRET: 'a-secret-of-sixteen+', CS_IDENTITY_SECRET: 'an-identity-of-sixteen' }).options.identitySecret, 'an-identity-of-sixteen');
});

test('CS_TRUST_PROXY counts hops (true = 1); anything else is refused', () => {
  assert.equal(optionsFromEnv({ CS_TRUST_PROXY: '1' }).options.trustProxy, 1);
  assert.equal(optionsFromEnv({ CS_TRUST_PROXY: 'true' }).options.trustProxy, 1);
  assert.equal(optionsFromEnv({ CS_TRUST_PROXY: '2' }).options.trustProxy, 2);
  assert.equal(optionsFromEnv({ CS_TRUST_PROXY: '0' }).options.trustProxy, 0);
  assert.equal(optionsFromEnv({}).options.trustProxy, undefined);
  assert.throws(() => optionsFromEnv({ CS_TRUST_PROXY: 'yes' }), /CS_TRUST_PROXY must be the number of proxy hops/);
});

test('CS_SITES lists site keys with their origins; a malformed entry is refused', () => {
  assert.deepEqual(optionsFromEnv({ CS_SITES: 'acme=https://acme.example|https://www.acme.example, beta' }).options.sites, {
    acme: ['https://acme.example', 'https://www.acme.example'],
    beta: [],
  });
  assert.throws(() => optionsFromEnv({ CS_SITES: 'acme=acme.example' }), /not an origin/);
  assert.throws(() => optionsFromEnv({ CS_SITES: 'a b=https://x.example' }), /not a site key/);
});

test('CS_INBOX_CONVERSATIONS sizes the workbench list (default 500); a malformed value is refused', () => {
  assert.equal(optionsFromEnv({ CS_SECRET: 'a-secret-of-sixteen+' }).options.inboxConversations, undefined, 'unset: the default of options.ts (500)');
  assert.equal(optionsFromEnv({ CS_SECRET: 'a-secret-of-sixteen+', CS_INBOX_CONVERSATIONS: '50' }).options.inboxConversations, 50);
  assert.throws(() => optionsFromEnv({ CS_SECRET: 'a-secret-of-sixteen+', CS_INBOX_CONVERSATIONS: 'many' }), /CS_INBOX_CONVERSATIONS must be a non-negative number/);
});

test('CS_METRICS_TOKEN and CS_HELLO_TIMEOUT_MS reach the options', () => {
  const { options } = optionsFromEnv({ CS_METRICS_TOKEN: 'scrape-me-0123456789', CS_HELLO_TIMEOUT_MS: '4000' });
  assert.equal(options.metricsToken, 'scrape-me-0123456789');
  assert.equal(options.helloTimeoutMs, 4000);
});

test('the email settings: CS_IMAP_URL (checked at start, password not echoed), CS_INBOUND_DOMAIN, CS_MAX_EMAIL_BYTES, CS_IMAP_POLL_MS', () => {
  const { options } = optionsFromEnv({
    CS_SECRET: 'a-secret-of-sixteen+',
    CS_IMAP_URL: 'imaps://shop%40example.com:pw@imap.example.com',
    CS_INBOUND_DOMAIN: 'in.example.com',
    CS_MAX_EMAIL_BYTES: '5000000',
    CS_IMAP_POLL_MS: '30000',
  });
  assert.equal(options.imapUrl, 'imaps://shop%40example.com:pw@imap.example.com');
  assert.equal(options.inboundDomain, 'in.example.com');
  assert.equal(options.maxEmailBytes, 5000000);
  assert.equal(options.imapPollMs, 30000);
  assert.equal(optionsFromEnv({ CS_SECRET: 'a-secret-of-sixteen+' }).options.imapUrl, undefined);
  assert.throws(() => optionsFromEnv({ CS_SECRET: 'a-secret-of-sixteen+', CS_IMAP_URL: 'http://u:hunter2@x' }), (error: Error) => /CS_IMAP_URL/.test(error.message) && !error.message.includes('hunter2'));
  assert.throws(() => optionsFromEnv({ CS_SECRET: 'a-secret-of-sixteen+', CS_MAX_EMAIL_BYTES: 'big' }), /CS_MAX_EMAIL_BYTES/);
});
