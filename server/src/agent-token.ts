/**
 * `npm run agent-token -- <agent-id>`: prints an agent token signed with
 * CS_SECRET (DESIGN.md §8). Rotating CS_SECRET revokes every agent token.
 */
import { AGENT_ID_PATTERN, signAgentToken } from './gateway/auth.js';

const agentId = process.argv[2] ?? '';
const secret = process.env.CS_SECRET ?? '';
if (!AGENT_ID_PATTERN.test(agentId)) {
  process.stderr.write('usage: CS_SECRET=... npm run agent-token -- <agent-id>   (letters, digits, . _ @ -; up to 64)\n');
  process.exit(2);
}
if (secret.length < 16) {
  process.stderr.write('CS_SECRET must be set (at least 16 characters), the same as the server uses\n');
  process.exit(2);
}
process.stdout.write(`${signAgentToken(secret, agentId)}\n`);
