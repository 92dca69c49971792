// Tallying and exports of a large meeting, run as its own process so that its peak memory is its own:
//   node --expose-gc --import tsx bench/tally.ts [ballots=100000]
// Generates the ballots straight into a real SQLite file through the repository (not over HTTP), then times
// the tally (pure, and as GET /results does it: read, parse, tally) and each export. Prints one JSON line.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDb, type Db } from '../src/db/client.js';
import { loadFormCatalog, type FormCatalog } from '../src/forms/forms.catalog.js';
import { closePoll, createMeeting, loadMeeting, meetingForms, openPoll } from '../src/meetings/meetings.usecases.js';
import { formForVoter } from '../src/ballots/ballots.usecases.js';
import { randomBytes } from 'node:crypto';
import { ballotBoxOf, closeBallotBox } from '../src/ballots/ballot-box.js';
import { encodeRecord, recordSizeFor } from '../src/ballots/ballot-record.js';
import { insertFilledSlot, insertMarker, meetingBallots } from '../src/ballots/ballots.repository.js';
import { decideBallot } from '../src/domain/ballot.js';
import { tallyMeeting } from '../src/domain/tally.js';
import { tallyResults } from '../src/results/results.usecases.js';
import { formsFolder } from '../src/shared/paths.js';
import type { SessionUser } from '../src/plugins/auth.js';
import { answerBallot, nowMs, procMemory, resetPeakRss, seededRandom, villageMeeting, type VoterForm } from './lib.js';

export interface Timed {
  name: string;
  /** Wall time (median of the runs). */
  ms: number;
  /** CPU time of the process (median of the runs): what other load on the machine disturbs less. */
  cpuMs: number;
  /** Peak RSS during the step minus RSS before it (bytes). */
  peakDelta: number;
  /** Peak RSS of the process during the step (bytes). */
  peak: number;
  bytes?: number;
  note?: string;
}

export interface TallyFigures {
  ballots: number;
  subjects: number;
  generateMs: number;
  generateCpuMs: number;
  dbBytes: number;
  steps: Timed[];
}

const actor: SessionUser = { id: 'bench', username: 'bench', role: 'admin' };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** Runs `fn` `runs` times; reports the median time and the peak RSS of the first run. */
async function measure(name: string, runs: number, fn: () => unknown): Promise<Timed & { result: unknown }> {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let peak = 0;
  let peakDelta = 0;
  let result: unknown;
  for (let i = 0; i < runs; i++) {
    gc();
    resetPeakRss();
    const before = procMemory().rss;
    const t0 = nowMs();
    const c0 = process.cpuUsage();
    result = await fn();
    times.push(nowMs() - t0);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
    if (i === 0) {
      peak = procMemory().hwm;
      peakDelta = peak - before;
    }
    result = i === runs - 1 ? result : undefined;
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { name, ms: median(times), cpuMs: median(cpuTimes), peak, peakDelta, result };
}

/** A village meeting with 20 subjects (1 organisation, 1 team, 18 members) and two weighted respondent categories. */
function generate(db: Db, forms: FormCatalog, count: number): string {
  const rec = createMeeting({ db, forms }, actor, {
    ...villageMeeting(11),
    categories: [
      { key: 'leaders', label: '镇领导班子成员', weight: 0.4 },
      { key: 'members', label: '党员群众代表', weight: 0.6 },
    ],
  });
  const id = rec.meeting.id;
  openPoll({ db, forms }, actor, id, undefined);
  const subjects = rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title }));
  const templates = meetingForms(forms, rec.meeting.formIds);
  const view = { forms: templates.map((f) => formForVoter(f, subjects)) } as unknown as VoterForm;
  const rand = seededRandom(7);
  const batch = 5000;
  // Straight into the ballot box, in the state its writer leaves: a used marker and a filled slot per ballot.
  const box = ballotBoxOf(db).db;
  const size = recordSizeFor(templates, subjects);
  for (let done = 0; done < count; done += batch) {
    box.transaction(() => {
      for (let i = done; i < Math.min(count, done + batch); i++) {
        const decision = decideBallot({ forms: templates, subjects }, answerBallot(view, rand), 'phone');
        if (decision.kind !== 'accept') throw new Error(`generated ballot refused: ${JSON.stringify(decision.problems[0])}`);
        const record = encodeRecord(size, { category: rand() < 0.1 ? 'leaders' : 'members', source: 'phone', answers: decision.answers, valid: decision.valid, breaches: decision.breaches });
        insertMarker({ db: box }, randomBytes(16), id, 'bench', true, randomBytes(32));
        while (!insertFilledSlot({ db: box }, Math.floor(Math.random() * 2 ** 52), id, decision.valid, record));
      }
    })();
  }
  return id;
}

type RenderExport = (format: string, deps: { db: Db; forms: FormCatalog }, meetingId: string) => Promise<{ body: Buffer } | Buffer>;

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const runs = Number(process.env.BENCH_TALLY_RUNS ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'ceping-bench-tally-'));
  try {
    const path = join(dir, 'ceping.sqlite');
    const forms = loadFormCatalog(formsFolder);
    let db = openDb(path);
    const t0 = nowMs();
    const c0 = process.cpuUsage();
    const meetingId = generate(db, forms, count);
    const generateMs = nowMs() - t0;
    const gc0 = process.cpuUsage(c0);
    const generateCpuMs = (gc0.user + gc0.system) / 1000;
    closePoll({ db, forms }, actor, meetingId);
    closeBallotBox(db);
    db.$client.close();
    // A fresh connection and heap, as a server that has just been asked for the results.
    db = openDb(path);
    const rec = loadMeeting({ db }, meetingId);
    const steps: Timed[] = [];

    const { result: _results, ...e2e } = await measure('results', runs, () => tallyResults({ db, forms }, rec));
    steps.push({ ...e2e, note: 'read + parse + tally, as GET /results' });

    let rows: ReturnType<typeof meetingBallots> | undefined = meetingBallots({ db }, meetingId);
    const input = {
      forms: meetingForms(forms, rec.meeting.formIds),
      subjects: rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title })),
      categories: rec.categories.map((c) => ({ key: c.key, label: c.label, weight: c.weight })),
      ballots: rows,
    };
    const { result: _tally, ...pure } = await measure('tallyMeeting', runs, () => tallyMeeting(input));
    steps.push({ ...pure, note: 'pure, ballots already in memory' });
    rows = undefined;
    input.ballots = [];

    const { result: _rows, ...read } = await measure('read', runs, () => meetingBallots({ db }, meetingId));
    steps.push({ ...read, note: 'SELECT + JSON.parse of the answers' });

    const exportsFile = resolve(import.meta.dirname, '../src/exports/exports.ts');
    if (existsSync(exportsFile)) {
      const mod = (await import(pathToFileURL(exportsFile).href)) as { renderExport?: RenderExport; EXPORT_FORMATS?: readonly string[] };
      if (typeof mod.renderExport === 'function') {
        for (const format of mod.EXPORT_FORMATS ?? ['results.csv', 'results.xlsx', 'results.pdf']) {
          try {
            const m = await measure(format, 1, () => mod.renderExport!(format, { db, forms }, meetingId));
            const out = m.result as { body: Buffer } | Buffer;
            steps.push({ name: format, ms: m.ms, cpuMs: m.cpuMs, peak: m.peak, peakDelta: m.peakDelta, bytes: Buffer.isBuffer(out) ? out.length : out.body.length });
          } catch (e) {
            steps.push({ name: format, ms: NaN, cpuMs: NaN, peak: NaN, peakDelta: NaN, note: `failed: ${(e as Error).message.slice(0, 120)}` });
          }
        }
      }
    }
    const dbBytes = Number(db.$client.prepare('select page_count * page_size as n from pragma_page_count(), pragma_page_size()').pluck().get());
    db.$client.close();
    const figures: TallyFigures = { ballots: count, subjects: rec.subjects.length, generateMs, generateCpuMs, dbBytes, steps };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
