// Small helpers shared by the benchmarks: child processes, memory readings, timing, the village meeting.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { fullBallot, seededRandom, villageMeeting as villageMeetingFixture } from '../test/helpers/fixtures.js';

/** The middle item by `key` (of an even count, the upper of the two middle ones). */
export const medianBy = <T>(xs: readonly T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)]!;

/** The middle value (of an even count, the upper of the two middle ones). */
export const median = (xs: readonly number[]): number => medianBy(xs, (x) => x);

export const MB = 1024 * 1024;

/** VmRSS and VmHWM (peak RSS) of a process, in bytes, from /proc (Linux). */
export function procMemory(pid: number | 'self' = 'self'): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * CPU time (user + system) used so far by every process whose executable path contains one of `exeParts` (the PostgreSQL
 * server and its backends, say), in milliseconds. Processes that ended meanwhile are not counted.
 */
export function processesCpuMs(...exeParts: string[]): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      if (!exeParts.some((p) => exe.includes(p))) continue;
      total += procCpuMs(Number(pid));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return total;
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc/<pid>/stat (Linux, 10 ms ticks). */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resets a process's peak RSS (this one's by default) to its current RSS, so that VmHWM then measures one phase. */
export function resetPeakRss(pid: number | 'self' = 'self'): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the peak then covers the whole process.
  }
}

/** Samples a process's RSS every `ms` until stopped; returns the highest reading. */
export function sampleRss(pid: number, ms = 50): { stop: () => number } {
  let max = 0;
  const read = () => {
    try {
      max = Math.max(max, procMemory(pid).rss);
    } catch {
      // The process has gone.
    }
  };
  read();
  const timer = setInterval(read, ms);
  return {
    stop: () => {
      clearInterval(timer);
      read();
      return max;
    },
  };
}

export { freePort } from '../test/helpers/server-process.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a child process and resolves once `GET <url>` answers 200; the child's stderr is kept for errors. */
export async function startChild(command: string, args: string[], env: NodeJS.ProcessEnv, readyUrl: string): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(readyUrl);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${command} did not become ready:\n${output}`);
    }
    await sleep(100);
  }
  return { child, stop };
}

export function nowMs(): number {
  return performance.now();
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * The village meeting of the benchmarks: the tests' village meeting (1 organisation, 1 team, 7 members on the
 * three seed-003 forms) with `extraPersons` more members.
 */
export function villageMeeting(extraPersons = 0) {
  const m = villageMeetingFixture();
  const extra = Array.from({ length: extraPersons }, (_, i) => ({ name: `村干部${i + 1}`, kind: 'person' as const, title: '村委委员' }));
  return { ...m, subjects: [...m.subjects, ...extra] };
}

/** The voter-facing form JSON (GET /api/ballot/:token), as far as answering it needs. */
export interface VoterForm {
  forms: Array<{
    id: string;
    questions: Array<{
      id: string;
      type: string;
      required: boolean;
      scale?: Array<{ value: string; points: number | null }>;
      subjects?: Array<{ id: string }>;
      options?: Array<{ value: string }>;
    }>;
  }>;
}

/**
 * A complete ballot for a voter form (as test/helpers/app.ts fullBallot), with grades drawn by `rand` among
 * the graded values of each scale, so that the ballots of a run differ as real ones do.
 */
export function answerBallot(form: VoterForm, rand: () => number = Math.random): Record<string, Record<string, unknown>> {
  return fullBallot(form, (q: VoterForm['forms'][number]['questions'][number]) => {
    const values = (q.scale ?? []).filter((s) => s.points !== null).map((s) => s.value);
    // Mostly the two favourable grades, as real meetings are.
    const r = rand();
    const i = r < 0.55 ? 0 : r < 0.85 ? 1 : r < 0.97 ? 2 : 3;
    return values[Math.min(i, values.length - 1)]!;
  });
}

/** A seeded generator (mulberry32, test/helpers/fixtures.ts), so that generated data sets are the same from run to run. */
export { seededRandom };
