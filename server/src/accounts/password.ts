/**
 * Password hashing with scrypt (node:crypto) at the OWASP Password Storage
 * Cheat Sheet's parameters: N = 2^17, r = 8, p = 1 (128 MiB, about a third
 * of a second on a server core), a 16-byte random salt and a 32-byte key.
 * The parameters travel inside the stored string, so raising them later
 * keeps old hashes verifiable (and `needsRehash` says when to upgrade one).
 *
 * Format: `scrypt$N=<n>,r=<r>,p=<p>$<salt b64url>$<key b64url>`.
 * Hashing runs on libuv's thread pool (async scrypt), never on the socket loop.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The cost parameters a new hash gets (OWASP: N=2^17, r=8, p=1). */
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1 } as const;
/** Bytes of salt per hash. */
export const SALT_BYTES = 16;
/** Bytes of derived key per hash. */
export const KEY_BYTES = 32;
/** Shortest password accepted, characters. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password accepted, characters (scrypt hashes any length; this caps request work). */
export const MAX_PASSWORD_LENGTH = 256;

/** Parsed scrypt parameters of one stored hash. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default maxmem (32 MiB) is below OWASP's N.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password for storage. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_PARAMS, KEY_BYTES);
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** The parameters of a stored hash, or undefined when it is not one of ours. */
export function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const match = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!match) return undefined;
  const [, n, r, p, salt, key] = match as unknown as [string, string, string, string, string, string];
  return { params: { N: Number(n), r: Number(r), p: Number(p) }, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

/** True when `password` matches the stored hash (constant-time comparison). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** True when a stored hash was made with weaker parameters than today's (rehash on the next login). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.params.N < SCRYPT_PARAMS.N || parsed.params.r < SCRYPT_PARAMS.r || parsed.params.p < SCRYPT_PARAMS.p;
}

/**
 * A hash of a random password, verified against when the email is unknown,
 * so "no such account" takes as long as "wrong password" (no account
 * enumeration by timing). Made once, lazily.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  return (dummyHash ??= hashPassword(randomBytes(16).toString('base64url')));
}

/** Why a new password is refused, or '' when it is acceptable. */
export function passwordProblem(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return '';
}
