// The tally rules stated in docs/forms.md: counts, invalid ballots, categories and weights, the anonymity
// threshold; and the invariants as properties (fast-check): counts sum to the valid ballots, the order of the
// ballots does not matter, the weights in force sum to one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFormTemplate, type FormTemplate, type SubjectRef } from '../../src/domain/forms.js';
import { BREAKDOWN_THRESHOLD, effectiveWeights, tallyMeeting, weightedMean, type CategoryDef, type TallyBallot } from '../../src/domain/tally.js';
import { FOUR_GRADE_SCALE } from '../helpers/fixtures.js';

// A small form on the seed-002 point map (002_ef31b3aa8f1f181a.txt: 好、较好、一般、差 = 100、80、60、40).
const form: FormTemplate = parseFormTemplate(
  {
    id: 'f',
    title: '测试表',
    source: { seed: '002_ef31b3aa8f1f181a.txt', quote: '按照好、较好、一般、差四个档次进行评议' },
    scales: {
      four: FOUR_GRADE_SCALE,
    },
    questions: [
      { id: 'members', type: 'graded', scale: 'four', subjects: ['person'], allowUnknown: true, required: false, text: '成员' },
      { id: 'overall', type: 'graded', scale: 'four', allowUnknown: true, required: false, text: '总体' },
      { id: 'pick', type: 'multiple', options: [{ value: 'a', label: '甲' }, { value: 'b', label: '乙' }, { value: 'c', label: '丙' }], required: false, text: '多选' },
    ],
  },
  'test',
);
const subjects: SubjectRef[] = [
  { id: 's1', name: '甲', kind: 'person' },
  { id: 's2', name: '乙', kind: 'person' },
  { id: 's3', name: '丙', kind: 'person' },
];
const categories: CategoryDef[] = [
  { key: 'self', label: '领导自评', weight: 0.4 },
  { key: 'staff', label: '民主评议', weight: 0.6 },
];
const GRADES = ['good', 'fairly-good', 'average', 'poor', 'unknown'] as const;

const arbBallot: fc.Arbitrary<TallyBallot> = fc.record({
  category: fc.constantFrom<string | null>('self', 'staff', null),
  valid: fc.boolean(),
  answers: fc.record({
    f: fc.record(
      {
        members: fc.dictionary(fc.constantFrom('s1', 's2', 's3'), fc.constantFrom(...GRADES)),
        overall: fc.constantFrom(...GRADES),
        pick: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
  }),
});

describe('properties', () => {
  it('counts sum to the answers, answers never exceed the valid ballots, and invalid ballots are counted', () => {
    fc.assert(
      fc.property(fc.array(arbBallot, { maxLength: 40 }), (ballots) => {
        const t = tallyMeeting({ forms: [form], subjects, categories, ballots });
        const valid = ballots.filter((b) => b.valid).length;
        expect(t.ballots).toEqual({ cast: ballots.length, valid, invalid: ballots.length - valid });
        expect(t.byCategory.reduce((a, c) => a + c.ballots, 0) + t.uncategorised).toBe(valid);
        const [members, overall, pick] = t.forms[0]!.questions;
        for (const s of members!.subjects!) {
          expect(Object.values(s.counts).reduce((a, b) => a + b, 0)).toBe(s.answered);
          expect(s.answered).toBeLessThanOrEqual(valid);
        }
        expect(Object.values(overall!.counts!).reduce((a, b) => a + b, 0)).toBe(overall!.answered);
        expect(overall!.answered).toBeLessThanOrEqual(valid);
        for (const n of Object.values(pick!.counts!)) expect(n).toBeLessThanOrEqual(pick!.answered);
      }),
    );
  });

  it('does not depend on the order of the ballots', () => {
    fc.assert(
      fc.property(
        fc.array(arbBallot, { maxLength: 40 }).chain((ballots) => fc.tuple(fc.constant(ballots), fc.shuffledSubarray(ballots, { minLength: ballots.length, maxLength: ballots.length }))),
        ([ballots, shuffled]) => {
          expect(tallyMeeting({ forms: [form], subjects, categories, ballots: shuffled })).toEqual(tallyMeeting({ forms: [form], subjects, categories, ballots }));
        },
      ),
    );
  });

  it('the weights in force sum to one over the non-empty categories (zero for the empty ones)', () => {
    const part = fc.record({ weight: fc.double({ min: 0.01, max: 1, noNaN: true }), mean: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }) });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        const w = effectiveWeights(parts);
        parts.forEach((p, i) => {
          if (p.mean === null) expect(w[i]).toBe(0);
        });
        const nonEmpty = parts.filter((p) => p.mean !== null).length;
        if (nonEmpty === 0) expect(weightedMean(parts)).toBeNull();
        else {
          expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          const m = weightedMean(parts)!;
          // A weighted mean lies between the smallest and the largest category mean.
          const means = parts.flatMap((p) => (p.mean === null ? [] : [p.mean]));
          expect(m).toBeGreaterThanOrEqual(Math.min(...means) - 1e-9);
          expect(m).toBeLessThanOrEqual(Math.max(...means) + 1e-9);
        }
      }),
    );
  });
});

const ballot = (category: string | null, grade: string, valid = true): TallyBallot => ({ category, valid, answers: { f: { members: { s1: grade }, overall: grade } } });
const many = (n: number, category: string | null, grade: string) => Array.from({ length: n }, () => ballot(category, grade));

describe('the anonymity threshold (DOMAIN.md, "Anonymity"; docs/forms.md)', () => {
  it(`shows the breakdown when every non-empty category has at least ${BREAKDOWN_THRESHOLD} ballots, not at ${BREAKDOWN_THRESHOLD - 1}`, () => {
    const at = tallyMeeting({ forms: [form], subjects, categories, ballots: [...many(5, 'self', 'good'), ...many(5, 'staff', 'poor')] });
    expect(at.breakdownShown).toBe(true);
    expect(at.forms[0]!.questions[0]!.subjects![0]!.byCategory!.map((c) => c.meanPoints)).toEqual([100, 40]);
    const below = tallyMeeting({ forms: [form], subjects, categories, ballots: [...many(4, 'self', 'good'), ...many(5, 'staff', 'poor')] });
    expect(below.breakdownShown).toBe(false);
    expect(below.forms[0]!.questions[0]!.subjects![0]!.byCategory).toBeUndefined();
  });

  it('counts ballots of slips without a category as a group of their own, so they cannot be found by subtraction', () => {
    // 10 and 10 in the categories, 2 without: showing both categories and the total would give the 2 away.
    const t = tallyMeeting({ forms: [form], subjects, categories, ballots: [...many(10, 'self', 'good'), ...many(10, 'staff', 'average'), ...many(2, null, 'poor')] });
    expect(t.uncategorised).toBe(2);
    expect(t.breakdownShown).toBe(false);
    expect(t.weightedWithheld).toBe(true);
    const s = t.forms[0]!.questions[0]!.subjects![0]!;
    expect(s.byCategory).toBeUndefined();
    expect(s.weightedMeanPoints).toBeNull();
    expect(t.notes.map((n) => n.code)).toEqual(['WEIGHTED_WITHHELD', 'UNCATEGORISED_BALLOTS']);
  });

  it('with 5 or more uncategorised ballots, the weighted mean leaves them out and says so', () => {
    const t = tallyMeeting({ forms: [form], subjects, categories, ballots: [...many(5, 'self', 'good'), ...many(5, 'staff', 'average'), ...many(5, null, 'poor')] });
    const s = t.forms[0]!.questions[0]!.subjects![0]!;
    expect(t.breakdownShown).toBe(true);
    expect(s.weightedMeanPoints).toBeCloseTo(0.4 * 100 + 0.6 * 60, 10);
    expect(s.meanPoints).toBeCloseTo((500 + 300 + 200) / 15, 10);
    expect(t.notes.map((n) => n.code)).toEqual(['UNCATEGORISED_BALLOTS']);
  });

  it('a meeting with one respondent group shows its weighted mean (it equals the plain mean and reveals nothing more)', () => {
    const t = tallyMeeting({ forms: [form], subjects, categories, ballots: many(2, 'staff', 'good') });
    expect(t.weightedWithheld).toBe(false);
    expect(t.forms[0]!.questions[1]!.weightedMeanPoints).toBe(100);
  });

  it('a meeting without categories reports the plain mean as the weighted one', () => {
    const t = tallyMeeting({ forms: [form], subjects, categories: [], ballots: [ballot(null, 'good'), ballot(null, 'average')] });
    const s = t.forms[0]!.questions[0]!.subjects![0]!;
    expect(s.weightedMeanPoints).toBe(80);
    expect(s.meanPoints).toBe(80);
    expect(t.uncategorised).toBe(0);
    expect(t.notes).toEqual([]);
  });

  it('per subject, a category that answered only 不了解 is left out of the weighted mean', () => {
    const t = tallyMeeting({ forms: [form], subjects, categories, ballots: [...many(5, 'self', 'unknown'), ...many(5, 'staff', 'fairly-good')] });
    const s = t.forms[0]!.questions[0]!.subjects![0]!;
    expect(s.weightedMeanPoints).toBe(80);
    expect(s.byCategory![0]!.meanPoints).toBeNull();
    expect(s.shares.unknown).toBe(0.5);
    expect(s.favourableRate).toBe(1);
  });
});

describe('invalid ballots', () => {
  it('are counted and reported, never tallied', () => {
    const t = tallyMeeting({ forms: [form], subjects, categories: [], ballots: [ballot(null, 'good'), ballot(null, 'poor', false), ballot(null, 'poor', false)] });
    expect(t.ballots).toEqual({ cast: 3, valid: 1, invalid: 2 });
    expect(t.invalidReasons).toEqual([{ formId: '', ruleId: '', message: '未注明原因', ballots: 2 }]);
    expect(t.forms[0]!.questions[1]!.counts).toEqual({ good: 1, 'fairly-good': 0, average: 0, poor: 0, unknown: 0 });
  });
});
