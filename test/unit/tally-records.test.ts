// The tally from ballot records equals the tally from the same ballots as JSON answers: random ballots that
// decideBallot accepts (phone and paper, valid and invalid, with and without a category) tallied both ways.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ballotLayout, countRecords, encodeBallot, type BallotLayout } from '../../src/domain/ballot-record.js';
import { decideBallot, type BallotSource } from '../../src/domain/ballot.js';
import { countersFromRecords, tallyMeeting, type CategoryDef, type TallyBallot } from '../../src/domain/tally.js';
import type { FormTemplate } from '../../src/domain/forms.js';
import { allForms, arbRawBallot, formById, villageSubjects } from '../helpers/ballot-records.js';
import { villageMeeting } from '../helpers/fixtures.js';

const categories: CategoryDef[] = [
  { key: 'leaders', label: '镇领导班子成员', weight: 0.4 },
  { key: 'members', label: '党员群众代表', weight: 0.6 },
  { key: 'staff', label: '村民代表', weight: 0.2 },
];

interface Cast {
  tally: TallyBallot;
  record: Uint8Array;
}

/** Random accepted ballots, each as the JSON tally reads it and as its record. */
function arbCasts(forms: readonly FormTemplate[], layout: BallotLayout, maxLength: number): fc.Arbitrary<Cast[]> {
  const one = fc
    .tuple(
      arbRawBallot(forms, villageSubjects),
      fc.constantFrom<BallotSource>('phone', 'paper'),
      // Mostly the first two categories, so that both the shown and the withheld breakdowns occur.
      fc.option(fc.constantFrom(0, 0, 1, 1, 2), { nil: null, freq: 6 }),
      // A ballot stored invalid without a rule (as older ballots may be).
      fc.nat(20),
    )
    .map(([raw, source, category, dice]): Cast | null => {
      const d = decideBallot({ forms, subjects: villageSubjects }, raw, source);
      if (d.kind !== 'accept') return null;
      const valid = dice === 0 ? false : d.valid;
      const record = encodeBallot(layout, d.answers, { valid, source, category, breaches: d.breaches });
      return { tally: { category: category === null ? null : categories[category]!.key, valid, answers: d.answers, breaches: d.breaches }, record };
    });
  return fc.array(one, { maxLength }).map((xs) => xs.filter((x): x is Cast => x !== null));
}

function bothWays(forms: readonly FormTemplate[], layout: BallotLayout, casts: readonly Cast[], cats: readonly CategoryDef[]) {
  const old = tallyMeeting({ forms, subjects: villageSubjects, categories: cats, ballots: casts.map((c) => c.tally) });
  const buffer = new Uint8Array(casts.length * layout.recordSize);
  casts.forEach((c, i) => buffer.set(c.record, i * layout.recordSize));
  const fromRecords = tallyMeeting({ forms, subjects: villageSubjects, categories: cats, counters: countersFromRecords(layout, countRecords(layout, buffer), cats) });
  return { old, fromRecords };
}

describe('tally from records = tally from JSON answers', () => {
  const village = villageMeeting().formIds.map(formById);
  const forms = [...village, formById('village-reserve-nomination'), formById('county-cadre-evaluation'), formById('public-gain-survey')];
  const layout = ballotLayout(forms, villageSubjects);

  it('on random ballots over village, nomination, cadre (with its 优秀 quota rule) and survey forms', () => {
    fc.assert(
      fc.property(arbCasts(forms, layout, 40), fc.boolean(), (casts, withCategories) => {
        const cats = withCategories ? categories : [];
        const { old, fromRecords } = bothWays(forms, layout, casts, cats);
        expect(fromRecords).toStrictEqual(old);
      }),
      { numRuns: 120 },
    );
  });

  it('on every form in forms/ at once, up to 80 ballots (so that the category breakdown is shown in some runs)', () => {
    const all = [...allForms.values()];
    const l = ballotLayout(all, villageSubjects);
    fc.assert(
      fc.property(arbCasts(all, l, 80), (casts) => {
        const { old, fromRecords } = bothWays(all, l, casts, categories);
        expect(fromRecords).toStrictEqual(old);
      }),
      { numRuns: 25 },
    );
  });

  it('counts invalid ballots by rule, and write-ins per name', () => {
    const nom = formById('village-reserve-nomination');
    const cadre = formById('county-cadre-evaluation');
    const l = ballotLayout([nom, cadre], villageSubjects);
    const members = villageSubjects.filter((s) => s.kind === 'person');
    const cast = (raw: Record<string, Record<string, unknown>>): Cast => {
      const d = decideBallot({ forms: [nom, cadre], subjects: villageSubjects }, raw, 'paper');
      if (d.kind !== 'accept') throw new Error('refused');
      return { tally: { category: null, valid: d.valid, answers: d.answers, breaches: d.breaches }, record: encodeBallot(l, d.answers, { valid: d.valid, source: 'paper', category: null, breaches: d.breaches }) };
    };
    const allExcellent = { [cadre.id]: { 'cadre-overall': Object.fromEntries(members.map((s) => [s.id, 'excellent'])) } };
    const casts = [
      cast(allExcellent),
      cast(allExcellent),
      cast({ [nom.id]: { 'reserve-cadres': { options: ['c1'], writeIns: ['赵六', '钱七'] } } }),
      cast({ [nom.id]: { 'reserve-cadres': { options: [], writeIns: ['赵 六', '孙伟（村文书）'] } } }),
    ];
    const { old, fromRecords } = bothWays([nom, cadre], l, casts, []);
    expect(fromRecords).toStrictEqual(old);
    expect(fromRecords.ballots).toEqual({ cast: 4, valid: 2, invalid: 2 });
    expect(fromRecords.invalidReasons).toMatchObject([{ formId: cadre.id, ruleId: 'excellent-quota', ballots: 2 }]);
    const q = fromRecords.forms[0]!.questions[0]!;
    expect(q.counts).toEqual({ c1: 2, c2: 0 });
    expect(q.writeIns).toEqual({ 赵六: 2, 钱七: 1 });
  });

  it('a record whose category is beyond the meeting categories counts as uncategorised, as an unknown key does', () => {
    const f = formById('village-secretary-report');
    const l = ballotLayout([f], villageSubjects);
    const q = f.questions[0]!.id;
    const record = (category: number | null) => encodeBallot(l, { [f.id]: { [q]: 'good' } }, { valid: true, source: 'phone', category });
    const records = [...Array.from({ length: 5 }, () => record(0)), ...Array.from({ length: 5 }, () => record(1)), record(7)];
    const cats = categories.slice(0, 2);
    const t = tallyMeeting({ forms: [f], subjects: villageSubjects, categories: cats, counters: countersFromRecords(l, countRecords(l, records), cats) });
    expect(t.uncategorised).toBe(1);
    expect(t.byCategory.map((c) => c.ballots)).toEqual([5, 5]);
    expect(t.pooledWithheld).toBe(true);
  });

  it('refuses counts made with another layout', () => {
    const a = ballotLayout(village, villageSubjects);
    const b = ballotLayout(village.slice(1), villageSubjects);
    expect(() => countersFromRecords(b, countRecords(a, []), [])).toThrow(/选票版式与本次测评不符/);
  });
});
