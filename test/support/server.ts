/**
 * Starts a real cs-chat server in this process on an ephemeral port, with
 * test defaults (a fixed secret, silent logs, no bot messages). Pass
 * overrides for anything else, e.g. `{ journal }` or `{ offlineReply: true }`.
 */
import { signAgentToken, signIdentity, startServer, type RunningServer, type ServerOptions } from '../../server/src/index.js';

/** The secret test servers use unless overridden. */
export const TEST_SECRET = 'test-secret-0123456789abcdef';
/** The identity key (CS_IDENTITY_SECRET) test servers use unless overridden. */
export const TEST_IDENTITY_SECRET = 'test-identity-0123456789abcdef';

export interface TestServer extends RunningServer {
  /** An agent token for `agentId` under this server's secret. */
  agentToken(agentId: string): string;
  /** A merchant identity signature for `userId` under this server's identity secret. */
  identitySignature(userId: string): string;
}

export async function startTestServer(overrides: Partial<ServerOptions> = {}): Promise<TestServer> {
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    secret: TEST_SECRET,
    identitySecret: TEST_IDENTITY_SECRET,
    logLevel: 'silent',
    offlineReply: false,
    ...overrides,
  });
  const { secret, identitySecret } = server.options;
  return { ...server, agentToken: (id) => signAgentToken(secret, id), identitySignature: (userId) => signIdentity(identitySecret, userId) };
}
