// Shared by the ballot-record tests: every form in forms/, a village meeting's subjects with ids, and random
// raw ballots over a meeting's questions (mostly answerable, sometimes blank, in the voter's shape).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { MAX_WRITE_IN } from '../../src/domain/ballot.js';
import { gradeChoices, nominationOptions, parseFormTemplate, questionsForMeeting, subjectsFor, type FormTemplate, type SubjectRef } from '../../src/domain/forms.js';
import { villageMeeting } from './fixtures.js';

const formsDir = join(import.meta.dirname, '../../forms');

/** Every questionnaire template shipped in forms/, by id. */
export const allForms: Map<string, FormTemplate> = new Map(
  readdirSync(formsDir)
    .filter((f) => f.endsWith('.json') && f !== 'form.schema.json')
    .map((f) => {
      const form = parseFormTemplate(JSON.parse(readFileSync(join(formsDir, f), 'utf8')), f, f.replace(/\.json$/, ''));
      return [form.id, form] as const;
    }),
);

export const formById = (id: string): FormTemplate => {
  const f = allForms.get(id);
  if (!f) throw new Error(`no form ${id}`);
  return f;
};

/** The village meeting of the fixtures (organisation, team, seven members) and two reserve-cadre candidates. */
export const villageSubjects: SubjectRef[] = [
  ...villageMeeting().subjects.map((s, i) => ({ id: `s${i + 1}`, name: s.name, kind: s.kind, title: 'title' in s ? s.title : null })),
  { id: 'c1', name: '孙伟', kind: 'candidate', title: '村文书' },
  { id: 'c2', name: '吴芳', kind: 'candidate', title: null },
];

const namePart = fc.constantFrom('张', '王', '李', '赵', '钱', '孙', '欧阳', '阿卜杜', '·', '𠀀', 'Li', ' ');

/** A raw ballot as a voter could send it: each question answered with allowed values, or left blank. */
export function arbRawBallot(forms: readonly FormTemplate[], subjects: readonly SubjectRef[]): fc.Arbitrary<Record<string, Record<string, unknown>>> {
  const perForm = forms.map((form) => {
    const questions = questionsForMeeting(form, subjects).map((q) => {
      let arb: fc.Arbitrary<unknown>;
      switch (q.type) {
        case 'graded': {
          const values = gradeChoices(form, q).map((g) => g.value);
          if (!q.subjects) arb = fc.constantFrom(...values);
          else {
            const rated = subjectsFor(q, subjects);
            arb = fc
              .array(fc.option(fc.constantFrom(...values), { nil: undefined, freq: 8 }), { minLength: rated.length, maxLength: rated.length })
              .map((grades) => Object.fromEntries(rated.flatMap((s, i) => (grades[i] === undefined ? [] : [[s.id, grades[i]]]))));
          }
          break;
        }
        case 'single':
          arb = fc.constantFrom(...q.options.map((o) => o.value));
          break;
        case 'multiple':
          arb = fc.uniqueArray(fc.constantFrom(...q.options.map((o) => o.value)), { minLength: 1, maxLength: q.maxChoices ?? q.options.length });
          break;
        case 'text':
          arb = fc.oneof(fc.string({ unit: 'binary', maxLength: Math.min(q.maxLength, 40) }), fc.string({ unit: fc.constantFrom('意', '见', '好', '𠀀', ' ', '\n', '"', ','), maxLength: q.maxLength }));
          break;
        case 'nomination': {
          const listed = nominationOptions(q, subjects);
          arb = fc.record({
            options: fc.uniqueArray(fc.constantFrom(...listed.map((o) => o.value), 'none'), { maxLength: q.maxNominations }).map((xs) => xs.filter((x) => x !== 'none')),
            writeIns: fc.array(
              fc.oneof(
                fc.array(namePart, { minLength: 1, maxLength: MAX_WRITE_IN / 2 }).map((p) => p.join('')),
                fc.constantFrom(...listed.map((o) => o.label), '孙 伟'),
              ),
              { maxLength: q.allowWriteIn ? q.maxNominations : 0 },
            ),
          });
          break;
        }
      }
      return [q.id, fc.option(arb, { nil: undefined, freq: 4 })] as const;
    });
    return fc.record(Object.fromEntries(questions)).map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)));
  });
  return fc.tuple(...perForm).map((answers) => Object.fromEntries(forms.map((f, i) => [f.id, answers[i]!])));
}
