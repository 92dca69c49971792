// The template format: forms/form.schema.json is generated from FormTemplateSchema and must not drift; the
// semantic checks of parseFormTemplate refuse what the schema cannot express.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowedGradeCount, formJsonSchema, nominationOptions, parseFormTemplate, questionsForMeeting, FormTemplateError, type FormTemplate, type ValidityRule } from '../../src/domain/forms.js';
import { formsFolder } from '../../src/shared/paths.js';

const SCHEMA_PATH = join(formsFolder, 'form.schema.json');
const generated = JSON.stringify(formJsonSchema(), null, 2) + '\n';

describe('forms/form.schema.json', () => {
  it('is exactly what FormTemplateSchema generates (npm run forms:schema rewrites it)', () => {
    if (process.env.UPDATE_FORM_SCHEMA === '1') writeFileSync(SCHEMA_PATH, generated);
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(generated);
  });
});

const base = (over: Partial<FormTemplate> = {}): unknown => ({
  id: 'f',
  title: '测试表',
  source: { seed: '003_43142c8fa1f20547.txt', quote: '民主测评' },
  scales: { s: { label: '好/差', grades: [{ value: 'good', label: '好', points: 100 }, { value: 'poor', label: '差', points: 40 }] } },
  questions: [{ id: 'q', type: 'graded', scale: 's', subjects: ['person'], required: true, text: '总体' }],
  ...over,
});

describe('parseFormTemplate', () => {
  it('accepts a minimal template', () => {
    expect(parseFormTemplate(base(), 't').id).toBe('f');
  });

  it.each([
    ['an unknown scale', { questions: [{ id: 'q', type: 'graded', scale: 'nope', required: true, text: 'x' }] }, 'unknown scale'],
    ['a repeated question id', { questions: [{ id: 'q', type: 'text', maxLength: 5, required: false, text: 'a' }, { id: 'q', type: 'text', maxLength: 5, required: false, text: 'b' }] }, 'used twice'],
    ['a scale defining "unknown"', { scales: { s: { label: 'x', grades: [{ value: 'unknown', label: '?', points: 1 }, { value: 'a', label: 'a', points: 2 }] } } }, 'use allowUnknown'],
    ['a rule on a grade not on the scale', { rules: [{ id: 'r', type: 'maxGradeShare', questions: ['q'], grade: 'excellent', maxShare: 0.2, policy: 'refuse', message: 'm' }] }, 'not on the scale'],
    ['a flag on a question that is not about subjects', { flags: [{ code: 'X', questions: ['nope'], grade: 'good', moreThanShare: 0.5, message: 'm' }] }, 'not a graded question'],
    ['a nomination with no list and no write-ins', { questions: [{ id: 'n', type: 'nomination', options: [], maxNominations: 3, allowWriteIn: false, required: false, text: 'x' }] }, 'no options'],
    [
      'a nomination with both a fixed list and the meeting list',
      { questions: [{ id: 'n', type: 'nomination', options: [{ value: 'a', label: '甲' }], candidatesFromMeeting: true, maxNominations: 1, allowWriteIn: false, required: false, text: 'x' }] },
      'not both',
    ],
  ])('refuses %s', (_what, over, problem) => {
    expect(() => parseFormTemplate(base(over as Partial<FormTemplate>), 't')).toThrow(FormTemplateError);
    expect(() => parseFormTemplate(base(over as Partial<FormTemplate>), 't')).toThrow(problem);
  });

  it('refuses an id that does not match the file name, and unknown properties', () => {
    expect(() => parseFormTemplate(base(), 'g.json', 'g')).toThrow('must match the file name');
    expect(() => parseFormTemplate({ ...(base() as object), extra: 1 }, 't')).toThrow(FormTemplateError);
  });
});

describe('questionsForMeeting and nominationOptions', () => {
  const form = parseFormTemplate(
    base({
      questions: [
        { id: 'q', type: 'graded', scale: 's', subjects: ['person'], required: true, text: '成员' },
        { id: 'n', type: 'nomination', options: [], candidatesFromMeeting: true, maxNominations: 2, allowWriteIn: false, required: false, text: '推荐' },
      ] as FormTemplate['questions'],
    }),
    't',
  );
  it('drops items with nobody to ask about, and lists the meeting candidates as nomination options', () => {
    expect(questionsForMeeting(form, [])).toEqual([]);
    const subjects = [
      { id: 'p1', name: '张三', kind: 'person' as const },
      { id: 'c1', name: '李四', kind: 'candidate' as const, title: '村委委员' },
    ];
    expect(questionsForMeeting(form, subjects).map((q) => q.id)).toEqual(['q', 'n']);
    const n = form.questions[1]!;
    if (n.type !== 'nomination') throw new Error('nomination expected');
    expect(nominationOptions(n, subjects)).toEqual([{ value: 'c1', label: '李四（村委委员）' }]);
  });
});

describe('allowedGradeCount (seed 004_9ba8455c36f7d67d.txt: 优秀 at most 20%)', () => {
  const rule: ValidityRule = { id: 'r', type: 'maxGradeShare', questions: ['q'], grade: 'excellent', maxShare: 0.2, minAllowed: 1, policy: 'refuse', message: 'm' };
  it.each([
    [3, 1], // floor(0.6) = 0, raised to minAllowed 1
    [5, 1],
    [7, 1], // floor(1.4): rounded down, so the 20% is never exceeded
    [10, 2], // 0.2 × 10 is 2 despite floating point
    [15, 3],
  ])('%i cadres: at most %i 优秀 per ballot', (n, allowed) => {
    expect(allowedGradeCount(rule, n)).toBe(allowed);
  });
  it('without minAllowed, a unit of fewer than five allows none', () => {
    expect(allowedGradeCount({ ...rule, minAllowed: undefined }, 4)).toBe(0);
  });
});

describe('what users read in forms/*.json and forms/schemes/*.json', () => {
  // Keys whose values are codes or source references for the code: never shown to users.
  const INTERNAL = new Set(['$schema', 'id', 'seed', 'quote', 'key', 'value', 'scale', 'subjects', 'questions', 'formula', 'grading', 'type', 'policy', 'code', 'minimumBasis', 'fact', 'values', 'per', 'maxGrade', 'teamGrade']);
  const CODE = /\d{3}_[0-9a-f]{16}\.txt|\b00[0-4]\b|\b00[0-4]-[a-z0-9-]+|party-building-|cadres-004|\/api\//;
  function texts(x: unknown, path: string, out: Array<[string, string]>): Array<[string, string]> {
    if (Array.isArray(x)) x.forEach((v, i) => texts(v, `${path}[${i}]`, out));
    else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) if (!INTERNAL.has(k)) texts(v, `${path}.${k}`, out);
    else if (typeof x === 'string') out.push([path, x]);
    return out;
  }
  const files = [
    ...readdirSync(formsFolder).filter((f) => f.endsWith('.json') && f !== 'form.schema.json'),
    ...readdirSync(join(formsFolder, 'schemes')).map((f) => `schemes/${f}`),
  ];

  it('names no seed file, seed number, rule id or scheme id (documents are named by their titles)', () => {
    const found = files.flatMap((f) => texts(JSON.parse(readFileSync(join(formsFolder, f), 'utf8')), f, []).filter(([, v]) => CODE.test(v)));
    expect(found).toEqual([]);
    // The test can fail: the text voters used to read.
    expect(CODE.test('（与 002 述职评议的分值一致）')).toBe(true);
  });
});
