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
        // Withheld pooled counts are empty, never partial.
        const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
        for (const s of members!.subjects!) {
          expect(sum(s.counts)).toBe(t.pooledWithheld ? 0 : s.answered);
          expect(s.answered).toBeLessThanOrEqual(valid);
        }
        expect(sum(overall!.counts!)).toBe(t.pooledWithheld ? 0 : overall!.answered);
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
    expect(t.pooledWithheld).toBe(true);
    const s = t.forms[0]!.questions[0]!.subjects![0]!;
    expect(s.byCategory).toBeUndefined();
    expect(s.weightedMeanPoints).toBeCloseTo(0.4 * 100 + 0.6 * 60, 10);
    expect(s.meanPoints).toBeNull();
    expect(t.notes.map((n) => n.code)).toEqual(['POOLED_WITHHELD', 'UNCATEGORISED_BALLOTS']);
    expect(t.notes[0]!.message).toContain('未分类的有效票少于 5 张');
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

// seed 002_ef31b3aa8f1f181a.txt: "民主测评设 100 分，其中领导自评和民主评议分别按 40%和 60%的权重，汇总得出民主测评结果，按具体
// 得分计入总分": the weighted sum is the score whatever the size of 领导自评 (a team of 3–7 members).
describe('a small 领导自评 keeps its 40 % weight and stays anonymous', () => {
  const GRADED = ['good', 'fairly-good', 'average', 'poor'] as const;
  const POINTS: Record<string, number> = { good: 100, 'fairly-good': 80, average: 60, poor: 40 };
  /** Every multiset of `n` grades (the order of ballots is not shown, so it cannot matter). */
  const multisets = (n: number, from = 0): string[][] =>
    n === 0 ? [[]] : GRADED.slice(from).flatMap((g, i) => multisets(n - 1, from + i).map((rest) => [g, ...rest]));
  const mean = (gs: readonly string[]) => gs.reduce((a, g) => a + POINTS[g]!, 0) / gs.length;
  const cast = (self: readonly string[], staff: readonly string[]) => [...self.map((g) => ballot('self', g)), ...staff.map((g) => ballot('staff', g))];
  const shown = (self: readonly string[], staff: readonly string[]) => JSON.stringify(tallyMeeting({ forms: [form], subjects, categories, ballots: cast(self, staff) }));

  it('3 self-ratings all 好 (100) and 12 staff ratings averaging 80: 0.4 × 100 + 0.6 × 80 = 88, not the pooled 84', () => {
    const staff = [...Array<string>(6).fill('good'), ...Array<string>(6).fill('average')];
    expect(mean(staff)).toBe(80);
    const t = tallyMeeting({ forms: [form], subjects, categories, ballots: cast(['good', 'good', 'good'], staff) });
    const member = t.forms[0]!.questions[0]!.subjects![0]!;
    const overall = t.forms[0]!.questions[1]!;
    expect(member.weightedMeanPoints).toBeCloseTo(88, 10);
    expect(overall.weightedMeanPoints).toBeCloseTo(88, 10);
    // No second figure beside it: the pooled mean (84) and the per-grade counts that would give it are withheld.
    expect(member.meanPoints).toBeNull();
    expect(overall.meanPoints).toBeNull();
    expect(member.counts).toEqual({});
    expect(overall.counts).toEqual({});
    expect(member.byCategory).toBeUndefined();
    expect(JSON.stringify(t)).not.toContain('84');
  });

  it('solving for the 3 self-ratings from everything the tally shows finds more than one answer', () => {
    // The attacker knows the category sizes (3 and 12, shown) and tries every possible set of ballots: the ones
    // whose tally shows exactly what the real one shows are the candidates. If all candidates agreed on the
    // 领导自评 mean, that mean would be disclosed.
    const real = shown(['good', 'good', 'good'], [...Array<string>(12).fill('fairly-good')]);
    const selfMeans = new Set<number>();
    let candidates = 0;
    const pooledMeans = new Map<number, Set<number>>();
    for (const self of multisets(3)) {
      for (const staff of multisets(12)) {
        if (shown(self, staff) !== real) continue;
        candidates++;
        selfMeans.add(mean(self));
        const pooled = mean([...self, ...staff]);
        pooledMeans.set(pooled, (pooledMeans.get(pooled) ?? new Set()).add(mean(self)));
      }
    }
    expect(candidates).toBeGreaterThan(1);
    expect([...selfMeans].sort()).toEqual([100, 80].sort());
    // The control: one more figure, the pooled mean the tally used to show beside the weighted one (84), and the
    // candidates agree. This is why it is no longer shown.
    expect([...pooledMeans.get(84)!]).toEqual([100]);
  });
});
