/**
 * A small reader for V8 .cpuprofile files (written by `node --cpu-prof`):
 * self time per function, summed over every node with the same function,
 * file and line, so the hot path of the server shows at a glance.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  /** Share of busy sampled time (idle left out; GC and program included), percent. */
  percent: number;
}

/** Top `limit` functions by self time. `root` shortens file paths. */
export function topSelfTime(file: string, limit = 15, root = process.cwd()): HotFunction[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; attribute the following gap to sample i.
  for (let i = 0; i < samples.length; i++) {
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, dt));
  }
  // Percent of busy time: the idle node is left out of the total and the list.
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  for (const id of idle) selfUs.delete(id);
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const grouped = new Map<string, HotFunction>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const path = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
    const where = path ? `${path}:${lineNumber + 1}` : '';
    const name = functionName || '(anonymous)';
    const key = `${name}\n${where}`;
    const g = grouped.get(key) ?? { name, where, selfMs: 0, percent: 0 };
    g.selfMs += us / 1000;
    grouped.set(key, g);
  }
  return [...grouped.values()]
    .map((g) => ({ ...g, selfMs: Math.round(g.selfMs * 10) / 10, percent: Math.round((g.selfMs * 1000 * 1000) / total) / 10 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, limit);
}
