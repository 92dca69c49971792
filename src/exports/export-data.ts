// What every renderer gets: the tally, the meeting's ballots ready to be read page by page (for the raw-ballot
// exports and the report's text answers only), the meeting's forms and subjects, all taken in the one read
// transaction of gatherExport (exports.usecases.ts), so every export of a meeting tells the same story.
import { gradeChoices, nominationOptions, type FormTemplate, type Question, type SubjectRef } from '../domain/forms.js';
import type { BallotPages } from '../ballots/index.js';
import type { MeetingResults } from '../results/index.js';

export interface ExportData {
  results: MeetingResults;
  /** The meeting's ballots, read page by page by the exports that need them (null for the others). */
  ballots: BallotPages | null;
  /** The meeting's subjects; `isHead` marks the head (主要负责人) among persons. */
  subjects: Array<SubjectRef & { isHead?: boolean }>;
  forms: FormTemplate[];
  /** When the poll was closed (ISO), for the date on the 统计表; null if it never was. */
  closedAt: string | null;
}

/** How the ballots are read: ballots per page, and the source of the random order of the raw-ballot exports. */
export interface ReadOptions {
  pageSize?: number;
  /** A uniform random integer below its argument; cryptographic unless a test injects one. */
  random?: (maxExclusive: number) => number;
}

/** Value → label of a question's grades or options, in the form's order. */
export function optionLabels(data: Pick<ExportData, 'subjects'>, form: FormTemplate, q: Question): Map<string, string> {
  if (q.type === 'graded') return new Map(gradeChoices(form, q).map((g) => [g.value, g.label]));
  if (q.type === 'single' || q.type === 'multiple') return new Map(q.options.map((o) => [o.value, o.label]));
  if (q.type === 'nomination') return new Map(nominationOptions(q, data.subjects).map((o) => [o.value, o.label]));
  return new Map();
}
