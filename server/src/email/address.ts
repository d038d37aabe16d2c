/**
 * The reply address of a conversation (DESIGN.md §10): the `Reply-To` of
 * every email the server sends about it, and the address an emailed answer
 * is matched by. It names the conversation and cannot be forged:
 *
 *     reply+<conversation>.<mac>@<CS_INBOUND_DOMAIN>
 *     shop+<conversation>.<mac>@example.com      (no inbound domain: the mailbox's own address with a +tag)
 *
 * Mail systems may case-fold the local part (some lower-case it, some
 * upper-case it), so both parts are base32 (RFC 4648 alphabet, lower case,
 * no padding) and parsing ignores case. A conversation id `c_<base64url>`
 * (store/conversations.ts) is written as `c` + the base32 of its base64url
 * bits (27 characters for today's ids); any other id as `x` + the base32 of
 * its UTF-8 bytes. The mac is the first 80 bits of HMAC-SHA256 over the
 * conversation id with a key derived from the server secret under a purpose
 * label, so the address key is never the token key itself. A reply address
 * is at most about 50 characters before the `@` with `reply`, under the 64
 * of RFC 5321 for mailbox names up to about 18 characters.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The local part used with CS_INBOUND_DOMAIN. */
export const INBOUND_LOCAL_PART = 'reply';

/** The label the address key is derived under (changing it invalidates every reply address sent). */
const PURPOSE = 'cs-chat/email/reply-address/v1';

/** Base32 characters of the mac: 16 × 5 = 80 bits. */
const MAC_CHARS = 16;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** What a reply address is made and checked with. */
export interface ReplyAddressKeys {
  /** The server secret (CS_SECRET); the address key is derived from it. */
  readonly secret: string;
  /** The previous secret during a rotation: addresses made under it still parse. Default none. */
  readonly previousSecret?: string;
  /** CS_INBOUND_DOMAIN: addresses are `reply+…@<domain>`. Default none: the mailbox's address with a +tag. */
  readonly inboundDomain?: string;
  /** The mailbox's own address (e.g. `shop@example.com`), used when there is no inbound domain. */
  readonly mailbox?: string;
}

/**
 * The reply address of `conversationId`.
 * @throws Error when neither `inboundDomain` nor a valid `mailbox` is given.
 */
export function replyAddress(conversationId: string, keys: ReplyAddressKeys): string {
  const tag = `${encodeConversation(conversationId)}.${mac(keys.secret, conversationId)}`;
  if (keys.inboundDomain) return `${INBOUND_LOCAL_PART}+${tag}@${keys.inboundDomain.toLowerCase()}`;
  const at = keys.mailbox ? keys.mailbox.lastIndexOf('@') : -1;
  if (!keys.mailbox || at <= 0 || at === keys.mailbox.length - 1) {
    throw new Error('a reply address needs CS_INBOUND_DOMAIN or the mailbox address (CS_MAIL_FROM), e.g. shop@example.com');
  }
  return `${keys.mailbox.slice(0, at)}+${tag}@${keys.mailbox.slice(at + 1)}`;
}

/**
 * The conversation a reply address names, or null when `address` is not a
 * reply address or its mac does not verify (checked in constant time, under
 * the secret and the previous one). Accepts `Name <addr>`, a quoted local
 * part, and any letter case. The domain is not checked: the mac is what
 * proves the address was made here.
 */
export function parseReplyAddress(address: string, keys: ReplyAddressKeys): string | null {
  const bare = (/<([^<>]*)>\s*$/.exec(address)?.[1] ?? address).trim();
  const at = bare.lastIndexOf('@');
  if (at <= 0) return null;
  const local = bare.slice(0, at).replace(/^"(.*)"$/, '$1').toLowerCase();
  if (!/^[^@\s"<>()]+$/.test(local)) return null;
  const plus = local.lastIndexOf('+');
  return plus < 0 ? null : verifyTag(local.slice(plus + 1), keys);
}

/**
 * A Message-ID for an email about `conversationId` that names it the way a
 * reply address does: `<cs.<conversation>.<mac>.<unique>@<domain>>`. A
 * reply quoting it in `In-Reply-To` / `References` is matched to the
 * conversation with no lookup, even when the visitor's mail program dropped
 * the Reply-To. `unique` tells the emails of one conversation apart
 * (letters, digits, `-`).
 */
export function threadMessageId(conversationId: string, unique: string, domain: string, keys: Pick<ReplyAddressKeys, 'secret'>): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(unique)) throw new Error('the unique part of a Message-ID is 1 to 64 letters, digits or -');
  return `<cs.${encodeConversation(conversationId)}.${mac(keys.secret, conversationId)}.${unique}@${domain}>`;
}

/** The conversation a Message-ID made by `threadMessageId` names (with or without `<>`), or null. */
export function conversationOfMessageId(messageId: string, keys: ReplyAddressKeys): string | null {
  const match = /^<?cs\.([a-z2-7]+\.[a-z2-7]+)\.[a-z0-9-]+@[^<>\s]+>?$/i.exec(messageId.trim());
  return match ? verifyTag(match[1]!.toLowerCase(), keys) : null;
}

/** `<form><conversation>.<mac>` (lower case) to the conversation id when the mac verifies, in constant time. */
function verifyTag(tag: string, keys: ReplyAddressKeys): string | null {
  const match = /^([cx])([a-z2-7]{1,200})\.([a-z2-7]{16})$/.exec(tag);
  if (!match) return null;
  const [, form, body, given] = match as unknown as [string, 'c' | 'x', string, string];
  const conversationId = decodeConversation(form, body);
  if (conversationId === null || encodeConversation(conversationId) !== form + body) return null;
  const secrets = [keys.secret, keys.previousSecret].filter((s): s is string => Boolean(s));
  let ok = false;
  for (const secret of secrets) ok = macEquals(mac(secret, conversationId), given) || ok;
  return ok ? conversationId : null;
}

function addressKey(secret: string): Buffer {
  return createHmac('sha256', secret).update(PURPOSE).digest();
}

function mac(secret: string, conversationId: string): string {
  const digest = createHmac('sha256', addressKey(secret)).update(conversationId, 'utf8').digest();
  return base32(bitsOfBytes(digest)).slice(0, MAC_CHARS);
}

function macEquals(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function encodeConversation(conversationId: string): string {
  const compact = /^c_([A-Za-z0-9_-]+)$/.exec(conversationId);
  if (compact) return 'c' + base32(compact[1]!.split('').map((ch) => bitsOf(BASE64URL.indexOf(ch), 6)).join(''));
  return 'x' + base32(bitsOfBytes(Buffer.from(conversationId, 'utf8')));
}

function decodeConversation(form: 'c' | 'x', body: string): string | null {
  const bits = body.split('').map((ch) => bitsOf(BASE32.indexOf(ch), 5)).join('');
  if (form === 'c') {
    const chars = Math.floor(bits.length / 6);
    let id = 'c_';
    for (let i = 0; i < chars; i++) id += BASE64URL[parseInt(bits.slice(i * 6, i * 6 + 6), 2)];
    return chars > 0 ? id : null;
  }
  const bytes = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const text = bytes.toString('utf8');
  return bytes.length > 0 && Buffer.from(text, 'utf8').equals(bytes) ? text : null;
}

function bitsOf(value: number, width: number): string {
  return value.toString(2).padStart(width, '0');
}

function bitsOfBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => bitsOf(byte, 8)).join('');
}

/** Base32 of a bit string, the last group padded with zero bits. */
function base32(bits: string): string {
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += BASE32[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}
