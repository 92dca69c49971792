// The fixed-size record a ballot is stored as, one per slot of the ballot box. Every record of a meeting has
// the same size, computed from the meeting's forms and subjects (frozen while the poll is open), so writing a
// ballot never changes the size of anything in the file.
//
// Stand-in until the compact record codec (src/domain/ballot-record.ts) lands: a length prefix, the ballot as
// JSON, and zero padding up to the meeting's maximum. Only the three functions below know the format; the
// ballot box and the readers call nothing else, so swapping in the codec changes this file alone.
import type { BallotAnswers, BallotSource } from '../domain/ballot.js';
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
 * The record size for a meeting: the largest ballot its forms accept (every subject graded with the longest
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

/** The ballot as exactly `size` bytes. Throws RecordTooLarge if it does not fit (it always does for a ballot the meeting's forms accept). */
export function encodeRecord(size: number, ballot: StoredBallot): Buffer {
  const json = Buffer.from(serialise(ballot));
  if (json.length + 4 > size) throw new RecordTooLarge(`ballot of ${json.length + 4} bytes for a record of ${size}`);
  const out = Buffer.alloc(size);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  return out;
}

export function decodeRecord(bytes: Uint8Array): StoredBallot {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = buf.readUInt32BE(0);
  const o = JSON.parse(buf.subarray(4, 4 + len).toString()) as { c: string | null; s: BallotSource; v: number; a: BallotAnswers; b: StoredBallot['breaches'] };
  return { category: o.c, source: o.s, valid: o.v === 1, answers: o.a, breaches: o.b };
}
