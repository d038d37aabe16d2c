/**
 * The real server (server/src/main.ts through tsx, so no build is needed) as a
 * child process on port 0 and a given data dir, for the tests that must kill
 * it (SIGKILL), watch its memory (/proc/<pid>/status) or survive its crash:
 * the crash test, the slow-consumer test and the fuzz suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Secret of child servers unless overridden. */
export const CHILD_SECRET = 'child-secret-0123456789abcdef';

export interface ChildServer {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly wsUrl: string;
  /** Resolves with the exit code (or signal name) once the process ended. */
  readonly exited: Promise<number | string>;
  /** Everything it printed, for failure messages. */
  output(): string;
  /** Resident set size, KiB (VmRSS from /proc/<pid>/status). */
  rssKiB(): Promise<number>;
  /** SIGKILL: the crash of the crash test. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/**
 * Starts `server/src/main.ts` with `CS_DATA_DIR=dataDir`, `PORT=0`, silent-ish
 * logs, no bots, and resolves once it printed where it listens.
 */
export async function startChildServer(dataDir: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'server/src/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      CS_SECRET: CHILD_SECRET,
      CS_DATA_DIR: dataDir,
      CS_LOG_LEVEL: 'warn',
      CS_BOT: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within 30 s:\n${log}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const match = /running on http:\/\/[^:]+:(\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}) before listening:\n${log}`));
    });
  });
  const pid = child.pid ?? 0;
  return {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    exited,
    output: () => log,
    async rssKiB() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
