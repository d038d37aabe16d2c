/**
 * Process figures from /proc: CPU time (utime + stime) and resident memory of
 * a child process, so the bench measures the servers and its own generator
 * from the outside, the same way for every server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticks: number | undefined;
/** Clock ticks per second (`getconf CLK_TCK`, nearly always 100). */
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU time used so far by a process (user + system), ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may contain spaces).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / clockTicks();
}

/** Resident set size, bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** The soft open-files limit a process runs with. */
export function openFilesLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = /Max open files\s+(\d+|unlimited)/.exec(limits);
  return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : 0;
}

/** CPU used by several processes between two samples. */
export class CpuMeter {
  private readonly start: Map<number, number>;
  private readonly t0 = performance.now();
  constructor(private readonly pids: readonly number[]) {
    this.start = new Map(pids.map((p) => [p, cpuMs(p)]));
  }
  /**
   * CPU ms used since construction, summed over the pids (`cpuMs`) and by the
   * busiest one alone (`maxCpuMs`: near `wallMs`, that process was saturated),
   * and the wall ms elapsed.
   */
  read(): { cpuMs: number; maxCpuMs: number; wallMs: number } {
    let sum = 0;
    let max = 0;
    for (const p of this.pids) {
      const used = cpuMs(p) - (this.start.get(p) ?? 0);
      sum += used;
      max = Math.max(max, used);
    }
    return { cpuMs: sum, maxCpuMs: max, wallMs: performance.now() - this.t0 };
  }
}
