/**
 * `npm run agent-token -- <agent-id> [--ttl <duration>]`: prints a service
 * token signed with CS_SECRET (DESIGN.md §8). With `--ttl` (e.g. `8h`, `30m`,
 * `7d`, or seconds) the token carries its expiry (`<id>.<exp>.<sig>`) and
 * stops working then; without it, it works until CS_SECRET is rotated.
 */
import { AGENT_ID_PATTERN, signAgentToken } from './gateway/auth.js';

const USAGE = 'usage: CS_SECRET=... npm run agent-token -- <agent-id> [--ttl 8h|30m|7d|<seconds>]   (agent id: letters, digits, . _ @ -; up to 64)\n';
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `8h`, `30m`, `7d`, `90s` or `3600` (seconds) in ms; undefined when it is not one. */
function parseTtl(raw: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] || 's'] ?? 1000);
  return ms > 0 ? ms : undefined;
}

function fail(message: string): never {
  process.stderr.write(message);
  process.exit(2);
}

const args = process.argv.slice(2);
const ttlAt = args.indexOf('--ttl');
const ttlRaw = ttlAt >= 0 ? (args[ttlAt + 1] ?? '') : undefined;
if (ttlAt >= 0) args.splice(ttlAt, 2);
const agentId = args[0] ?? '';
const secret = process.env.CS_SECRET ?? '';
if (args.length !== 1 || !AGENT_ID_PATTERN.test(agentId)) fail(USAGE);
const ttlMs = ttlRaw === undefined ? undefined : parseTtl(ttlRaw);
if (ttlRaw !== undefined && ttlMs === undefined) fail(`--ttl "${ttlRaw}" is not a duration such as 8h, 30m, 7d or 3600\n${USAGE}`);
if (secret.length < 16) fail('CS_SECRET must be set (at least 16 characters), the same as the server uses\n');
const expiresMs = ttlMs === undefined ? undefined : Date.now() + ttlMs;
process.stdout.write(`${signAgentToken(secret, agentId, expiresMs)}\n`);
if (expiresMs !== undefined) process.stderr.write(`expires ${new Date(expiresMs).toISOString()}\n`);
