/**
 * Secrets handed to people (session tokens, invite and setup codes): 32
 * random bytes, base64url. Only their SHA-256 is stored, so a copy of the
 * database signs nobody in.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A new random secret: 32 bytes, base64url (43 characters). */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a secret token: hex SHA-256. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A short random id with a prefix, e.g. `a_Xk3…` (public: ids are not secrets). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}
