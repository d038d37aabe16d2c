/**
 * The built server (dist/server/main.js) as a child process on port 0 and a
 * fixed data dir, which the chaos run SIGKILLs and starts again on the same
 * dir. The proxy in front hides the port change from the clients.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Secret of the chaos servers (agent tokens are signed with it). */
export const CHAOS_SECRET = 'chaos-secret-0123456789abcdef';

export interface ServerChild {
  readonly pid: number;
  readonly port: number;
  /** Everything it printed, for failure messages. */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Every running child, so the run can kill them on any exit path. */
export const liveChildren = new Set<ServerChild>();

/** Starts dist/server/main.js with its journal in `dataDir`; resolves once it printed its port. */
/** Every participant connects from 127.0.0.1: the per-IP and per-visitor quotas of issue 9 are lifted (they have their own tests). */
const LOOPBACK_QUOTAS = { CS_NEW_VISITORS_PER_IP_MINUTE: '100000', CS_VISITOR_BYTES_PER_HOUR: '1000000000' };

export async function startServerChild(dataDir: string, env: Record<string, string> = {}): Promise<ServerChild> {
  const main = join(root, 'dist', 'server', 'main.js');
  for (const file of [main, join(root, 'dist', 'cs-chat.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before the chaos suite`);
  }
  const child = spawn(process.execPath, [main], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CS_SECRET: CHAOS_SECRET, CS_DATA_DIR: dataDir, CS_LOG_LEVEL: 'warn', CS_BOT: 'off', ...LOOPBACK_QUOTAS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`server did not start within 20 s:\n${log}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /running on http:\/\/[^:]+:(\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`server exited before listening:\n${log}`));
    });
  });
  const handle: ServerChild = {
    pid: child.pid ?? 0,
    port,
    output: () => log,
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
      liveChildren.delete(handle);
    },
    async stop() {
      if (alive()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      liveChildren.delete(handle);
    },
  };
  liveChildren.add(handle);
  return handle;
}
