// Exporting a meeting: one read transaction gathers the tally, the ballots, the forms and the subjects once,
// then the renderer of the format asked for turns them into bytes.
import type { Db } from '../db/client.js';
import type { FormCatalog } from '../forms/index.js';
import { meetingBallots } from '../ballots/index.js';
import { loadMeeting, meetingForms } from '../meetings/index.js';
import { admitPublication, tallyResults } from '../results/index.js';
import type { ExportData } from './export-data.js';
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

const RENDERERS: Record<ExportName, { contentType: string; render: (data: ExportData) => Buffer | Promise<Buffer> }> = {
  'results.csv': { contentType: 'text/csv; charset=utf-8', render: renderResultsCsv },
  'results.xlsx': { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', render: renderResultsXlsx },
  'results.pdf': { contentType: 'application/pdf', render: renderResultsPdf },
  'ballots.json': { contentType: 'application/json; charset=utf-8', render: renderBallotsJson },
  'ballots.csv': { contentType: 'text/csv; charset=utf-8', render: renderBallotsCsv },
  'statistics.csv': { contentType: 'text/csv; charset=utf-8', render: renderStatisticsCsv },
};

/** The exports that show the ballots themselves, tallied from those same ballots. */
const RAW_BALLOTS: ReadonlySet<ExportName> = new Set(['ballots.json', 'ballots.csv']);
/** The results report quotes the text answers of the valid ballots, so it reads the ballots too. */
const TEXT_ANSWERS: ReadonlySet<ExportName> = new Set(['results.pdf']);

/**
 * Everything an export shows, read in one read transaction so that the tally, the turnout and the raw
 * ballots agree (tallyResults' own transaction nests as a savepoint). No export of an open poll: two exports
 * compared would show what was cast in between (see admitPublication), and raw ballots would show when.
 * The raw-ballot exports read and decode every ballot and tally those same ballots (a recount from the file
 * matches); the results report reads them for their text answers; the others need the tally alone, which counts
 * the records' heads.
 */
export function gatherExport({ db, forms }: { db: Db; forms: FormCatalog }, meetingId: string, format?: ExportName): ExportData {
  return db.transaction(() => {
    const rec = loadMeeting({ db }, meetingId);
    admitPublication({ db }, rec);
    const raw = format === undefined || RAW_BALLOTS.has(format);
    const ballots = raw || TEXT_ANSWERS.has(format) ? meetingBallots({ db }, meetingId) : [];
    return {
      results: tallyResults({ db, forms }, rec, raw ? ballots : undefined),
      ballots,
      subjects: rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title, isHead: s.isHead })),
      forms: meetingForms(forms, rec.meeting.formIds, rec.meeting.settings),
      closedAt: rec.meeting.closedAt ?? null,
    };
  });
}

/** Renders one export of a meeting, named after its unit and title. */
export async function renderExport(format: ExportName, deps: { db: Db; forms: FormCatalog }, meetingId: string): Promise<{ body: Buffer; contentType: string; filename: string }> {
  const data = gatherExport(deps, meetingId, format);
  const { contentType, render } = RENDERERS[format];
  return { body: await render(data), contentType, filename: exportFilename(format, data.results.unit, data.results.title) };
}
