// The ballot box's two record formats (src/ballots/ballot-record.ts): the compact record of a meeting's frozen
// layout, and the older JSON record that meetings opened before layouts were frozen keep. Both read through one
// decodeRecord, told apart by the first byte; the same ballots read from either tally the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeCompact, encodeRecord, isCompactRecord, recordSizeFor, storedLayout, type StoredBallot } from '../../src/ballots/ballot-record.js';
import { ballotLayout, BallotRecordError, RECORD_FORMAT } from '../../src/domain/ballot-record.js';
import { decideBallot, type BallotSource } from '../../src/domain/ballot.js';
import { tallyMeeting } from '../../src/domain/tally.js';
import { arbRawBallot, formById, villageSubjects } from '../helpers/ballot-records.js';
import { villageMeeting } from '../helpers/fixtures.js';

const forms = [...villageMeeting().formIds.map(formById), formById('village-reserve-nomination')];
const layoutText = JSON.stringify(ballotLayout(forms, villageSubjects));
const categoryDefs = [
  { key: 'leaders', label: '镇领导班子成员', weight: 0.4 },
  { key: 'members', label: '党员群众代表', weight: 0.6 },
];
const format = { layout: storedLayout(layoutText), categories: categoryDefs.map((c) => c.key) };
const oldSize = recordSizeFor(forms, villageSubjects);

const arbStored = fc
  .tuple(arbRawBallot(forms, villageSubjects), fc.constantFrom<BallotSource>('phone', 'paper'), fc.constantFrom<string | null>('leaders', 'members', null))
  .map(([raw, source, category]): StoredBallot | null => {
    const d = decideBallot({ forms, subjects: villageSubjects }, raw, source);
    return d.kind === 'accept' ? { category, source, answers: d.answers, valid: d.valid, breaches: d.breaches } : null;
  });

describe('stored records', () => {
  it('parses a stored layout once and gives the same object back', () => {
    expect(storedLayout(layoutText)).toBe(format.layout);
    expect(storedLayout(null)).toBeNull();
  });

  it('reads both formats back, and the same ballots tally the same from either', () => {
    fc.assert(
      fc.property(fc.array(arbStored, { maxLength: 30 }), (xs) => {
        const ballots = xs.filter((b): b is StoredBallot => b !== null);
        const compact = ballots.map((b) => encodeCompact(format.layout!, format.categories, b));
        const older = ballots.map((b) => encodeRecord(oldSize, b));
        for (const r of compact) {
          expect(r.length).toBe(format.layout!.recordSize);
          expect(r[0]).toBe(RECORD_FORMAT);
          expect(isCompactRecord(r)).toBe(true);
        }
        for (const r of older) expect(isCompactRecord(r)).toBe(false);
        const fromCompact = compact.map((r) => decodeRecord(r, format));
        const fromOlder = older.map((r) => decodeRecord(r));
        expect(fromOlder).toStrictEqual(ballots);
        // What a compact record keeps beside the answers is exactly what was stored.
        expect(fromCompact.map((b) => [b.category, b.source, b.valid, b.breaches.map((x) => x.ruleId)])).toEqual(ballots.map((b) => [b.category, b.source, b.valid, b.breaches.map((x) => x.ruleId)]));
        // Read back and written again, a compact record is the same bytes.
        fromCompact.forEach((b, i) => expect(encodeCompact(format.layout!, format.categories, b)).toEqual(compact[i]));
        const tally = (bs: StoredBallot[]) => tallyMeeting({ forms, subjects: villageSubjects, categories: categoryDefs, ballots: bs });
        expect(tally(fromCompact)).toStrictEqual(tally(fromOlder));
      }),
      { numRuns: 60 },
    );
  });

  it('refuses, in Chinese, to read a compact record without its layout; an older one needs none', () => {
    const ballot: StoredBallot = { category: 'members', source: 'phone', answers: {}, valid: true, breaches: [] };
    const compact = encodeCompact(format.layout!, format.categories, ballot);
    expect(() => decodeRecord(compact)).toThrow(BallotRecordError);
    expect(() => decodeRecord(compact, { layout: null, categories: [] })).toThrow(/选票版式/);
    expect(decodeRecord(encodeRecord(oldSize, ballot))).toEqual(ballot);
  });

  it('keeps a village ballot (three village forms and the nomination) far below the older record', () => {
    expect(format.layout!.headSize).toBeLessThan(400);
    expect(format.layout!.recordSize).toBeLessThan(oldSize / 2);
  });
});
