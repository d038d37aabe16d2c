/**
 * Signed, expiring file URLs (DESIGN.md §11): `/files/<id>?exp=<ms>&sig=<s>`
 * with sig = base64url(HMAC-SHA256(secret, "file:" + id + ":" + exp)). An
 * `<img>` cannot send a header, so the URL itself is the capability; it is
 * handed only to participants of the conversation, inside Deliver and
 * SyncResult, and renewed every time.
 *
 * Expiry times are rounded up to a step (a tenth of the lifetime), so the
 * same file keeps the same URL for a while and browsers can cache it.
 */
import { createHmac } from 'node:crypto';
import { safeEqual, type Keys } from '../gateway/auth.js';

function signature(secret: string, id: string, exp: number): string {
  return createHmac('sha256', secret).update(`file:${id}:${exp}`).digest('base64url');
}

/** The expiry a URL made at `nowMs` gets: at least `ttlMs` ahead, rounded up to `ttlMs / 10`. */
export function expiryFor(nowMs: number, ttlMs: number): number {
  const step = Math.max(1000, Math.floor(ttlMs / 10));
  return Math.ceil((nowMs + ttlMs) / step) * step;
}

/** The signed URL of attachment `id`, valid until `exp` (ms since the epoch). */
export function signFileUrl(keys: Keys, id: string, exp: number): string {
  return `/files/${encodeURIComponent(id)}?exp=${exp}&sig=${signature(keys.secret, id, exp)}`;
}

/** Why a file URL was refused, or '' when it is good. Current or previous secret. */
export function checkFileUrl(keys: Keys, id: string, expRaw: string, sig: string, nowMs: number): string {
  if (!/^\d{1,16}$/.test(expRaw) || sig.length === 0) return 'missing or malformed signature';
  const exp = Number(expRaw);
  const good = [keys.secret, keys.previousSecret].some((secret) => secret && safeEqual(sig, signature(secret, id, exp)));
  if (!good) return 'bad signature';
  if (exp <= nowMs) return 'link expired';
  return '';
}
