// A real Ceping process for the HTTP benchmarks: the built server (dist/src/server.js) on a fresh SQLite file in a
// temporary folder on disk (so synchronous=FULL really waits for the disk), on a free loopback port.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, startChild, villageMeeting, type VoterForm } from './lib.js';

const ADMIN = { username: 'bench-admin', password: 'bench-password-not-secret' };
const root = resolve(import.meta.dirname, '..');

export interface CepingProcess {
  url: string;
  child: ChildProcess;
  pid: number;
  adminToken: string;
  stop: () => Promise<void>;
}

/**
 * Starts the built server on a fresh SQLite file (or `existing`), or with `env` naming another database (a PostgreSQL
 * address and its key file).
 */
export async function startCeping(extraArgs: string[] = [], existing?: { dir: string; dbPath: string }, env: Record<string, string> = {}): Promise<CepingProcess> {
  // BENCH_SERVER: another build of the server to measure (e.g. an experiment), instead of dist/src/server.js.
  const server = resolve(process.env.BENCH_SERVER ?? join(root, 'dist/src/server.js'));
  if (!existsSync(server)) throw new Error(`${server} is missing: run \`npm run build\` first (npm run bench does).`);
  const dir = existing?.dir ?? mkdtempSync(join(tmpdir(), 'ceping-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, stop } = await startChild(
    process.execPath,
    [...extraArgs, server],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      CEPING_DB: existing?.dbPath ?? join(dir, 'ceping.sqlite'),
      PUBLIC_URL: url,
      CEPING_ADMIN_USER: ADMIN.username,
      CEPING_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
      ...env,
    },
    `${url}/healthz`,
  );
  const login = await postJson(`${url}/api/auth/login`, ADMIN);
  return {
    url,
    child,
    pid: child.pid!,
    adminToken: (login as { token: string }).token,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postJson(url: string, body: unknown, token?: string): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
  return json;
}

/**
 * Waits until the ballot box has done what the warm-up started: the first ballots after an issue make the box's thread
 * take in the new slips and create their empty slots, all at once (seconds for tens of thousands of slips on a large
 * file), and the box answers requests in order. One ballot cast with `token` (its `answers` serialised, as
 * submitBallots takes them) is answered only after that. Resolves with the milliseconds waited.
 */
export async function untilBoxSettles(ceping: CepingProcess, token: string, answers: string): Promise<number> {
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 1000));
  const res = await fetch(`${ceping.url}/api/ballot/${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"answers":${answers}}` });
  if (res.status !== 201) throw new Error(`the settling ballot was answered ${res.status}`);
  return Date.now() - t0;
}

/** What a warm-up load reports: how many slips of the pool it took, and its figures (printed as a note). */
interface WarmUpRun {
  tokensUsed: number;
  perSecond: number;
  p99: number;
}

/**
 * Brings a Ceping process to the state its measured runs describe, and returns the slips it left unused. The first
 * `warmupS` seconds of `load` warm the JIT and the connections, but mostly wait: their first ballot makes the box's
 * thread take in every slip issued and create its empty slot, all at once (seconds for a pool of 100,000 slips).
 * Once that is done (untilBoxSettles), `warmupS` more seconds of voting follow: for about two seconds after the slots
 * were created, ballots went at three quarters of their speed with twice the p99 (BENCHMARKS.md). A poll's slots are
 * created when it opens, before its voters arrive; the measured runs start from voting, and `after` says what the
 * second warm-up saw.
 */
export async function warmUp(ceping: CepingProcess, pool: readonly string[], answers: string, load: (tokens: readonly string[], durationS: number) => Promise<WarmUpRun>, warmupS = 2): Promise<{ rest: string[]; settledMs: number; after: WarmUpRun }> {
  // The pool's first slip is left alone (its form was read to answer the ballots).
  const first = await load(pool.slice(1), warmupS);
  const settledMs = await untilBoxSettles(ceping, pool[1 + first.tokensUsed]!, answers);
  const rest = pool.slice(2 + first.tokensUsed);
  const after = await load(rest, warmupS);
  return { rest: rest.slice(after.tokensUsed), settledMs, after };
}

/** Creates the village meeting and opens its poll. */
export async function openVillageMeeting(ceping: CepingProcess): Promise<string> {
  const m = (await postJson(`${ceping.url}/api/meetings`, villageMeeting(), ceping.adminToken)) as { id: string };
  await postJson(`${ceping.url}/api/meetings/${m.id}/open`, {}, ceping.adminToken);
  return m.id;
}

/** Issues `count` slips (in batches of the API's maximum, 10,000) and returns their tokens. */
export async function issueTokens(ceping: CepingProcess, meetingId: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  while (tokens.length < count) {
    const n = Math.min(10_000, count - tokens.length);
    const batch = (await postJson(`${ceping.url}/api/meetings/${meetingId}/slips`, { count: n, reason: '性能测试：批量发票' }, ceping.adminToken)) as { tokens: string[] };
    tokens.push(...batch.tokens);
  }
  return tokens;
}

/** The voter form of one slip, read as the phone reads it (it does not use the slip). */
export async function voterForm(ceping: CepingProcess, token: string): Promise<VoterForm> {
  const res = await fetch(`${ceping.url}/api/ballot/${token}`);
  if (res.status !== 200) throw new Error(`GET /api/ballot: ${res.status}`);
  return (await res.json()) as VoterForm;
}
