// Tallying the ballots of a meeting. Pure: one pass over the ballots, no I/O.
import { gradeChoices, questionsForMeeting, subjectsFor, type FormTemplate, type GradedQuestion, type SubjectRef } from './forms.js';
import type { BallotAnswers } from './ballot.js';

export interface CategoryDef {
  key: string;
  label: string;
  weight: number;
}

export interface TallyBallot {
  category: string | null;
  valid: boolean;
  answers: BallotAnswers;
}

/** Fewer respondents than this in a category and no breakdown by category is shown (DOMAIN.md, "Anonymity"). */
export const BREAKDOWN_THRESHOLD = 5;

export interface Flag {
  code: string;
  message: string;
}

export interface GradeStats {
  /** Answers counted (grades and 不了解). */
  answered: number;
  counts: Record<string, number>;
  shares: Record<string, number>;
  /** Mean points over answers with points (不了解 excluded); null when there are none. */
  meanPoints: number | null;
  /** 好评率: the share of favourable grades (好 + 较好) among answers with points. */
  favourableRate: number | null;
}

export interface CategoryStats extends GradeStats {
  category: string;
}

export interface SubjectResult extends GradeStats {
  subjectId: string;
  name: string;
  /** Σ weight × category mean over the non-empty categories, divided by their total weight. */
  weightedMeanPoints: number | null;
  byCategory?: CategoryStats[];
  flags: Flag[];
}

export interface QuestionResult {
  questionId: string;
  type: string;
  text: string;
  /** Graded about subjects: one entry per subject. */
  subjects?: SubjectResult[];
  /** Graded without subjects, single, multiple, nomination: counts per value. */
  counts?: Record<string, number>;
  meanPoints?: number | null;
  weightedMeanPoints?: number | null;
  favourableRate?: number | null;
  /** Nomination write-ins, name → count. */
  writeIns?: Record<string, number>;
  answered: number;
}

export interface FormResult {
  formId: string;
  title: string;
  questions: QuestionResult[];
}

export interface Tally {
  ballots: { cast: number; valid: number; invalid: number };
  byCategory: Array<{ key: string; label: string; weight: number; ballots: number }>;
  /** True when every non-empty category reaches BREAKDOWN_THRESHOLD, so breakdowns are shown. */
  breakdownShown: boolean;
  forms: FormResult[];
}

/** Counts per grade value, per category ('' for ballots without one). */
class GradeCounter {
  readonly byCategory = new Map<string, Map<string, number>>();
  add(category: string, grade: string): void {
    let m = this.byCategory.get(category);
    if (!m) this.byCategory.set(category, (m = new Map()));
    m.set(grade, (m.get(grade) ?? 0) + 1);
  }
}

function stats(form: FormTemplate, q: GradedQuestion, counters: Array<Map<string, number>>): GradeStats {
  const choices = gradeChoices(form, q);
  const favourable = new Set((form.scales[q.scale]?.grades ?? []).filter((g) => g.favourable).map((g) => g.value));
  const counts: Record<string, number> = {};
  for (const c of choices) counts[c.value] = 0;
  for (const m of counters) for (const [g, n] of m) counts[g] = (counts[g] ?? 0) + n;
  let answered = 0;
  let scored = 0;
  let points = 0;
  let fav = 0;
  for (const c of choices) {
    const n = counts[c.value] ?? 0;
    answered += n;
    if (c.points !== null) {
      scored += n;
      points += n * c.points;
      if (favourable.has(c.value)) fav += n;
    }
  }
  const shares: Record<string, number> = {};
  for (const c of choices) shares[c.value] = answered > 0 ? (counts[c.value] ?? 0) / answered : 0;
  return {
    answered,
    counts,
    shares,
    meanPoints: scored > 0 ? points / scored : null,
    favourableRate: scored > 0 && favourable.size > 0 ? fav / scored : null,
  };
}

/**
 * Weighted score over respondent categories (seed 002: 领导自评 40% + 民主评议 60%). A category with no
 * scored answer is left out and the remaining weights are scaled up to sum to one, so an empty category
 * neither drags the score to zero nor blocks it; the results say which categories were empty.
 */
export function weightedMean(parts: Array<{ weight: number; mean: number | null }>): number | null {
  let total = 0;
  let weightSum = 0;
  for (const p of parts) {
    if (p.mean === null || p.weight <= 0) continue;
    total += p.weight * p.mean;
    weightSum += p.weight;
  }
  return weightSum > 0 ? total / weightSum : null;
}

/** Tallies the valid ballots; invalid ones are counted, never dropped silently. */
export function tallyMeeting(input: {
  forms: readonly FormTemplate[];
  subjects: readonly SubjectRef[];
  categories: readonly CategoryDef[];
  ballots: Iterable<TallyBallot>;
}): Tally {
  const { forms, subjects, categories } = input;
  // counters[formId][questionId][subjectId or ''] for graded; choice counts per value for the others.
  const graded = new Map<string, GradeCounter>();
  const choice = new Map<string, Map<string, number>>();
  const writeIns = new Map<string, Map<string, number>>();
  const answeredCount = new Map<string, number>();
  const key = (f: string, q: string, s = '') => `${f}\u0000${q}\u0000${s}`;

  let cast = 0;
  let valid = 0;
  const perCategory = new Map<string, number>();
  for (const b of input.ballots) {
    cast++;
    if (!b.valid) continue;
    valid++;
    const cat = b.category ?? '';
    perCategory.set(cat, (perCategory.get(cat) ?? 0) + 1);
    for (const form of forms) {
      const fa = b.answers[form.id];
      if (!fa) continue;
      for (const q of form.questions) {
        const a = fa[q.id];
        if (a === undefined) continue;
        const qk = key(form.id, q.id);
        answeredCount.set(qk, (answeredCount.get(qk) ?? 0) + 1);
        if (q.type === 'graded') {
          if (typeof a === 'string') {
            let c = graded.get(qk);
            if (!c) graded.set(qk, (c = new GradeCounter()));
            c.add(cat, a);
          } else {
            for (const [sid, g] of Object.entries(a as Record<string, string>)) {
              const sk = key(form.id, q.id, sid);
              let c = graded.get(sk);
              if (!c) graded.set(sk, (c = new GradeCounter()));
              c.add(cat, g);
            }
          }
        } else if (q.type === 'single' || q.type === 'multiple' || q.type === 'nomination') {
          let m = choice.get(qk);
          if (!m) choice.set(qk, (m = new Map()));
          const values = q.type === 'single' ? [a as string] : q.type === 'multiple' ? (a as string[]) : (a as { options: string[] }).options;
          for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
          if (q.type === 'nomination') {
            let w = writeIns.get(qk);
            if (!w) writeIns.set(qk, (w = new Map()));
            for (const name of (a as { writeIns: string[] }).writeIns) w.set(name, (w.get(name) ?? 0) + 1);
          }
        }
      }
    }
  }

  const nonEmpty = categories.filter((c) => (perCategory.get(c.key) ?? 0) > 0);
  // Show category breakdowns only when every non-empty category is large enough: if one small category
  // were hidden while the others and the total were shown, it could be recovered by subtraction.
  const breakdownShown = categories.length > 1 && nonEmpty.length > 1 && nonEmpty.every((c) => (perCategory.get(c.key) ?? 0) >= BREAKDOWN_THRESHOLD);

  const gradedResult = (form: FormTemplate, q: GradedQuestion, counter: GradeCounter | undefined) => {
    const all = counter ? [...counter.byCategory.values()] : [];
    const overall = stats(form, q, all);
    const perCat = categories.map((c) => ({ category: c.key, ...stats(form, q, counter?.byCategory.get(c.key) ? [counter.byCategory.get(c.key)!] : []) }));
    const weighted = categories.length > 0 ? weightedMean(categories.map((c, i) => ({ weight: c.weight, mean: perCat[i]!.meanPoints }))) : overall.meanPoints;
    return { overall, perCat, weighted };
  };

  const formResults: FormResult[] = forms.map((form) => ({
    formId: form.id,
    title: form.title,
    questions: questionsForMeeting(form, subjects).map((q): QuestionResult => {
      const qk = key(form.id, q.id);
      const base = { questionId: q.id, type: q.type, text: q.text, answered: answeredCount.get(qk) ?? 0 };
      if (q.type === 'graded') {
        if (!q.subjects) {
          const r = gradedResult(form, q, graded.get(qk));
          return { ...base, counts: r.overall.counts, meanPoints: r.overall.meanPoints, weightedMeanPoints: r.weighted, favourableRate: r.overall.favourableRate };
        }
        return {
          ...base,
          subjects: subjectsFor(q, subjects).map((s): SubjectResult => {
            const r = gradedResult(form, q, graded.get(key(form.id, q.id, s.id)));
            const flags: Flag[] = [];
            for (const f of form.flags ?? []) {
              if (!f.questions.includes(q.id) || r.overall.answered === 0) continue;
              const share = r.overall.shares[f.grade] ?? 0;
              if (share > f.moreThanShare + 1e-12) flags.push({ code: f.code, message: f.message });
            }
            return {
              subjectId: s.id,
              name: s.name,
              ...r.overall,
              weightedMeanPoints: r.weighted,
              ...(breakdownShown ? { byCategory: r.perCat.filter((c) => (perCategory.get(c.category) ?? 0) > 0) } : {}),
              flags,
            };
          }),
        };
      }
      if (q.type === 'text') return base;
      const counts: Record<string, number> = {};
      for (const o of q.options) counts[o.value] = choice.get(qk)?.get(o.value) ?? 0;
      if (q.type === 'nomination') return { ...base, counts, writeIns: Object.fromEntries(writeIns.get(qk) ?? []) };
      return { ...base, counts };
    }),
  }));

  return {
    ballots: { cast, valid, invalid: cast - valid },
    byCategory: categories.map((c) => ({ ...c, ballots: perCategory.get(c.key) ?? 0 })),
    breakdownShown,
    forms: formResults,
  };
}
