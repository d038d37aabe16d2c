/**
 * Tokens and signatures (DESIGN.md §2, §8; issues 5 and 10). All HMAC-SHA256,
 * all compared in constant time. One key per purpose: tokens are signed with
 * `secret` (CS_SECRET), identity signatures are made by the merchant's backend
 * with `identitySecret` (CS_IDENTITY_SECRET), so no identity signature is ever
 * a token and no token signature is ever an identity (issue 10, finding 1).
 *
 * - Visitor token: `v2.<kid>.<siteTag>.<visitorId>.<sig>`, sig =
 *   base64url(HMAC(secret, "visitor:v2:" + kid + "." + siteTag + "." + visitorId)),
 *   kid = a short hash of the secret, siteTag = a short hash of the site key
 *   the token was issued for. The kid names the key, so during a rotation a
 *   token under the previous secret still verifies (and is re-issued under the
 *   new one in Welcome); the site tag binds the token to its site, so a token
 *   from site A shown on site B is not that visitor there. The older
 *   `v1.<kid>.<visitorId>.<sig>` (no site) still verifies and is re-issued as v2.
 * - Service (agent) token, DESIGN.md §8: `<agent_id>.<base64url(HMAC(secret,
 *   "agent:" + agent_id))>`; or with an expiry, `<agent_id>.<exp>.<sig>` with
 *   exp in ms since the epoch and sig = base64url(HMAC(secret, "agent-exp:" +
 *   agent_id + "." + exp)). Current secret only: rotating the secret revokes
 *   every agent token.
 * - Identity signature: hex(HMAC(identitySecret, user_id)), made by the
 *   merchant's backend; current or previous identity secret. Without an
 *   identity secret, identify is off.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AGENT_ID_PATTERN } from '../pipeline/validate.js';

/** The keys in force: the token secret and the identity secret, each with its previous value during a rotation ('' = none). */
export interface Keys {
  /** Signs visitor and service tokens (CS_SECRET). */
  readonly secret: string;
  /** Previous token secret: still verifies visitor tokens, never service tokens (CS_SECRET_PREVIOUS). */
  readonly previousSecret: string;
  /** Verifies identity signatures (CS_IDENTITY_SECRET); '' turns identify off. */
  readonly identitySecret: string;
  /** Previous identity secret during a rotation (CS_IDENTITY_SECRET_PREVIOUS). */
  readonly previousIdentitySecret: string;
}

/** Short public id of a secret, carried in visitor tokens. */
export function keyId(secret: string): string {
  return createHash('sha256').update(`kid:${secret}`).digest('hex').slice(0, 8);
}

/** Short public tag of a site key, carried in visitor tokens (binds a token to its site). */
export function siteTag(site: string): string {
  return createHash('sha256').update(`site:${site}`).digest('base64url').slice(0, 8);
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

/**
 * The visitor id of a verified merchant user id on a site: the same on every
 * device, different on every site, so one user id on two sites never shares
 * conversations or a profile.
 */
export function visitorIdForUser(site: string, userId: string): string {
  return `u_${createHash('sha256').update(`user:${site}\n${userId}`).digest('base64url').slice(0, 22)}`;
}

/**
 * The visitor id older servers gave a user id (no site). Such a visitor's
 * conversations keep working on the one site they belong to (see hello.ts).
 */
export function legacyVisitorIdForUser(userId: string): string {
  return `u_${createHash('sha256').update(`user:${userId}`).digest('base64url').slice(0, 22)}`;
}

/** Signs a visitor token for `visitorId` on `site` under the current secret. */
export function signVisitorToken(keys: Keys, site: string, visitorId: string): string {
  const kid = keyId(keys.secret);
  const tag = siteTag(site);
  return `v2.${kid}.${tag}.${visitorId}.${hmac(keys.secret, `visitor:v2:${kid}.${tag}.${visitorId}`).toString('base64url')}`;
}

/**
 * True when `token` looks like a visitor token (as opposed to a service
 * token): `v1.` with 4 parts or `v2.` with 5, so an agent named `v2` (token
 * `v2.<sig>`) is still an agent.
 */
export function isVisitorToken(token: string): boolean {
  const parts = token.split('.').length;
  return (token.startsWith('v1.') && parts === 4) || (token.startsWith('v2.') && parts === 5);
}

/**
 * Result of verifying a visitor token: the visitor id, whether it must be
 * re-issued (old key or old format) and whether it predates site binding
 * (`legacy`); or `otherSite` (a valid-looking token of another site: the
 * caller starts a fresh visitor); or a reason to refuse.
 */
export type VisitorTokenCheck =
  | { ok: true; visitorId: string; stale: boolean; legacy: boolean; /** The site tag the token carries ('' for v1). */ siteTag: string }
  | { ok: false; otherSite: true }
  | { ok: false; otherSite: false; reason: string };

/**
 * Verifies a visitor token for `site` under the current or the previous
 * secret. Without `site` (an upload names its conversation, not a site) the
 * site is not checked: compare the returned `siteTag` with the conversation's.
 */
export function verifyVisitorToken(keys: Keys, token: string, site?: string): VisitorTokenCheck {
  const parts = token.split('.');
  const v1 = parts.length === 4 && parts[0] === 'v1';
  const v2 = parts.length === 5 && parts[0] === 'v2';
  if (!v1 && !v2) return { ok: false, otherSite: false, reason: 'malformed visitor token' };
  const kid = parts[1] ?? '';
  const tag = v2 ? (parts[2] ?? '') : '';
  const visitorId = parts[parts.length - 2] ?? '';
  const sig = parts[parts.length - 1] ?? '';
  for (const [secret, stale] of [[keys.secret, false], [keys.previousSecret, true]] as const) {
    if (!secret || keyId(secret) !== kid) continue;
    const signed = v2 ? `visitor:v2:${kid}.${tag}.${visitorId}` : `visitor:${kid}.${visitorId}`;
    if (!safeEqual(sig, hmac(secret, signed).toString('base64url'))) return { ok: false, otherSite: false, reason: 'visitor token signature does not match' };
    if (v2 && site !== undefined && tag !== siteTag(site)) return { ok: false, otherSite: true };
    return { ok: true, visitorId, stale: stale || v1, legacy: v1, siteTag: tag };
  }
  return { ok: false, otherSite: false, reason: 'visitor token signed with an unknown or retired key' };
}

// Agent ids are a domain rule (pipeline/validate.ts); re-exported for the token code and the CLI.
export { AGENT_ID_PATTERN };

/**
 * Mints a service (agent) token (DESIGN.md §8). With `expiresMs` (ms since
 * the epoch) the token is `<id>.<exp>.<sig>` and stops working then.
 */
export function signAgentToken(secret: string, agentId: string, expiresMs?: number): string {
  if (expiresMs === undefined) return `${agentId}.${hmac(secret, `agent:${agentId}`).toString('base64url')}`;
  const exp = String(Math.floor(expiresMs));
  return `${agentId}.${exp}.${hmac(secret, `agent-exp:${agentId}.${exp}`).toString('base64url')}`;
}

/** Result of verifying a service token: the agent id (and expiry, 0 = none), or a reason. */
export type AgentTokenCheck = { ok: true; agentId: string; expiresMs: number } | { ok: false; reason: string };

/**
 * Verifies a service token under the current secret only, in either form;
 * an expiring one must not be past `nowMs`.
 */
export function checkAgentToken(keys: Keys, token: string, nowMs: number): AgentTokenCheck {
  const refused = { ok: false, reason: 'agent token is not valid (forged, or signed with a retired secret)' } as const;
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return refused;
  const head = token.slice(0, dot);
  if (AGENT_ID_PATTERN.test(head) && safeEqual(token, signAgentToken(keys.secret, head))) return { ok: true, agentId: head, expiresMs: 0 };
  const expDot = head.lastIndexOf('.');
  const agentId = head.slice(0, expDot);
  const exp = head.slice(expDot + 1);
  if (expDot <= 0 || !/^\d{1,15}$/.test(exp) || !AGENT_ID_PATTERN.test(agentId)) return refused;
  if (!safeEqual(token, signAgentToken(keys.secret, agentId, Number(exp)))) return refused;
  if (Number(exp) <= nowMs) return { ok: false, reason: 'agent token has expired: mint a new one' };
  return { ok: true, agentId, expiresMs: Number(exp) };
}

/** Verifies a service token under the current secret only; returns the agent id or ''. */
export function verifyAgentToken(keys: Keys, token: string, nowMs: number = Date.now()): string {
  const check = checkAgentToken(keys, token, nowMs);
  return check.ok ? check.agentId : '';
}

/** Makes the identity signature a merchant backend sends: hex(HMAC-SHA256(identitySecret, userId)) (tests, docs). */
export function signIdentity(identitySecret: string, userId: string): string {
  return hmac(identitySecret, userId).toString('hex');
}

/** Verifies an identity signature under the current or the previous identity secret; false when identify is off. */
export function verifyIdentity(keys: Keys, userId: string, signature: string): boolean {
  const lower = signature.toLowerCase();
  for (const secret of [keys.identitySecret, keys.previousIdentitySecret]) {
    if (secret && safeEqual(lower, signIdentity(secret, userId))) return true;
  }
  return false;
}
