// Checking a ballot against the forms of its meeting. Pure: decides from the data it is given.
import {
  allowedGradeCount,
  gradeChoices,
  nominationOptions,
  questionsForMeeting,
  subjectsFor,
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
    return Object.keys(v).length === 0;
  }
  return false;
}

/**
 * Checks one answer; returns the normalised answer (or undefined when blank) and pushes problems.
 * `partial` allows a graded-about-subjects answer to leave some subjects blank (paper ballots).
 */
function checkAnswer(
  form: FormTemplate,
  q: Question,
  raw: unknown,
  subjects: readonly SubjectRef[],
  problems: BallotProblem[],
  missing: BallotProblem[],
  partial: boolean,
): unknown {
  const at = { formId: form.id, questionId: q.id };
  const blank = isBlank(raw);
  if (blank) {
    if (q.required) missing.push({ ...at, message: `请回答：${q.text}` });
    return undefined;
  }
  switch (q.type) {
    case 'graded': {
      const allowed = new Set(gradeChoices(form, q).map((g) => g.value));
      if (!q.subjects) {
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
      const rated = subjectsFor(q, subjects);
      const ratedIds = new Set(rated.map((s) => s.id));
      const out: Record<string, string> = {};
      for (const [subjectId, grade] of Object.entries(raw)) {
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
      }
      for (const s of rated) {
        if (out[s.id] === undefined && q.required && !partial) missing.push({ ...at, subjectId: s.id, message: `请评价：${s.name}（${q.text}）` });
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    case 'single': {
      if (typeof raw !== 'string' || !q.options.some((o) => o.value === raw)) {
        problems.push({ ...at, message: `“${q.text}”的选项无效` });
        return undefined;
      }
      return raw;
    }
    case 'multiple': {
      if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string' || !q.options.some((o) => o.value === v))) {
        problems.push({ ...at, message: `“${q.text}”的选项无效` });
        return undefined;
      }
      const unique = [...new Set(raw as string[])];
      if (q.maxChoices !== undefined && unique.length > q.maxChoices) {
        problems.push({ ...at, message: `“${q.text}”最多选择 ${q.maxChoices} 项` });
        return undefined;
      }
      return unique;
    }
    case 'text': {
      if (typeof raw !== 'string') {
        problems.push({ ...at, message: `“${q.text}”应为文字` });
        return undefined;
      }
      if ([...raw].length > q.maxLength) {
        problems.push({ ...at, message: `“${q.text}”最多 ${q.maxLength} 字` });
        return undefined;
      }
      return raw.trim();
    }
    case 'nomination': {
      if (!isPlainObject(raw)) {
        problems.push({ ...at, message: `“${q.text}”的推荐格式无效` });
        return undefined;
      }
      const options = raw.options ?? [];
      const writeIns = raw.writeIns ?? [];
      const list = nominationOptions(q, subjects);
      const listed = new Set(list.map((o) => o.value));
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
      const byLabel = new Map(list.map((o) => [o.label.replace(/\s+/g, ''), o.value]));
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
      if (names.length > 0 && !q.allowWriteIn) {
        problems.push({ ...at, message: `“${q.text}”不允许另行推荐` });
        return undefined;
      }
      const chosen = [...chosenSet];
      if (chosen.length + names.length > q.maxNominations) {
        problems.push({ ...at, message: `“${q.text}”最多推荐 ${q.maxNominations} 人` });
        return undefined;
      }
      return { options: chosen, writeIns: names };
    }
  }
}

/** Rule breaches of one form's normalised answers. */
export function ruleBreaches(form: FormTemplate, answers: Record<string, unknown>, subjects: readonly SubjectRef[]): RuleBreach[] {
  const breaches: RuleBreach[] = [];
  for (const rule of form.rules ?? []) {
    for (const qid of rule.questions) {
      const q = form.questions.find((x) => x.id === qid);
      if (!q || q.type !== 'graded') continue;
      const rated = subjectsFor(q, subjects);
      const answer = answers[qid];
      if (!isPlainObject(answer)) continue;
      const given = Object.values(answer).filter((g) => g === rule.grade).length;
      const allowed = allowedGradeCount(rule, rated.length);
      if (given > allowed) {
        breaches.push({ ruleId: rule.id, formId: form.id, policy: rule.policy, message: `${rule.message}（本票 ${given} 人，最多 ${allowed} 人）` });
        break;
      }
    }
  }
  return breaches;
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
  const formIds = new Set(meeting.forms.map((f) => f.id));
  for (const key of Object.keys(raw)) {
    if (!formIds.has(key)) problems.push({ formId: key, message: '选票中有本次测评未使用的表' });
  }
  const answers: BallotAnswers = {};
  const breaches: RuleBreach[] = [];
  for (const form of meeting.forms) {
    const given = raw[form.id];
    if (given !== undefined && !isPlainObject(given)) {
      problems.push({ formId: form.id, message: `“${form.title}”的答案格式无效` });
      continue;
    }
    const formAnswers = (given ?? {}) as Record<string, unknown>;
    const questions = questionsForMeeting(form, meeting.subjects);
    const known = new Set(questions.map((q) => q.id));
    for (const key of Object.keys(formAnswers)) {
      if (!known.has(key)) problems.push({ formId: form.id, questionId: key, message: `“${form.title}”中有未知的题目` });
    }
    const out: Record<string, unknown> = {};
    for (const q of questions) {
      const value = checkAnswer(form, q, formAnswers[q.id], meeting.subjects, problems, missing, source === 'paper');
      if (value !== undefined) out[q.id] = value;
    }
    answers[form.id] = out;
    breaches.push(...ruleBreaches(form, out, meeting.subjects));
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
