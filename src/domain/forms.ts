// The questionnaire template format (forms/*.json) and its semantic checks. Pure: no I/O here.
// The JSON Schema in forms/form.schema.json is generated from FormTemplateSchema (test/unit/forms.test.ts
// keeps the two in step), so editors can validate a template while it is being written.
import { Type, type Static } from 'typebox';
import * as Value from 'typebox/value';

/**
 * What a meeting evaluates: a party organisation, a leadership team, a person (team member, cadre), and the
 * candidates a nomination lists (后备干部人选, seed 003), who are never rated by a graded question.
 */
export const SUBJECT_KINDS = ['organisation', 'team', 'person', 'candidate'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'lower-case letters, digits and dashes' });

export const GradeSchema = Type.Object(
  {
    value: Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }),
    label: Type.String({ minLength: 1, maxLength: 20 }),
    /** Points on the form's point map (e.g. 好 100 / 较好 80 / 一般 60 / 差 40, seed 002). */
    points: Type.Number({ minimum: 0, maximum: 1000, description: '分值 (e.g. 好 100 / 较好 80 / 一般 60 / 差 40, seed 002)' }),
    /** Counts towards 好评率 (好 + 较好). */
    favourable: Type.Optional(Type.Boolean({ description: 'counts towards 好评率 (好 + 较好)' })),
  },
  { additionalProperties: false },
);

export const ScaleSchema = Type.Object(
  {
    label: Type.String({ minLength: 1 }),
    grades: Type.Array(GradeSchema, { minItems: 2, maxItems: 10 }),
    /**
     * Where the points come from, in words users read: a document's title where a seed gives them, else
     * "本地惯例". A meeting may set its own points (src/domain/settings.ts); this is then replaced.
     */
    pointsNote: Type.Optional(Type.String({ maxLength: 200, description: 'where the points come from, shown to users: a document title, or 本地惯例 where no seed gives them' })),
  },
  { additionalProperties: false },
);

const OptionSchema = Type.Object(
  { value: Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }), label: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

const Common = {
  id: Id,
  text: Type.String({ minLength: 1, maxLength: 500 }),
  /** A heading the voter page shows above the first question of a section. */
  section: Type.Optional(Type.String({ maxLength: 100 })),
  help: Type.Optional(Type.String({ maxLength: 500 })),
  required: Type.Boolean(),
};

export const GradedQuestionSchema = Type.Object(
  {
    ...Common,
    type: Type.Literal('graded'),
    /** The id of a scale in the form's `scales`. */
    scale: Id,
    /**
     * When present, the question is asked about each meeting subject of these kinds and the answer is
     * {<subjectId>: <grade value>}; when absent, the answer is one grade value.
     */
    subjects: Type.Optional(
      Type.Array(Type.Union([Type.Literal('organisation'), Type.Literal('team'), Type.Literal('person')]), {
        minItems: 1,
        uniqueItems: true,
        description: 'ask about each meeting subject of these kinds; the answer is {subjectId: grade}',
      }),
    ),
    /** Offers "不了解" (value `unknown`), which is counted but excluded from means. */
    allowUnknown: Type.Optional(Type.Boolean({ description: 'offer 不了解 (value "unknown"): counted, excluded from means and 好评率' })),
  },
  { additionalProperties: false },
);

export const ChoiceQuestionSchema = Type.Object(
  {
    ...Common,
    type: Type.Union([Type.Literal('single'), Type.Literal('multiple')]),
    options: Type.Array(OptionSchema, { minItems: 2, maxItems: 50 }),
    /** For `multiple`: the most options a voter may tick. */
    maxChoices: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const TextQuestionSchema = Type.Object(
  { ...Common, type: Type.Literal('text'), maxLength: Type.Integer({ minimum: 1, maximum: 5000 }) },
  { additionalProperties: false },
);

/**
 * 后备干部人选推荐 (seed 003: "后备干部人选推荐情况"): pick up to `maxNominations` people from a list, or write
 * names in. The list is either `options` (fixed in the template) or, with `candidatesFromMeeting`, the
 * meeting's subjects of kind `candidate` (the list varies per meeting, so it is given with the meeting).
 */
export const NominationQuestionSchema = Type.Object(
  {
    ...Common,
    type: Type.Literal('nomination'),
    options: Type.Array(OptionSchema, { maxItems: 200 }),
    candidatesFromMeeting: Type.Optional(Type.Boolean({ description: "list the meeting's subjects of kind 'candidate' (options must then be empty)" })),
    maxNominations: Type.Integer({ minimum: 1, maximum: 50 }),
    allowWriteIn: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const QuestionSchema = Type.Union([GradedQuestionSchema, ChoiceQuestionSchema, TextQuestionSchema, NominationQuestionSchema]);

/**
 * A ballot validity rule. `maxGradeShare`: on each question in `questions`, a ballot may give `grade` to at
 * most `maxShare` of the subjects the question lists (seed 004: "年度考核测评需严格按照优秀20%比例要求开展测评").
 * The allowed count is floor(maxShare × subjects listed), rounded down so the share is never exceeded, but at
 * least `minAllowed` (so that a unit with fewer than 1/maxShare cadres can still rate one 优秀). The
 * denominator is the subjects listed on the ballot, whether or not this ballot rated them all.
 * `policy`: `refuse` rejects a phone ballot at submission with `message`; `mark-invalid` stores it and
 * counts it as an invalid ballot. Paper ballots are always recorded as written, so a breach marks them invalid.
 */
export const RuleSchema = Type.Object(
  {
    id: Id,
    type: Type.Literal('maxGradeShare'),
    questions: Type.Array(Id, { minItems: 1 }),
    grade: Type.String(),
    maxShare: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'allowed = max(minAllowed, floor(maxShare × subjects listed))' }),
    minAllowed: Type.Optional(Type.Integer({ minimum: 0 })),
    policy: Type.Union([Type.Literal('refuse'), Type.Literal('mark-invalid')]),
    message: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/**
 * A warning shown on a subject's result (never a verdict): e.g. more than one third 不称职. Raised when
 * count(grade) > moreThanShare × answers for the subject (answers include 不了解); write one third as
 * 0.3333333333333333 and 3 of 9 does not raise it, 4 of 9 does.
 */
export const FlagRuleSchema = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Z0-9_]{1,64}$' }),
    questions: Type.Array(Id, { minItems: 1 }),
    grade: Type.String(),
    moreThanShare: Type.Number({ minimum: 0, maximum: 1, description: 'raised when count(grade) > moreThanShare × answers (不了解 included)' }),
    message: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const FormTemplateSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    id: Id,
    title: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** The seed document the instrument comes from, e.g. "003_43142c8fa1f20547.txt", and the passage. */
    source: Type.Object({ seed: Type.String(), quote: Type.String() }, { additionalProperties: false }),
    scales: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), ScaleSchema),
    questions: Type.Array(QuestionSchema, { minItems: 1, maxItems: 200 }),
    rules: Type.Optional(Type.Array(RuleSchema)),
    flags: Type.Optional(Type.Array(FlagRuleSchema)),
    /**
     * The one scale a score taken from this form averages over (a unit's 民主测评, for example). Items on other
     * scales are shown, never mixed into that score. Absent: the scale of the first graded item.
     */
    scoreScale: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'the one scale a score from this form averages over; absent: the first graded item\'s' })),
    /**
     * Which minimum-respondents rule of the seeds the instrument falls under (see minimumRespondents in
     * src/domain/turnout.ts): `village-community` (seed 003: 村 70, 社区 40, 部门站所 all staff),
     * `staff-questionnaire` (seed 000: the randomly drawn 机关干部问卷, 县（区） 50, 市直单位 20), `attendees`
     * (seed 000: the 领导干部问卷 is answered by the report meeting's attendees, counted by the sign-in), or
     * absent: no seed sets a minimum for it.
     */
    minimumBasis: Type.Optional(
      Type.Union([Type.Literal('village-community'), Type.Literal('staff-questionnaire'), Type.Literal('attendees')], {
        description: 'the minimum-respondents rule of the instrument: village-community (村 70 / 社区 40 / 部门站所 all staff), staff-questionnaire (县 50 / 市直 20), attendees (the sign-in count); absent: none',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The JSON Schema of forms/*.json (forms/form.schema.json is this, written by `npm run forms:schema`). */
export function formJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://ceping.invalid/form.schema.json',
    title: 'Ceping questionnaire template (测评表)',
    description: 'Generated from FormTemplateSchema in src/domain/forms.ts; see docs/forms.md. Do not edit by hand.',
    ...(JSON.parse(JSON.stringify(FormTemplateSchema)) as Record<string, unknown>),
  };
}

export type Grade = Static<typeof GradeSchema>;
export type Scale = Static<typeof ScaleSchema>;
export type GradedQuestion = Static<typeof GradedQuestionSchema>;
export type ChoiceQuestion = Static<typeof ChoiceQuestionSchema>;
export type TextQuestion = Static<typeof TextQuestionSchema>;
export type NominationQuestion = Static<typeof NominationQuestionSchema>;
export type Question = Static<typeof QuestionSchema>;
export type ValidityRule = Static<typeof RuleSchema>;
export type FlagRule = Static<typeof FlagRuleSchema>;
export type FormTemplate = Static<typeof FormTemplateSchema>;

/** The "不了解" answer a graded question may allow; it has no points and is excluded from means. */
export const UNKNOWN_GRADE = { value: 'unknown', label: '不了解' } as const;

export class FormTemplateError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'FormTemplateError';
  }
}

/** Validates a parsed template: its shape against the schema, then the references between its parts. */
export function parseFormTemplate(raw: unknown, source: string, expectedId?: string): FormTemplate {
  if (!Value.Check(FormTemplateSchema, raw)) {
    const problems = Value.Errors(FormTemplateSchema, raw)
      .slice(0, 10)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new FormTemplateError(source, problems);
  }
  const form = raw as FormTemplate;
  const problems: string[] = [];
  if (expectedId !== undefined && form.id !== expectedId) problems.push(`id "${form.id}" must match the file name "${expectedId}"`);
  if (form.scoreScale !== undefined && !form.questions.some((q) => q.type === 'graded' && q.scale === form.scoreScale)) {
    problems.push(`scoreScale "${form.scoreScale}" is not the scale of any graded question`);
  }
  const ids = new Set<string>();
  for (const q of form.questions) {
    if (ids.has(q.id)) problems.push(`question id "${q.id}" is used twice`);
    ids.add(q.id);
    if (q.type === 'graded') {
      const scale = form.scales[q.scale];
      if (!scale) problems.push(`question "${q.id}" uses unknown scale "${q.scale}"`);
    }
    if (q.type === 'single' || q.type === 'multiple' || q.type === 'nomination') {
      const values = q.options.map((o) => o.value);
      if (new Set(values).size !== values.length) problems.push(`question "${q.id}" repeats an option value`);
    }
    if (q.type === 'multiple' && q.maxChoices !== undefined && q.maxChoices > q.options.length) {
      problems.push(`question "${q.id}" allows more choices than it has options`);
    }
    if (q.type === 'nomination' && q.options.length === 0 && !q.allowWriteIn && !q.candidatesFromMeeting) {
      problems.push(`nomination "${q.id}" has no options, no meeting candidates and does not allow write-ins`);
    }
    if (q.type === 'nomination' && q.options.length > 0 && q.candidatesFromMeeting) {
      problems.push(`nomination "${q.id}" takes its list either from options or from the meeting, not both`);
    }
  }
  for (const [scaleId, scale] of Object.entries(form.scales)) {
    const values = scale.grades.map((g) => g.value);
    if (new Set(values).size !== values.length) problems.push(`scale "${scaleId}" repeats a grade value`);
    if (values.includes(UNKNOWN_GRADE.value)) problems.push(`scale "${scaleId}" may not define "${UNKNOWN_GRADE.value}"; use allowUnknown`);
  }
  const checkGradeRefs = (what: string, questionIds: string[], grade: string) => {
    for (const qid of questionIds) {
      const q = form.questions.find((x) => x.id === qid);
      if (!q || q.type !== 'graded' || !q.subjects) {
        problems.push(`${what} refers to "${qid}", which is not a graded question about subjects`);
        continue;
      }
      if (!form.scales[q.scale]?.grades.some((g) => g.value === grade)) problems.push(`${what}: grade "${grade}" is not on the scale of "${qid}"`);
    }
  };
  for (const rule of form.rules ?? []) checkGradeRefs(`rule "${rule.id}"`, rule.questions, rule.grade);
  for (const flag of form.flags ?? []) checkGradeRefs(`flag "${flag.code}"`, flag.questions, flag.grade);
  if (problems.length > 0) throw new FormTemplateError(source, problems);
  return form;
}

export interface SubjectRef {
  id: string;
  name: string;
  kind: SubjectKind;
  title?: string | null;
}

/** The subjects a graded question asks about, in meeting order. */
export function subjectsFor(question: GradedQuestion, subjects: readonly SubjectRef[]): SubjectRef[] {
  if (!question.subjects) return [];
  const kinds: readonly string[] = question.subjects;
  return subjects.filter((s) => kinds.includes(s.kind));
}

/** The people a nomination lists: the template's options, or the meeting's candidates (value = subject id). */
export function nominationOptions(question: NominationQuestion, subjects: readonly SubjectRef[]): Array<{ value: string; label: string }> {
  if (!question.candidatesFromMeeting) return question.options;
  return subjects.filter((s) => s.kind === 'candidate').map((s) => ({ value: s.id, label: s.title ? `${s.name}（${s.title}）` : s.name }));
}

/**
 * The questions a meeting actually asks: a question about subjects is dropped when the meeting has no
 * subject of its kinds (a meeting without members skips the member items), and a nomination with neither a
 * list nor write-ins is dropped.
 */
export function questionsForMeeting(form: FormTemplate, subjects: readonly SubjectRef[]): Question[] {
  return form.questions.filter((q) => {
    if (q.type === 'graded') return !q.subjects || subjectsFor(q, subjects).length > 0;
    if (q.type === 'nomination') return q.allowWriteIn || nominationOptions(q, subjects).length > 0;
    return true;
  });
}

/** The grades a voter may pick on a graded question, including 不了解 where allowed. */
export function gradeChoices(form: FormTemplate, question: GradedQuestion): Array<{ value: string; label: string; points: number | null }> {
  const grades: Array<{ value: string; label: string; points: number | null }> = (form.scales[question.scale]?.grades ?? []).map((g) => ({
    value: g.value,
    label: g.label,
    points: g.points,
  }));
  if (question.allowUnknown) grades.push({ ...UNKNOWN_GRADE, points: null });
  return grades;
}

/** The most subjects a ballot may give `rule.grade` on one question with `subjectCount` subjects. */
export function allowedGradeCount(rule: ValidityRule, subjectCount: number): number {
  // Floor with a small epsilon so that 0.2 × 10 counts as 2, not 1.9999.
  return Math.max(rule.minAllowed ?? 0, Math.floor(rule.maxShare * subjectCount + 1e-9));
}

/** The scale a score from this form averages over (see `scoreScale`). */
export function scoreScaleOf(form: FormTemplate): string | null {
  return form.scoreScale ?? form.questions.find((q): q is GradedQuestion => q.type === 'graded')?.scale ?? null;
}
