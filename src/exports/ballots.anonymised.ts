// The raw ballots as the exports give them: anonymised, in a fresh random order on every export, read from the
// ballot box a page at a time; and the text answers of the valid ones sorted so that their order says nothing
// about the ballots.
import { randomInt } from 'node:crypto';
import { isCompactRecord, type RecordFormat, type StoredBallot } from '../ballots/index.js';
import type { BallotAnswers } from '../domain/ballot.js';
import { readRecordHeader, type RecordHeader } from '../domain/ballot-record.js';
import { MIN_GROUP_SIZE } from '../domain/group-size.js';
import type { ExportData, ReadOptions } from './export-data.js';
import { exportsErrors } from './exports.errors.js';

/**
 * Fisher–Yates over the ballots' slot keys, with a cryptographic source unless one is injected: each export lists
 * the ballots in a fresh random order (the keys are put in order, then read page by page in it).
 */
export function shuffledKeys(keys: Float64Array, random: (maxExclusive: number) => number = (n) => randomInt(n)): Float64Array {
  const a = keys.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = random(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

export interface AnonymisedBallot {
  category: string | null;
  valid: boolean;
  invalidReasons: string[];
  answers: BallotAnswers;
}

const readsBallots = (ballots: ExportData['ballots']) => {
  if (!ballots) throw new Error('exports: the ballots were not read for this export');
  return ballots;
};

export interface AnonymisedBallots {
  /** True when a ballot shows its category. */
  categoryShown: boolean;
  /** The category a ballot shows, from the category key it was cast under (null: none shown). */
  shownCategory: (key: string | null) => string | null;
  /** A decoded ballot as the export shows it. */
  anonymise: (b: StoredBallot) => AnonymisedBallot;
  /** How the records read (for renderers that write a compact record straight from its bytes). */
  format: RecordFormat;
  /** The records, in a fresh random order, a page at a time. */
  pages: AsyncGenerator<Buffer[]>;
}

/**
 * The anonymised ballots: answers, validity and the reasons a ballot is invalid; never an id, a time, the
 * slip or the source (phone or paper: the few paper voters are known in the hall). The respondent category is
 * given only when the tally shows the category breakdown AND every category a ballot here would be labelled with
 * holds at least MIN_GROUP_SIZE of these ballots, invalid ones included: the tally's breakdown counts valid
 * ballots only, and one invalid ballot labelled with an otherwise empty category would give its answers away
 * (docs/forms.md, "Anonymity").
 *
 * Everything is decided before the first ballot is read (a refusal is an error answer, not a cut-off file): the
 * counts by category come with the ballots' keys. The records are then read a page at a time in a fresh random order.
 */
export function anonymisedBallots({ results: r, ballots }: Pick<ExportData, 'results' | 'ballots'>, options: ReadOptions = {}): AnonymisedBallots {
  // A category under five beside another: the tally shows only weighted scores, and every ballot's answers,
  // labelled or not, would give the pooled counts back and with them that category's ratings.
  if (r.pooledWithheld) throw exportsErrors.rawBallotsWithheld(r.notes.find((n) => n.code === 'POOLED_WITHHELD')?.message ?? '有参评人员类别不足 5 人');
  const read = readsBallots(ballots);
  const labelOf = new Map(r.byCategory.map((c) => [c.key, c.label]));
  const perCategory = new Map<string, number>();
  for (const [c, n] of read.byCategory) if (c) perCategory.set(c, n);
  const labelled = r.breakdownShown && [...perCategory.values()].every((n) => n >= MIN_GROUP_SIZE);
  const shownCategory = (key: string | null) => (labelled && key ? (labelOf.get(key) ?? key) : null);
  return {
    categoryShown: labelled && perCategory.size > 0,
    shownCategory,
    anonymise: (b) => ({ category: shownCategory(b.category), valid: b.valid, invalidReasons: b.breaches.map((x) => x.message), answers: b.answers }),
    format: read.format,
    pages: read.records(shuffledKeys(read.keys, options.random), options.pageSize),
  };
}

/**
 * The header of a record that can be written straight from its bytes: a compact record of the meeting's layout
 * (or its head alone, which the box sends when its texts are blank) that names no breached rule (the messages of
 * a breach are derived from the decoded answers). Undefined for any other record, which is decoded instead.
 */
export function plainRecordHeader(format: RecordFormat, record: Uint8Array): RecordHeader | undefined {
  const layout = format.layout;
  if (!layout || !isCompactRecord(record) || (record.length !== layout.recordSize && record.length !== layout.headSize)) return undefined;
  const header = readRecordHeader(layout, record, 0);
  return header.breached ? undefined : header;
}

const byText = new Intl.Collator('zh-CN').compare;

/**
 * Text answers of the valid ballots, per text question, sorted (so their order says nothing about the ballots).
 * Reads of each ballot only its validity and its text answers, a page at a time; nothing when no form asks for
 * text.
 */
export async function textAnswers({ forms, ballots }: Pick<ExportData, 'forms' | 'ballots'>, options: ReadOptions = {}): Promise<Array<{ form: string; question: string; answers: string[] }>> {
  const asked = forms.flatMap((form) => form.questions.filter((q) => q.type === 'text').map((q) => ({ form, q, answers: [] as string[] })));
  if (asked.length > 0) {
    const read = readsBallots(ballots);
    for await (const page of read.texts(read.keys, options.pageSize)) {
      for (const b of page) {
        if (!b.valid) continue;
        for (const t of asked) {
          const v = b.answers[t.form.id]?.[t.q.id];
          if (typeof v === 'string' && v.trim() !== '') t.answers.push(v);
        }
      }
    }
  }
  return asked.map((t) => ({ form: t.form.title, question: t.q.text, answers: t.answers.sort(byText) }));
}
