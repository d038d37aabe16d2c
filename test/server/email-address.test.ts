import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReplyAddress, replyAddress } from '../../server/src/email/address.js';
import { conversationIdFor } from '../../server/src/store/conversations.js';

const keys = { secret: 'test-secret-0123456789', inboundDomain: 'in.shop.example' };
const mailboxKeys = { secret: 'test-secret-0123456789', mailbox: 'shop@example.com' };
const conversation = conversationIdFor('site', 'v_visitor', '');

test('a reply address names its conversation and parses back to it', () => {
  const address = replyAddress(conversation, keys);
  assert.match(address, /^reply\+c[a-z2-7]{27}\.[a-z2-7]{16}@in\.shop\.example$/);
  assert.ok(address.split('@')[0]!.length <= 64);
  assert.equal(parseReplyAddress(address, keys), conversation);
});

test('without an inbound domain the address is the mailbox with a +tag', () => {
  const address = replyAddress(conversation, mailboxKeys);
  assert.match(address, /^shop\+c[a-z2-7]{27}\.[a-z2-7]{16}@example\.com$/);
  assert.equal(parseReplyAddress(address, mailboxKeys), conversation);
  assert.equal(parseReplyAddress(address, keys), conversation, 'the domain is not what proves it');
});

test('a mailbox that already has a +tag keeps it', () => {
  const address = replyAddress(conversation, { secret: keys.secret, mailbox: 'shop+cs@example.com' });
  assert.match(address, /^shop\+cs\+c/);
  assert.equal(parseReplyAddress(address, keys), conversation);
});

test('case-folded addresses (upper or lower) still parse to the same conversation', () => {
  const address = replyAddress(conversation, keys);
  assert.equal(parseReplyAddress(address.toUpperCase(), keys), conversation);
  assert.equal(parseReplyAddress(address.toLowerCase(), keys), conversation);
});

test('display names, angle brackets and quoted local parts are accepted', () => {
  const address = replyAddress(conversation, keys);
  const [local, domain] = address.split('@') as [string, string];
  assert.equal(parseReplyAddress(`"Shop Support" <${address}>`, keys), conversation);
  assert.equal(parseReplyAddress(`"${local}"@${domain}`, keys), conversation);
});

test('ids of any form round-trip, mixed case kept', () => {
  for (const id of ['c_AbC-_9zZ', 'legacy-Conversation/42', 'c_x', 'ü-talk']) {
    assert.equal(parseReplyAddress(replyAddress(id, keys), keys), id, id);
  }
});

test('a forged address (wrong mac, another conversation, another secret) is refused', () => {
  const address = replyAddress(conversation, keys);
  const other = conversationIdFor('site', 'v_other', '');
  const [, tag] = /\+([^@]+)@/.exec(address) as unknown as [string, string];
  const [, otherMac] = /\.([a-z2-7]+)@/.exec(replyAddress(other, keys)) as unknown as [string, string];
  assert.equal(parseReplyAddress(address.replace(/\.[a-z2-7]+@/, `.${otherMac}@`), keys), null, 'mac of another conversation');
  assert.equal(parseReplyAddress(replyAddress(conversation, { ...keys, secret: 'another-secret-0123456789' }), keys), null, 'another server');
  const flipped = tag.slice(0, -1) + (tag.endsWith('a') ? 'b' : 'a');
  assert.equal(parseReplyAddress(address.replace(tag, flipped), keys), null, 'one character of the mac changed');
  const body = tag.replace(/^c(.)/, (_m, ch: string) => 'c' + (ch === 'a' ? 'b' : 'a'));
  assert.equal(parseReplyAddress(address.replace(tag, body), keys), null, 'conversation changed, mac kept');
});

test('mangled addresses are refused, not thrown on', () => {
  const address = replyAddress(conversation, keys);
  const samples = [
    '', 'reply@in.shop.example', 'reply+@in.shop.example', address.replace('@', ''), address.replace('+', '-'),
    address.replace(/\.[a-z2-7]+@/, '@'), address.replace(/\.([a-z2-7]+)@/, '.$1a@'), address.replace(/\.([a-z2-7])([a-z2-7]+)@/, '.$2@'),
    address.replace('+c', '+q'), address.replace(/\+c[a-z2-7]/, '+c1'), 'reply+c.aaaaaaaaaaaaaaaa@x', '<>', 'reply+x.@x', '@' + address,
  ];
  for (const sample of samples) assert.equal(parseReplyAddress(sample, keys), null, sample);
});

test('an address made under the previous secret parses during a rotation', () => {
  const old = replyAddress(conversation, { ...keys, secret: 'old-secret-0123456789' });
  assert.equal(parseReplyAddress(old, keys), null);
  assert.equal(parseReplyAddress(old, { ...keys, previousSecret: 'old-secret-0123456789' }), conversation);
});

test('no inbound domain and no mailbox is a clear error', () => {
  assert.throws(() => replyAddress(conversation, { secret: keys.secret }), /CS_INBOUND_DOMAIN/);
  assert.throws(() => replyAddress(conversation, { secret: keys.secret, mailbox: 'not-an-address' }), /CS_INBOUND_DOMAIN/);
});
