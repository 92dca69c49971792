// Checking a ballot against the forms of its meeting. Pure: decides from the data it is given.
import {
  allowedGradeCount,
  gradeChoices,
  nominationOptions,
  questionsForMeeting,
  subjectsFor,
  type ChoiceQuestion,
  type FormTemplate,
  type Question,
  type SubjectRef,
} from './forms.js';

/** {formId: {questionId: answer}}. See `AnswerValue` for the shape of each answer. */
export type BallotAnswers = Record<string, Record<string, unknown>>;

/**
 * The shape of one answer, by question type:
 * - graded about subjects: {<subjectId>: <grade value>}; graded without subjects: <grade value>
 * - single: <option value>; multiple: <option value>[]; text: string
 * - nomination: {options: <option value>[], writeIns: string[]}
 */
export type AnswerValue = string | string[] | Record<string, string> | { options: string[]; writeIns: string[] };

export interface BallotProblem {
  formId: string;
  questionId?: string;
  subjectId?: string;
  message: string;
}

export interface RuleBreach {
  ruleId: string;
  formId: string;
  policy: 'refuse' | 'mark-invalid';
  message: string;
}

export type BallotSource = 'phone' | 'paper';

export type BallotDecision =
  | { kind: 'refuse'; problems: BallotProblem[] }
  | { kind: 'accept'; valid: boolean; answers: BallotAnswers; breaches: Array<Omit<RuleBreach, 'policy'>> };

export interface MeetingForms {
  forms: readonly FormTemplate[];
  subjects: readonly SubjectRef[];
}

/**
 * The longest name a voter may write in (characters). A person's name, with room for long transliterated
 * names; the ballot record keeps a fixed slot of this size per write-in (src/domain/ballot-record.ts).
 */
export const MAX_WRITE_IN = 20;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBlank(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) {
    if ('options' in v || 'writeIns' in v) {
      const o = v as { options?: unknown[]; writeIns?: unknown[] };
      return (o.options?.length ?? 0) + (o.writeIns?.filter((w) => typeof w === 'string' && w.trim() !== '').length ?? 0) === 0;
    }
    for (const k in v) if (Object.hasOwn(v, k)) return false;
    return true;
  }
  return false;
}

/**
 * What checking one question needs, worked out once per meeting (its forms and subjects) rather than per ballot:
 * the grades allowed, the subjects rated, the options listed. Built by `ballotCheck`.
 */
type QuestionPlan =
  | { type: 'graded'; q: Extract<Question, { type: 'graded' }>; allowed: ReadonlySet<string>; rated: readonly SubjectRef[] | null; ratedIds: ReadonlySet<string> }
  | { type: 'single' | 'multiple'; q: ChoiceQuestion; values: ReadonlySet<string> }
  | { type: 'text'; q: Extract<Question, { type: 'text' }> }
  | { type: 'nomination'; q: Extract<Question, { type: 'nomination' }>; listed: ReadonlySet<string>; byLabel: ReadonlyMap<string, string> };

/** A validity rule with, for each graded question it names, how many subjects may get its grade. */
interface RulePlan {
  rule: NonNullable<FormTemplate['rules']>[number];
  questions: Array<{ id: string; allowed: number }>;
}

interface FormPlan {
  form: FormTemplate;
  questions: QuestionPlan[];
  known: ReadonlySet<string>;
  rules: RulePlan[];
}

interface BallotCheck {
  formIds: ReadonlySet<string>;
  forms: FormPlan[];
}

function planQuestion(form: FormTemplate, q: Question, subjects: readonly SubjectRef[]): QuestionPlan {
  switch (q.type) {
    case 'graded': {
      const rated = q.subjects ? subjectsFor(q, subjects) : null;
      return { type: q.type, q, allowed: new Set(gradeChoices(form, q).map((g) => g.value)), rated, ratedIds: new Set((rated ?? []).map((s) => s.id)) };
    }
    case 'single':
    case 'multiple':
      return { type: q.type, q, values: new Set(q.options.map((o) => o.value)) };
    case 'text':
      return { type: q.type, q };
    case 'nomination': {
      const list = nominationOptions(q, subjects);
      return { type: q.type, q, listed: new Set(list.map((o) => o.value)), byLabel: new Map(list.map((o) => [o.label.replace(/\s+/g, ''), o.value])) };
    }
  }
}

function planForm(form: FormTemplate, subjects: readonly SubjectRef[]): FormPlan {
  const questions = questionsForMeeting(form, subjects);
  return { form, questions: questions.map((q) => planQuestion(form, q, subjects)), known: new Set(questions.map((q) => q.id)), rules: planRules(form, subjects) };
}

const checks = new WeakMap<MeetingForms, BallotCheck>();

/**
 * The plan `decideBallot` checks ballots against, kept per `MeetingForms` object: a caller that passes the same
 * object for every ballot of a meeting version (ballots.usecases.ts) has it built once.
 */
function ballotCheck(meeting: MeetingForms): BallotCheck {
  let check = checks.get(meeting);
  if (!check) {
    check = { formIds: new Set(meeting.forms.map((f) => f.id)), forms: meeting.forms.map((f) => planForm(f, meeting.subjects)) };
    checks.set(meeting, check);
  }
  return check;
}

/**
 * Checks one answer; returns the normalised answer (or undefined when blank) and pushes problems.
 * `partial` allows a graded-about-subjects answer to leave some subjects blank (paper ballots).
 */
function checkAnswer(form: FormTemplate, plan: QuestionPlan, raw: unknown, problems: BallotProblem[], missing: BallotProblem[], partial: boolean): unknown {
  const q = plan.q;
  if (isBlank(raw)) {
    if (q.required) missing.push({ formId: form.id, questionId: q.id, message: `请回答：${q.text}` });
    return undefined;
  }
  const at = { formId: form.id, questionId: q.id };
  switch (plan.type) {
    case 'graded': {
      const { allowed, rated, ratedIds } = plan;
      if (!rated) {
        if (typeof raw !== 'string' || !allowed.has(raw)) {
          problems.push({ ...at, message: `“${q.text}”的选项无效` });
          return undefined;
        }
        return raw;
      }
      if (!isPlainObject(raw)) {
        problems.push({ ...at, message: `“${q.text}”应为对每个测评对象的评价` });
        return undefined;
      }
      const out: Record<string, string> = {};
      let given = 0;
      for (const subjectId in raw) {
        if (!Object.hasOwn(raw, subjectId)) continue;
        const grade = raw[subjectId];
        if (!ratedIds.has(subjectId)) {
          problems.push({ ...at, subjectId, message: `“${q.text}”中有未知的测评对象` });
          continue;
        }
        if (grade === null || grade === undefined || grade === '') continue;
        if (typeof grade !== 'string' || !allowed.has(grade)) {
          problems.push({ ...at, subjectId, message: `“${q.text}”中有不在评价等次内的选项` });
          continue;
        }
        out[subjectId] = grade;
        given++;
      }
      if (q.required && !partial && given < rated.length) {
        for (const s of rated) if (out[s.id] === undefined) missing.push({ ...at, subjectId: s.id, message: `请评价：${s.name}（${q.text}）` });
      }
      return given > 0 ? out : undefined;
    }
    case 'single': {
      if (typeof raw !== 'string' || !plan.values.has(raw)) {
        problems.push({ ...at, message: `“${q.text}”的选项无效` });
        return undefined;
      }
      return raw;
    }
    case 'multiple': {
      const { values } = plan;
      const max = plan.q.maxChoices;
      if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string' || !values.has(v))) {
        problems.push({ ...at, message: `“${q.text}”的选项无效` });
        return undefined;
      }
      const unique = [...new Set(raw as string[])];
      if (max !== undefined && unique.length > max) {
        problems.push({ ...at, message: `“${q.text}”最多选择 ${max} 项` });
        return undefined;
      }
      return unique;
    }
    case 'text': {
      const maxLength = plan.q.maxLength;
      if (typeof raw !== 'string') {
        problems.push({ ...at, message: `“${q.text}”应为文字` });
        return undefined;
      }
      if ([...raw].length > maxLength) {
        problems.push({ ...at, message: `“${q.text}”最多 ${maxLength} 字` });
        return undefined;
      }
      return raw.trim();
    }
    case 'nomination': {
      const { q: nq, listed, byLabel } = plan;
      if (!isPlainObject(raw)) {
        problems.push({ ...at, message: `“${q.text}”的推荐格式无效` });
        return undefined;
      }
      const options = raw.options ?? [];
      const writeIns = raw.writeIns ?? [];
      if (!Array.isArray(options) || options.some((v) => typeof v !== 'string' || !listed.has(v))) {
        problems.push({ ...at, message: `“${q.text}”中有不在名单内的人选` });
        return undefined;
      }
      if (!Array.isArray(writeIns) || writeIns.some((w) => typeof w !== 'string' || [...w].length > MAX_WRITE_IN)) {
        problems.push({ ...at, message: `“${q.text}”的另行推荐人选无效（每人不超过 ${MAX_WRITE_IN} 字）` });
        return undefined;
      }
      // A name written in twice counts once, and a written-in name that is on the list counts for that person,
      // so that nobody gets two votes from one ballot. Whitespace is collapsed so "张 三" and "张三 " agree.
      const chosenSet = new Set(options as string[]);
      const nameSet = new Set<string>();
      for (const w of writeIns as string[]) {
        const name = w.replace(/\s+/g, '');
        if (name === '') continue;
        const listedAs = byLabel.get(name);
        if (listedAs !== undefined) chosenSet.add(listedAs);
        else nameSet.add(name);
      }
      const names = [...nameSet];
      if (names.length > 0 && !nq.allowWriteIn) {
        problems.push({ ...at, message: `“${q.text}”不允许另行推荐` });
        return undefined;
      }
      const chosen = [...chosenSet];
      if (chosen.length + names.length > nq.maxNominations) {
        problems.push({ ...at, message: `“${q.text}”最多推荐 ${nq.maxNominations} 人` });
        return undefined;
      }
      return { options: chosen, writeIns: names };
    }
  }
}

/** A form's rules with the allowance of each graded question they name (how many subjects may get the grade). */
function planRules(form: FormTemplate, subjects: readonly SubjectRef[]): RulePlan[] {
  return (form.rules ?? []).map((rule) => ({
    rule,
    questions: rule.questions.flatMap((id) => {
      const q = form.questions.find((x) => x.id === id);
      return q && q.type === 'graded' ? [{ id, allowed: allowedGradeCount(rule, subjectsFor(q, subjects).length) }] : [];
    }),
  }));
}

function breachesOf(formId: string, rules: readonly RulePlan[], answers: Record<string, unknown>): RuleBreach[] {
  const breaches: RuleBreach[] = [];
  for (const { rule, questions } of rules) {
    for (const { id, allowed } of questions) {
      const answer = answers[id];
      if (!isPlainObject(answer)) continue;
      let given = 0;
      for (const k in answer) if (answer[k] === rule.grade) given++;
      if (given > allowed) {
        breaches.push({ ruleId: rule.id, formId, policy: rule.policy, message: `${rule.message}（本票 ${given} 人，最多 ${allowed} 人）` });
        break;
      }
    }
  }
  return breaches;
}

/** Rule breaches of one form's normalised answers. */
export function ruleBreaches(form: FormTemplate, answers: Record<string, unknown>, subjects: readonly SubjectRef[]): RuleBreach[] {
  return breachesOf(form.id, planRules(form, subjects), answers);
}

/**
 * Decides what happens to a submitted ballot.
 * - Anything that cannot be recorded (unknown forms, questions, subjects, values) refuses the ballot.
 * - Phone ballots must answer every required item; a breach of a `refuse` rule refuses them, a breach of a
 *   `mark-invalid` rule stores them as invalid.
 * - Paper ballots are recorded as written (DOMAIN.md, "Paper still matters"): blanks stay blank and any
 *   rule breach marks the ballot invalid instead of refusing it.
 */
export function decideBallot(meeting: MeetingForms, raw: unknown, source: BallotSource): BallotDecision {
  const problems: BallotProblem[] = [];
  const missing: BallotProblem[] = [];
  if (!isPlainObject(raw)) return { kind: 'refuse', problems: [{ formId: '', message: '选票格式无效' }] };
  const check = ballotCheck(meeting);
  for (const key of Object.keys(raw)) {
    if (!check.formIds.has(key)) problems.push({ formId: key, message: '选票中有本次测评未使用的表' });
  }
  const answers: BallotAnswers = {};
  const breaches: RuleBreach[] = [];
  for (const formPlan of check.forms) {
    const { form } = formPlan;
    const given = raw[form.id];
    if (given !== undefined && !isPlainObject(given)) {
      problems.push({ formId: form.id, message: `“${form.title}”的答案格式无效` });
      continue;
    }
    const formAnswers = (given ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(formAnswers)) {
      if (!formPlan.known.has(key)) problems.push({ formId: form.id, questionId: key, message: `“${form.title}”中有未知的题目` });
    }
    const out: Record<string, unknown> = {};
    for (const plan of formPlan.questions) {
      const id = plan.q.id;
      const value = checkAnswer(form, plan, Object.hasOwn(formAnswers, id) ? formAnswers[id] : undefined, problems, missing, source === 'paper');
      if (value !== undefined) out[id] = value;
    }
    answers[form.id] = out;
    for (const b of breachesOf(form.id, formPlan.rules, out)) breaches.push(b);
  }
  if (problems.length > 0) return { kind: 'refuse', problems };
  if (source === 'phone') {
    if (missing.length > 0) return { kind: 'refuse', problems: missing };
    const refusing = breaches.filter((b) => b.policy === 'refuse');
    if (refusing.length > 0) return { kind: 'refuse', problems: refusing.map((b) => ({ formId: b.formId, message: b.message })) };
  }
  return {
    kind: 'accept',
    valid: breaches.length === 0,
    answers,
    breaches: breaches.map(({ ruleId, formId, message }) => ({ ruleId, formId, message })),
  };
}
