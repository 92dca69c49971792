// The answers of a compact record written straight as JSON (src/domain/ballot-json.ts) must be, byte for byte,
// what JSON.stringify gives for the answers decodeBallot reads from the same record, at any depth: ballots.json
// is written this way. Random ballots over every form in forms/, texts that need escaping, ids that JSON would
// reorder, and the same errors as decodeBallot for bytes no encoding writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answersJsonWriter, ByteSink, indentedJson } from '../../src/domain/ballot-json.js';
import { ballotLayout, decodeBallot, encodeBallot, readRecordHeader, type BallotLayout } from '../../src/domain/ballot-record.js';
import { decideBallot, type BallotSource } from '../../src/domain/ballot.js';
import type { FormTemplate } from '../../src/domain/forms.js';
import { allForms, arbRawBallot, formById, villageSubjects } from '../helpers/ballot-records.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function written(layout: BallotLayout, record: Uint8Array, depth: number): string {
  const sink = new ByteSink(16);
  answersJsonWriter(layout, depth)!.write(sink, record, 0);
  return text(sink.take());
}

const sameAsDecoded = (forms: readonly FormTemplate[], layout: BallotLayout) =>
  fc.property(arbRawBallot(forms, villageSubjects), fc.constantFrom<BallotSource>('phone', 'paper'), fc.nat(6), (raw, source, depth) => {
    const d = decideBallot({ forms, subjects: villageSubjects }, raw, source);
    if (d.kind !== 'accept') return;
    const record = encodeBallot(layout, d.answers, { valid: d.valid, source, category: null, breaches: d.breaches });
    expect(written(layout, record, depth)).toBe(indentedJson(decodeBallot(layout, record).answers, depth));
  });

describe('answers written as JSON from the record', () => {
  for (const form of allForms.values()) {
    it(`${form.id}: the bytes of JSON.stringify of the decoded answers`, () => {
      fc.assert(sameAsDecoded([form], ballotLayout([form], villageSubjects)), { numRuns: 60 });
    });
  }

  it('every form at once, and a meeting without forms', () => {
    const forms = [...allForms.values()];
    fc.assert(sameAsDecoded(forms, ballotLayout(forms, villageSubjects)), { numRuns: 100 });
    const none = ballotLayout([], villageSubjects);
    const record = encodeBallot(none, {}, { valid: true, source: 'phone', category: null });
    expect(written(none, record, 3)).toBe('{}');
  });

  it('a blank ballot, and texts that need escaping (quotes, backslashes, line breaks, controls, astral characters)', () => {
    const form = formById('village-annual-review');
    const layout = ballotLayout([form], villageSubjects);
    const blank = encodeBallot(layout, {}, { valid: true, source: 'phone', category: null });
    expect(written(layout, blank, 3)).toBe(indentedJson({ [form.id]: {} }, 3));
    const comment = '他说"好"\\\n\t=SUM(A1)\u0001；😀\u2028';
    const record = encodeBallot(layout, { [form.id]: { comments: comment } }, { valid: true, source: 'phone', category: 1 });
    expect(written(layout, record, 3)).toBe(indentedJson(decodeBallot(layout, record).answers, 3));
    expect(JSON.parse(written(layout, record, 0))[form.id].comments).toBe(comment);
  });

  it('is not offered when an id would be put first by JSON.stringify (an array index), and reads what decodeBallot refuses as it does', () => {
    const form = formById('village-annual-review');
    const numbered = ballotLayout([form], villageSubjects.map((s, i) => ({ ...s, id: i === 3 ? '7' : s.id })));
    expect(answersJsonWriter(numbered, 3)).toBeUndefined();
    const layout = ballotLayout([form], villageSubjects);
    const record = encodeBallot(layout, {}, { valid: true, source: 'phone', category: null });
    const graded = layout.fields.find((f) => f.kind === 'grades')!;
    record[graded.offset] = 250;
    expect(() => decodeBallot(layout, record)).toThrow('等次');
    expect(() => written(layout, record, 3)).toThrow('等次');
    record[1] = 0x80;
    expect(() => readRecordHeader(layout, record, 0)).toThrow('标志');
  });
});
