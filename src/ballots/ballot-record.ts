// The fixed-size record a ballot is stored as, one per slot of the ballot box. Every record of a meeting has
// the same size, so writing a ballot never changes the size of anything in the file.
//
// Two formats, told apart by a record's first byte:
// - the compact record (src/domain/ballot-record.ts, byte 0 = RECORD_FORMAT), encoded against the layout the
//   meeting froze when its poll first opened (`meetings.ballot_layout`): a head of one byte per graded answer
//   (51 bytes for a village ballot), then free text padded to its maximum (2,051 bytes in all, within one page);
//   the tally counts the heads without decoding a ballot;
// - the older record (byte 0 = 0, the high byte of a 32-bit length): a length prefix, the ballot as JSON, zero
//   padding up to the meeting's maximum. Meetings without a layout (opened before it existed) keep writing and
//   reading it, so that no stored ballot needs rewriting and a poll open across the upgrade keeps one size.
import type { BallotAnswers, BallotSource } from '../domain/ballot.js';
import { decodeBallot, decodeTextAnswers, encodeBallot, parseBallotLayout, readRecordHeader, RECORD_FORMAT, BallotRecordError, type BallotLayout } from '../domain/ballot-record.js';
import { gradeChoices, nominationOptions, questionsForMeeting, subjectsFor, type FormTemplate, type SubjectRef } from '../domain/forms.js';

export interface StoredBallot {
  category: string | null;
  source: BallotSource;
  answers: BallotAnswers;
  valid: boolean;
  breaches: Array<{ ruleId: string; formId: string; message: string }>;
}

/** JSON costs at most 6 bytes per character (a control character or lone surrogate becomes \uXXXX). */
const WORST_BYTES_PER_CHAR = 6;
/** As in domain/ballot.ts: a written-in name is at most 50 characters. */
const MAX_WRITE_IN = 50;

/**
 * The older record size for a meeting: the largest ballot its forms accept (every subject graded with the longest
 * grade, every option chosen, every text at its maximum length of worst-case characters, every rule breached),
 * encoded, plus the length prefix.
 */
export function recordSizeFor(forms: readonly FormTemplate[], subjects: readonly SubjectRef[]): number {
  let extra = 0;
  const answers: BallotAnswers = {};
  const breaches: StoredBallot['breaches'] = [];
  const longest = (values: string[]) => values.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a), '');
  for (const form of forms) {
    const out: Record<string, unknown> = {};
    for (const q of questionsForMeeting(form, subjects)) {
      switch (q.type) {
        case 'graded': {
          const grade = longest(gradeChoices(form, q).map((g) => g.value));
          out[q.id] = q.subjects ? Object.fromEntries(subjectsFor(q, subjects).map((s) => [s.id, grade])) : grade;
          break;
        }
        case 'single':
          out[q.id] = longest(q.options.map((o) => o.value));
          break;
        case 'multiple':
          out[q.id] = q.options.map((o) => o.value);
          break;
        case 'text':
          out[q.id] = '';
          extra += q.maxLength * WORST_BYTES_PER_CHAR;
          break;
        case 'nomination':
          out[q.id] = { options: nominationOptions(q, subjects).map((o) => o.value), writeIns: Array.from({ length: q.maxNominations }, () => '') };
          extra += q.maxNominations * MAX_WRITE_IN * WORST_BYTES_PER_CHAR;
          break;
      }
    }
    answers[form.id] = out;
    for (const rule of form.rules ?? []) breaches.push({ ruleId: rule.id, formId: form.id, message: `${rule.message}（本票 999999 人，最多 999999 人）` });
  }
  const widest: StoredBallot = { category: 'x'.repeat(64), source: 'paper', answers, valid: false, breaches };
  return 4 + Buffer.byteLength(serialise(widest)) + extra;
}

function serialise(b: StoredBallot): string {
  return JSON.stringify({ c: b.category, s: b.source, v: b.valid ? 1 : 0, a: b.answers, b: b.breaches });
}

export class RecordTooLarge extends Error {}

/**
 * The ballot in the older format, as exactly `size` bytes. Throws RecordTooLarge if it does not fit (it always
 * does for a ballot the meeting's forms accept).
 */
export function encodeRecord(size: number, ballot: StoredBallot): Buffer {
  const json = Buffer.from(serialise(ballot));
  if (json.length + 4 > size) throw new RecordTooLarge(`ballot of ${json.length + 4} bytes for a record of ${size}`);
  const out = Buffer.alloc(size);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  return out;
}

function decodeJsonRecord(buf: Buffer): StoredBallot {
  const len = buf.readUInt32BE(0);
  const o = JSON.parse(buf.subarray(4, 4 + len).toString()) as { c: string | null; s: BallotSource; v: number; a: BallotAnswers; b: StoredBallot['breaches'] };
  return { category: o.c, source: o.s, valid: o.v === 1, answers: o.a, breaches: o.b };
}

/** How a meeting's records read: its frozen layout (null: its ballots are in the older format) and its category keys in meeting order. */
export interface RecordFormat {
  layout: BallotLayout | null;
  categories: readonly string[];
}

/** Parsed layouts by their stored text: parsing rebuilds and hashes the layout, and the codec caches its compiled form per layout object. */
const parsedLayouts = new Map<string, BallotLayout>();

/** The layout stored with a meeting (null when it has none), parsed once per process. */
export function storedLayout(text: string | null): BallotLayout | null {
  if (text === null) return null;
  let layout = parsedLayouts.get(text);
  if (!layout) {
    layout = parseBallotLayout(text);
    if (parsedLayouts.size >= 256) parsedLayouts.clear();
    parsedLayouts.set(text, layout);
  }
  return layout;
}

/** The compact record of an accepted ballot. Throws BallotRecordError (a Chinese message) for what it cannot hold. */
export function encodeCompact(layout: BallotLayout, categories: readonly string[], ballot: StoredBallot): Buffer {
  const position = ballot.category === null ? -1 : categories.indexOf(ballot.category);
  const record = encodeBallot(layout, ballot.answers, { valid: ballot.valid, source: ballot.source, category: position < 0 ? null : position, breaches: ballot.breaches });
  return Buffer.from(record.buffer, record.byteOffset, record.byteLength);
}

/** True when the record is in the compact format (else it is an older JSON record). */
export const isCompactRecord = (bytes: Uint8Array): boolean => bytes[0] === RECORD_FORMAT;

/**
 * Reads one stored record, in either format. A compact record needs its meeting's format (its layout and
 * categories); an older record reads without one.
 */
export function decodeRecord(bytes: Uint8Array, format?: RecordFormat): StoredBallot {
  if (isCompactRecord(bytes)) {
    if (!format?.layout) throw new BallotRecordError('本次测评的选票版式缺失，无法读取选票');
    const d = decodeBallot(format.layout, bytes);
    return {
      category: d.category === null ? null : (format.categories[d.category] ?? null),
      source: d.source,
      answers: d.answers,
      valid: d.valid,
      breaches: d.breaches.map((b) => ({ ruleId: b.ruleId, formId: b.formId, message: b.message })),
    };
  }
  return decodeJsonRecord(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * One stored record as far as a reader of its text answers needs it: its validity, and a compact record's text
 * answers alone (nothing else decoded) or an older record's answers in full.
 */
export function decodeRecordTexts(bytes: Uint8Array, format?: RecordFormat): { valid: boolean; answers: BallotAnswers } {
  if (isCompactRecord(bytes)) {
    if (!format?.layout) throw new BallotRecordError('本次测评的选票版式缺失，无法读取选票');
    return { valid: readRecordHeader(format.layout, bytes, 0).valid, answers: decodeTextAnswers(format.layout, bytes) };
  }
  const b = decodeJsonRecord(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { valid: b.valid, answers: b.answers };
}
