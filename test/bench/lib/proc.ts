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

/** Time a thread ran and waited runnable on a run queue so far, ns (`/proc/<pid>/task/<tid>/schedstat`). */
export function schedstat(pid: number, tid = pid): { runNs: number; waitNs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { runNs: run ?? 0, waitNs: wait ?? 0 };
  } catch {
    return { runNs: 0, waitNs: 0 };
  }
}

/** The machine's CPU time by kind so far (first line of /proc/stat), clock ticks. */
function machineTicks(): { busy: number; steal: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0) - (f[7] ?? 0), steal: f[7] ?? 0, total };
}

/**
 * What the machine did to a process's main thread over a window: how long it
 * was runnable but waiting for a core (the run queue), and how much of the
 * machine's CPU time was stolen by the hypervisor or went to work of any
 * process (this one, the generators, anything else on the machine). A
 * server whose main thread waited long on the run queue was not slow: it
 * did not get a core.
 */
export class MachineMeter {
  private readonly sched: Map<number, { runNs: number; waitNs: number }>;
  private readonly machine = machineTicks();
  private readonly t0 = performance.now();
  constructor(private readonly pids: readonly number[]) {
    this.sched = new Map(pids.map((p) => [p, schedstat(p)]));
  }
  /**
   * Per pid (main thread), ms waited runnable on a run queue per second of
   * window; the machine's busy and stolen CPU, % of all its cores (100 = every core).
   */
  read(): { runQueueMsPerSec: number[]; machineBusyPct: number; stealPct: number } {
    const secs = (performance.now() - this.t0) / 1000;
    const m = machineTicks();
    const total = Math.max(1, m.total - this.machine.total);
    return {
      runQueueMsPerSec: this.pids.map((p) => Math.round((schedstat(p).waitNs - (this.sched.get(p)?.waitNs ?? 0)) / 1e6 / secs)),
      machineBusyPct: Math.round((100 * (m.busy - this.machine.busy)) / total),
      stealPct: Math.round((100 * (m.steal - this.machine.steal)) / total),
    };
  }
}
