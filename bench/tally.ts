// Tallying and exports of a large meeting, run as its own process so that its peak memory is its own:
//   node --expose-gc --import tsx bench/tally.ts [ballots=100000]
// Generates the ballots straight into a real SQLite file through the repository (not over HTTP), then times
// the tally (pure, and as GET /results does it: read, parse, tally) and each export, then the tally from
// fixed-size ballot records (src/domain/ballot-record.ts) of the same ballots. Prints one JSON line.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { openDb, type Db } from '../src/db/client.js';
import { loadFormCatalog, type FormCatalog } from '../src/forms/forms.catalog.js';
import { createMeeting, loadMeeting, meetingForms, openPoll } from '../src/meetings/meetings.usecases.js';
import { updateMeeting } from '../src/meetings/index.js';
import { formForVoter } from '../src/ballots/ballots.usecases.js';
import { randomBytes } from 'node:crypto';
import { ballotBoxPath } from '../src/ballots/ballot-box.js';
import { ballotBoxOf, closeBallotBox } from '../src/ballots/box.js';
import { BoxStore, randomSlotKey } from '../src/ballots/box-store.js';
import { encodeCompact } from '../src/ballots/ballot-record.js';
import { insertFilledSlot, insertMarker } from '../src/ballots/box.repository.js';
import { meetingBallots, meetingRecordFormat } from '../src/ballots/index.js';
import { decideBallot } from '../src/domain/ballot.js';
import { ballotLayout, countRecords, encodeBallot } from '../src/domain/ballot-record.js';
import { countersFromRecords, tallyMeeting, type CategoryDef } from '../src/domain/tally.js';
import type { FormTemplate, SubjectRef } from '../src/domain/forms.js';
import { tallyResults } from '../src/results/results.usecases.js';
import { formsFolder } from '../src/shared/paths.js';
import type { SessionUser } from '../src/auth/index.js';
import { answerBallot, median, nowMs, procMemory, resetPeakRss, seededRandom, villageMeeting, type VoterForm } from './lib.js';

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
  return { name, ms: median(times), cpuMs: median(cpuTimes), peak, peakDelta, result };
}

/** A village meeting with 20 subjects (1 organisation, 1 team, 18 members) and two weighted respondent categories. */
async function generate(db: Db, forms: FormCatalog, count: number): Promise<string> {
  const rec = await createMeeting({ db, forms }, actor, {
    ...villageMeeting(11),
    categories: [
      { key: 'leaders', label: '镇领导班子成员', weight: 0.4 },
      { key: 'members', label: '党员群众代表', weight: 0.6 },
    ],
  });
  const id = rec.meeting.id;
  await openPoll({ db, forms }, actor, id, undefined);
  const subjects = rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title }));
  const templates = meetingForms(forms, rec.meeting.formIds);
  const view = { forms: templates.map((f) => formForVoter(f, subjects)) } as unknown as VoterForm;
  const rand = seededRandom(7);
  const batch = 5000;
  // Straight into the ballot box, in the state its writer leaves: a used marker and a filled slot per ballot.
  const store = new BoxStore(ballotBoxPath(db.$client.name));
  const box = store.db;
  // Each slot's head kept apart under the same key, as the box's writer leaves it.
  const putHead = box.prepare('insert into heads (k, m, f, h) values (?, ?, 1, ?)');
  // Compact records of the layout frozen at open, as the server writes them.
  const { layout, categories } = await meetingRecordFormat({ db }, id);
  if (!layout) throw new Error('the poll opened without a layout');
  for (let done = 0; done < count; done += batch) {
    box.transaction(() => {
      for (let i = done; i < Math.min(count, done + batch); i++) {
        const decision = decideBallot({ forms: templates, subjects }, answerBallot(view, rand), 'phone');
        if (decision.kind !== 'accept') throw new Error(`generated ballot refused: ${JSON.stringify(decision.problems[0])}`);
        const record = encodeCompact(layout, categories, { category: rand() < 0.1 ? 'leaders' : 'members', source: 'phone', answers: decision.answers, valid: decision.valid, breaches: decision.breaches });
        insertMarker({ db: box }, randomBytes(16), id, 'bench', true, randomBytes(32));
        // Keys in the meeting's region, as the server draws them.
        let k = randomSlotKey(id);
        while (!insertFilledSlot({ db: box }, k, id, decision.valid, record)) k = randomSlotKey(id);
        putHead.run(k, id, record.subarray(0, layout.headSize));
      }
    })();
  }
  box.prepare('insert into head_sizes (m, size) values (?, ?)').run(id, layout.headSize);
  box.prepare('insert into sizes (m, size) values (?, ?)').run(id, layout.recordSize);
  store.close();
  return id;
}

/**
 * The tally from ballot records: the stored ballots encoded once into one buffer of n × recordSize bytes (as a
 * slot file holds them), then counted and tallied; and the same from the heads of the records alone (the bytes
 * the tally reads). Both are checked against the JSON tally of the same ballots.
 */
async function recordSteps(db: Db, meetingId: string, input: { forms: readonly FormTemplate[]; subjects: readonly SubjectRef[]; categories: readonly CategoryDef[] }, runs: number): Promise<Timed[]> {
  const layout = ballotLayout(input.forms, input.subjects);
  const position = new Map(input.categories.map((c, i) => [c.key, i]));
  let stored: Awaited<ReturnType<typeof meetingBallots>> | undefined = await meetingBallots({ db }, meetingId);
  const n = stored.length;
  const records = new Uint8Array(n * layout.recordSize);
  stored.forEach((b, i) => {
    const category = b.category === null ? null : (position.get(b.category) ?? null);
    records.set(encodeBallot(layout, b.answers, { valid: b.valid, source: b.source, category, breaches: b.breaches }), i * layout.recordSize);
  });
  const reference = tallyMeeting({ ...input, ballots: stored });
  stored = undefined;
  const heads = new Uint8Array(n * layout.headSize);
  for (let i = 0; i < n; i++) heads.set(records.subarray(i * layout.recordSize, i * layout.recordSize + layout.headSize), i * layout.headSize);
  const graded = layout.fields.reduce((a, f) => a + (f.kind === 'grades' ? (f.subjects?.length ?? 1) : 0), 0);
  const steps: Timed[] = [];
  const fromRecords = await measure('records', runs, () =>
    tallyMeeting({ ...input, counters: countersFromRecords(layout, countRecords(layout, records), input.categories) }),
  );
  const { result: r1, ...t1 } = fromRecords;
  steps.push({
    ...t1,
    bytes: records.length,
    note: `count + tally, ${n} records of ${layout.recordSize} bytes (${graded} graded answers each) in one buffer; equal to tallyMeeting on JSON: ${isDeepStrictEqual(r1, reference) ? 'yes' : 'NO'}`,
  });
  const fromHeads = await measure('records-heads', runs, () =>
    tallyMeeting({ ...input, counters: countersFromRecords(layout, countRecords(layout, heads, { stride: 'head' }), input.categories) }),
  );
  const { result: r2, ...t2 } = fromHeads;
  steps.push({ ...t2, bytes: heads.length, note: `the same from the ${layout.headSize}-byte heads alone; equal: ${isDeepStrictEqual(r2, reference) ? 'yes' : 'NO'}` });
  return steps;
}

type RenderExport = (format: string, deps: { db: Db; forms: FormCatalog }, meetingId: string) => Promise<{ body: Buffer | AsyncIterable<Uint8Array> } | Buffer>;

/** The bytes of an export: a whole file, or a stream read to its end as a client that keeps up would read it. */
async function exportBytes(out: { body: Buffer | AsyncIterable<Uint8Array> } | Buffer): Promise<number> {
  if (Buffer.isBuffer(out)) return out.length;
  if (Buffer.isBuffer(out.body)) return out.body.length;
  let n = 0;
  for await (const part of out.body) n += part.length;
  return n;
}

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
    const meetingId = await generate(db, forms, count);
    const generateMs = nowMs() - t0;
    const gc0 = process.cpuUsage(c0);
    const generateCpuMs = (gc0.user + gc0.system) / 1000;
    // Closed without a closing report: only the tally and the exports are timed here.
    await updateMeeting({ db }, meetingId, { status: 'closed', closedAt: new Date().toISOString(), closedBy: actor.username });
    await closeBallotBox(db);
    db.$client.close();
    // A fresh connection and heap, as a server that has just been asked for the results.
    db = openDb(path);
    const rec = await loadMeeting({ db }, meetingId);
    const steps: Timed[] = [];
    // The server opens the ballot box when it starts (its thread reads every slot's state once): timed apart.
    const reopened = db;
    const { result: _box, ...open } = await measure('open-box', 1, () => ballotBoxOf(reopened));
    steps.push({ ...open, note: 'what a server does at start: its thread started, every slot state read once' });

    const { result: _first, ...first } = await measure('results-first', 1, () => tallyResults({ db, forms }, rec));
    steps.push({ ...first, note: 'as GET /results, the first time: the heads of the compact records read and counted' });
    const { result: _results, ...e2e } = await measure('results', runs, () => tallyResults({ db, forms }, rec));
    steps.push({ ...e2e, note: 'as GET /results again: the tally kept for the closed poll' });

    let rows: Awaited<ReturnType<typeof meetingBallots>> | undefined = await meetingBallots({ db }, meetingId);
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
    steps.push({ ...read, note: 'read and decode every record at once (what the raw-ballot exports did before they were streamed)' });

    const exportsFile = resolve(import.meta.dirname, '../src/exports/index.ts');
    if (existsSync(exportsFile)) {
      const mod = (await import(pathToFileURL(exportsFile).href)) as { renderExport?: RenderExport; streamExport?: RenderExport; EXPORT_FORMATS?: readonly string[] };
      // As the server sends a download: streamed where the server streams (timed to the last byte), else whole.
      const exportOf = mod.streamExport ?? mod.renderExport;
      if (typeof exportOf === 'function') {
        for (const format of mod.EXPORT_FORMATS ?? ['results.csv', 'results.xlsx', 'results.pdf']) {
          try {
            const m = await measure(format, 1, async () => exportBytes(await exportOf(format, { db, forms }, meetingId)));
            steps.push({ name: format, ms: m.ms, cpuMs: m.cpuMs, peak: m.peak, peakDelta: m.peakDelta, bytes: m.result as number });
          } catch (e) {
            steps.push({ name: format, ms: NaN, cpuMs: NaN, peak: NaN, peakDelta: NaN, note: `failed: ${(e as Error).message.slice(0, 120)}` });
          }
        }
      }
    }
    steps.push(...(await recordSteps(db, meetingId, { forms: input.forms, subjects: input.subjects, categories: input.categories }, runs)));

    const dbBytes = Number(db.$client.prepare('select page_count * page_size as n from pragma_page_count(), pragma_page_size()').pluck().get());
    db.$client.close();
    const figures: TallyFigures = { ballots: count, subjects: rec.subjects.length, generateMs, generateCpuMs, dbBytes, steps };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
