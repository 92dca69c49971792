// Exporting a meeting: one read transaction gathers the tally, the forms, the subjects and (for the exports
// that show ballots) the keys of the meeting's ballots once; then the renderer of the format asked for turns them
// into bytes. The raw-ballot exports are streamed: their ballots are read, decoded and written a page at a time.
import { Readable } from 'node:stream';
import { transaction, type Db } from '../db/client.js';
import type { FormCatalog } from '../forms/index.js';
import { meetingBallotPages } from '../ballots/index.js';
import { loadMeeting, meetingForms } from '../meetings/index.js';
import { admitPublication, tallyResults } from '../results/index.js';
import type { ExportData, ReadOptions } from './export-data.js';
import { renderBallotsCsv } from './ballots.csv.js';
import { renderBallotsJson } from './ballots.json.js';
import { renderResultsCsv } from './results.csv.js';
import { renderResultsPdf } from './results.pdf.js';
import { renderResultsXlsx } from './results.xlsx.js';
import { renderStatisticsCsv } from './statistics.csv.js';
import { exportFilename } from './filenames.js';

/** The exports archived with every closing report, in the order the report lists them. */
export type ExportFormat = 'results.csv' | 'results.xlsx' | 'results.pdf' | 'ballots.json' | 'ballots.csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['results.csv', 'results.xlsx', 'results.pdf', 'ballots.json', 'ballots.csv'];
/** Every export, the archived ones and the 统计表 as CSV (its content is archived in results.xlsx and results.pdf). */
export type ExportName = ExportFormat | 'statistics.csv';

/** A whole file, or its parts in order (a streamed export). */
type Rendered = Buffer | AsyncIterable<Buffer>;

const RENDERERS: Record<ExportName, { contentType: string; render: (data: ExportData, options: ReadOptions) => Rendered | Promise<Rendered> }> = {
  'results.csv': { contentType: 'text/csv; charset=utf-8', render: renderResultsCsv },
  'results.xlsx': { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', render: renderResultsXlsx },
  'results.pdf': { contentType: 'application/pdf', render: renderResultsPdf },
  'ballots.json': { contentType: 'application/json; charset=utf-8', render: renderBallotsJson },
  'ballots.csv': { contentType: 'text/csv; charset=utf-8', render: renderBallotsCsv },
  'statistics.csv': { contentType: 'text/csv; charset=utf-8', render: renderStatisticsCsv },
};

/**
 * The exports that read ballots: the raw-ballot exports show them, the results report quotes the text answers of
 * the valid ones. The others need the tally alone, which counts the records' heads.
 */
const READS_BALLOTS: ReadonlySet<ExportName> = new Set(['ballots.json', 'ballots.csv', 'results.pdf']);

/**
 * Everything an export shows, taken in one read transaction so that the tally, the turnout and the ballots agree
 * (tallyResults' own transaction nests as a savepoint). No export of an open poll: two exports compared would show
 * what was cast in between (see admitPublication), and raw ballots would show when. The ballots are taken as their
 * slot keys, after the tally and with no ballot of this closed poll on its way to the box, so the pages read
 * afterwards are exactly the ballots the tally counted (a recount from the file matches): a filled slot is never
 * written again, even should the poll reopen while the file is being read.
 */
export async function gatherExport({ db, forms }: { db: Db; forms: FormCatalog }, meetingId: string, format: ExportName): Promise<ExportData> {
  return transaction(db, async () => {
    const rec = await loadMeeting({ db }, meetingId);
    await admitPublication({ db }, rec);
    const results = await tallyResults({ db, forms }, rec);
    return {
      results,
      ballots: READS_BALLOTS.has(format) ? await meetingBallotPages({ db }, meetingId) : null,
      subjects: rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title, isHead: s.isHead })),
      forms: meetingForms(forms, rec.meeting.formIds, rec.meeting.settings),
      closedAt: rec.meeting.closedAt ?? null,
    };
  });
}

export interface ExportFile<Body> {
  body: Body;
  contentType: string;
  filename: string;
}

async function rendered(format: ExportName, deps: { db: Db; forms: FormCatalog }, meetingId: string, options: ReadOptions): Promise<ExportFile<Rendered>> {
  const data = await gatherExport(deps, meetingId, format);
  const { contentType, render } = RENDERERS[format];
  return { body: await render(data, options), contentType, filename: exportFilename(format, data.results.unit, data.results.title) };
}

/**
 * One export of a meeting, named after its unit and title, for a download: a raw-ballot export as a stream that
 * reads the next page of ballots only when the client has taken the last (anything refused is refused before its
 * first byte). `options` sets the page size (tests) and the source of the random order.
 */
export async function streamExport(format: ExportName, deps: { db: Db; forms: FormCatalog }, meetingId: string, options: ReadOptions = {}): Promise<ExportFile<Buffer | Readable>> {
  const out = await rendered(format, deps, meetingId, options);
  return { ...out, body: Buffer.isBuffer(out.body) ? out.body : Readable.from(out.body, { objectMode: false }) };
}

/** One export of a meeting as a whole file (the closing report archives each file whole). */
export async function renderExport(format: ExportName, deps: { db: Db; forms: FormCatalog }, meetingId: string, options: ReadOptions = {}): Promise<ExportFile<Buffer>> {
  const out = await rendered(format, deps, meetingId, options);
  if (Buffer.isBuffer(out.body)) return { ...out, body: out.body };
  const parts: Buffer[] = [];
  for await (const part of out.body) parts.push(part);
  return { ...out, body: Buffer.concat(parts) };
}
