/**
 * The load generator as several child processes (test/bench/loadgen.ts), so
 * that it spreads over the cores and the bench can read each one's CPU from
 * /proc like the server's. One request at a time per child.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LoadCommand, LoadEvent } from '../loadgen.js';
import { repoRoot } from './targets.js';

/** 127.0.0.2 … 127.0.0.101: each source address has its own ephemeral port range and per-IP limit. */
export const SOURCE_ADDRESSES: string[] = Array.from({ length: 100 }, (_v, i) => `127.0.0.${i + 2}`);

export class Generators {
  private constructor(private readonly procs: ChildProcess[]) {}

  /** Forks `n` generator processes. */
  static start(n: number): Generators {
    const procs = Array.from({ length: n }, () =>
      fork(join(repoRoot, 'test/bench/loadgen.ts'), [], {
        // BENCH_GENERATOR_NODE_FLAGS (space-separated): more node flags for the generators, e.g. --trace-gc while looking for a stall.
        execArgv: ['--import', 'tsx', '--max-old-space-size=4096', ...(process.env.BENCH_GENERATOR_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    return new Generators(procs);
  }

  get size(): number {
    return this.procs.length;
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid!);
  }

  /** Sends `make(i)` to child i and waits for each one's answer. */
  all(make: (i: number) => LoadCommand, timeoutMs = 180_000): Promise<LoadEvent[]> {
    return Promise.all(this.procs.map((p, i) => this.request(p, make(i), timeoutMs)));
  }

  /** Splits `total` items over the children: [first, count] for child i. */
  slice(total: number, i: number): { first: number; count: number } {
    const per = Math.floor(total / this.procs.length);
    const extra = total % this.procs.length;
    const first = i * per + Math.min(i, extra);
    return { first, count: per + (i < extra ? 1 : 0) };
  }

  close(): void {
    for (const p of this.procs) {
      if (p.connected) p.send({ cmd: 'close' } satisfies LoadCommand);
      setTimeout(() => p.kill('SIGKILL'), 3000).unref();
    }
  }

  private request(p: ChildProcess, cmd: LoadCommand, timeoutMs: number): Promise<LoadEvent> {
    return new Promise((ok, no) => {
      const timer = setTimeout(() => {
        p.off('message', onMessage);
        no(new Error(`generator ${p.pid} did not answer ${cmd.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: LoadEvent): void => {
        clearTimeout(timer);
        p.off('message', onMessage);
        if (m.ev === 'error') no(new Error(`generator ${p.pid}: ${m.message}`));
        else ok(m);
      };
      p.on('message', onMessage);
      p.send(cmd);
    });
  }
}
