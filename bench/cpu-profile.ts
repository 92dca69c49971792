// Summarises a V8 CPU profile (from `node --cpu-prof`): the functions with the most self time, and with the
// most total time (self plus callees), and the busy share of each second. Usage:
//   node --import tsx bench/cpu-profile.ts <file.cpuprofile> [top=25] [from-second] [to-second]
// The seconds count from the profile's start; given, only samples in [from, to) count (the load's window).
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarise(profile: Profile, top = 25, window: [number, number] = [0, Infinity]): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  const busyBySecond: number[] = [];
  let at = 0;
  let inWindow = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    const second = Math.floor(at / 1e6);
    if (byId.get(id)?.callFrame.functionName !== '(idle)') busyBySecond[second] = (busyBySecond[second] ?? 0) + dt;
    if (at < window[0] * 1e6 || at >= window[1] * 1e6) return;
    inWindow += dt;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  });
  const label = (n: Node) => {
    const file = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/|src\/|bench\/|dist\/)/, '$1');
    return `${n.callFrame.functionName || '(anonymous)'} ${file}${file ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    // Count each distinct label once per sample stack, so that recursion is not double counted.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const all = Number.isFinite(window[1]) || window[0] > 0 ? inWindow : profile.endTime - profile.startTime;
  const timeline = Array.from(busyBySecond, (us, s) => `${s}s ${Math.round((us ?? 0) / 1e4)}%`).join(', ');
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / all).toFixed(1).padStart(5)}%  ${l}`)
      .join('\n');
  return `profile: ${(all / 1000).toFixed(0)} ms\nbusy by second: ${timeline}\n\nself time:\n${fmt(self)}\n\ntotal time:\n${fmt(total)}\n`;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: bench/cpu-profile.ts <file.cpuprofile> [top]');
  const [top, from, to] = [process.argv[3] ?? '25', process.argv[4] ?? '0', process.argv[5] ?? 'Infinity'].map(Number);
  process.stdout.write(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, top, [from!, to!]));
}
