/**
 * Tokens and signatures (DESIGN.md §2, §8; issue 5). All HMAC-SHA256, all
 * compared in constant time.
 *
 * - Visitor token: `v1.<kid>.<visitorId>.<sig>`, sig = base64url(HMAC(secret,
 *   "visitor:" + kid + "." + visitorId)), kid = a short hash of the secret.
 *   The kid names the key, so during a rotation a token under the previous
 *   secret still verifies (and is re-issued under the new one in Welcome).
 * - Agent token: `<agent_id>.<base64url(HMAC(secret, "agent:" + agent_id))>`,
 *   current secret only: rotating the secret revokes every agent token.
 * - Identity signature: hex HMAC(secret, user_id), made by the merchant's
 *   backend; current or previous secret.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AGENT_ID_PATTERN } from '../pipeline/validate.js';

/** The two secrets in force: the current one and, during a rotation, the previous one. */
export interface Keys {
  readonly secret: string;
  readonly previousSecret: string;
}

/** Short public id of a secret, carried in visitor tokens. */
export function keyId(secret: string): string {
  return createHash('sha256').update(`kid:${secret}`).digest('hex').slice(0, 8);
}

function hmac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Constant-time equality of two strings (false on different lengths without leaking where they differ). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A new anonymous visitor id. */
export function newVisitorId(): string {
  return `v_${randomBytes(12).toString('base64url')}`;
}

/** The visitor id bound to a verified merchant user id (same on every device). */
export function visitorIdForUser(userId: string): string {
  return `u_${createHash('sha256').update(`user:${userId}`).digest('base64url').slice(0, 22)}`;
}

/** Signs a visitor token under the current secret. */
export function signVisitorToken(keys: Keys, visitorId: string): string {
  const kid = keyId(keys.secret);
  return `v1.${kid}.${visitorId}.${hmac(keys.secret, `visitor:${kid}.${visitorId}`).toString('base64url')}`;
}

/** True when `token` looks like a visitor token (as opposed to an agent token). */
export function isVisitorToken(token: string): boolean {
  return token.startsWith('v1.');
}

/** Result of verifying a visitor token: the visitor id, and whether it must be re-issued (old key). */
export type VisitorTokenCheck = { ok: true; visitorId: string; stale: boolean } | { ok: false; reason: string };

/** Verifies a visitor token under the current or the previous secret. */
export function verifyVisitorToken(keys: Keys, token: string): VisitorTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') return { ok: false, reason: 'malformed visitor token' };
  const [, kid, visitorId, sig] = parts as [string, string, string, string];
  for (const [secret, stale] of [[keys.secret, false], [keys.previousSecret, true]] as const) {
    if (!secret || keyId(secret) !== kid) continue;
    const expected = hmac(secret, `visitor:${kid}.${visitorId}`).toString('base64url');
    if (safeEqual(sig, expected)) return { ok: true, visitorId, stale };
    return { ok: false, reason: 'visitor token signature does not match' };
  }
  return { ok: false, reason: 'visitor token signed with an unknown or retired key' };
}

/** Mints an agent token (DESIGN.md §8). */
export function signAgentToken(secret: string, agentId: string): string {
  return `${agentId}.${hmac(secret, `agent:${agentId}`).toString('base64url')}`;
}

// Agent ids are a domain rule (pipeline/validate.ts); re-exported for the token code and the CLI.
export { AGENT_ID_PATTERN };

/** Verifies an agent token under the current secret only; returns the agent id or ''. */
export function verifyAgentToken(keys: Keys, token: string): string {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return '';
  const agentId = token.slice(0, dot);
  if (!AGENT_ID_PATTERN.test(agentId)) return '';
  return safeEqual(token, signAgentToken(keys.secret, agentId)) ? agentId : '';
}

/** Makes the identity signature a merchant backend would send (tests, docs). */
export function signIdentity(secret: string, userId: string): string {
  return hmac(secret, userId).toString('hex');
}

/** Verifies an identity signature under the current or the previous secret. */
export function verifyIdentity(keys: Keys, userId: string, signature: string): boolean {
  const lower = signature.toLowerCase();
  for (const secret of [keys.secret, keys.previousSecret]) {
    if (secret && safeEqual(lower, signIdentity(secret, userId))) return true;
  }
  return false;
}
