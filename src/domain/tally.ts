// Tallying the ballots of a meeting. Pure: one pass over the ballots, no I/O.
import { MIN_GROUP_SIZE } from './group-size.js';
import { gradeChoices, nominationOptions, questionsForMeeting, scoreScaleOf, subjectsFor, type FormTemplate, type GradedQuestion, type SubjectRef } from './forms.js';
import type { BallotAnswers } from './ballot.js';
import { BallotRecordError, type BallotLayout, type RecordCounts } from './ballot-record.js';

export interface CategoryDef {
  key: string;
  label: string;
  weight: number;
}

export interface TallyBallot {
  category: string | null;
  valid: boolean;
  answers: BallotAnswers;
  /** Why an invalid ballot is invalid (the rules it breaks), as recorded when it was cast. */
  breaches?: ReadonlyArray<{ ruleId: string; formId: string }>;
}

/** Fewer respondents than this in a category and no breakdown by category is shown (DOMAIN.md, "Anonymity"). */
export const BREAKDOWN_THRESHOLD = MIN_GROUP_SIZE;

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
  /**
   * Σ weight × category mean over the categories with a scored answer, divided by their total weight; the
   * plain mean when the meeting has no categories; null only when no ballot graded the subject.
   */
  weightedMeanPoints: number | null;
  byCategory?: CategoryStats[];
  flags: Flag[];
}

export interface QuestionResult {
  questionId: string;
  type: string;
  text: string;
  /** Graded: the scale the points come from. */
  scale?: string;
  /** Graded about subjects: one entry per subject. */
  subjects?: SubjectResult[];
  /** Graded without subjects, single, multiple, nomination: counts per value. */
  counts?: Record<string, number>;
  meanPoints?: number | null;
  weightedMeanPoints?: number | null;
  favourableRate?: number | null;
  /** Nomination write-ins, name → count. */
  writeIns?: Record<string, number>;
  /**
   * Nominations: every person nominated, listed or written in, most votes first. A written-in name that is a
   * listed person's name counts for that person, and one ballot gives a person at most one vote.
   */
  nominees?: Nominee[];
  answered: number;
}

/**
 * One person's nominations. 得票率 is against the valid ballots (seed 003_43142c8fa1f20547.txt asks the report for
 * "测评票数及得票情况、后备干部人选推荐情况"): 9 of 10 ballots is 90 %, whatever the others received.
 */
export interface Nominee {
  name: string;
  /** The listed option's value; null for a written-in name. */
  value: string | null;
  writeIn: boolean;
  votes: number;
  /** votes ÷ valid ballots; null when there is no valid ballot. */
  rate: number | null;
}

/** A name as written, for grouping: full-width forms folded (NFKC) and all whitespace removed. */
export const nomineeKey = (name: string) => name.normalize('NFKC').replace(/\s+/g, '');

export interface FormResult {
  formId: string;
  title: string;
  /** The one scale a score from this form averages over (see FormTemplate.scoreScale). */
  scoreScale?: string | null;
  questions: QuestionResult[];
}

export interface Tally {
  ballots: { cast: number; valid: number; invalid: number };
  /** Invalid ballots by the rule they break (a ballot breaking two rules counts under each). */
  invalidReasons: Array<{ formId: string; ruleId: string; message: string; ballots: number }>;
  /** Valid ballots per category. Ballots from slips issued without a category count in `uncategorised`. */
  byCategory: Array<{ key: string; label: string; weight: number; ballots: number }>;
  uncategorised: number;
  /** True when there are two or more non-empty groups and every one reaches BREAKDOWN_THRESHOLD. */
  breakdownShown: boolean;
  /**
   * Always false: the weighted mean is computed and shown for every graded item (seed 002_ef31b3aa8f1f181a.txt
   * defines 民主测评 as the weighted sum, "领导自评和民主评议分别按 40%和 60%的权重，汇总得出民主测评结果"). Kept so
   * that existing readers of the results keep working.
   */
  weightedWithheld: boolean;
  /**
   * True when a respondent group below BREAKDOWN_THRESHOLD answered beside another group. Then only the
   * weighted mean of each graded item is shown: the per-grade counts, shares, plain mean and 好评率 of the
   * pooled ballots are withheld (empty counts, null figures), because the pooled mean and the weighted mean are
   * two equations in the two groups' means and the small group's mean would follow. `notes` says so in words.
   */
  pooledWithheld: boolean;
  /** Notes for every view of the tally, e.g. why weighted means or the breakdown are not shown. */
  notes: Flag[];
  forms: FormResult[];
}

/** What a graded item shows in place of the pooled figures when they are withheld (see `Tally.pooledWithheld`). */
const withheld = (): Omit<GradeStats, 'answered'> => ({ counts: {}, shares: {}, meanPoints: null, favourableRate: null });

/** Counts per grade value, per category ('' for ballots without one). */
export class GradeCounter {
  readonly byCategory = new Map<string, Map<string, number>>();
  add(category: string, grade: string): void {
    this.addCount(category, grade, 1);
  }
  addCount(category: string, grade: string, n: number): void {
    let m = this.byCategory.get(category);
    if (!m) this.byCategory.set(category, (m = new Map()));
    m.set(grade, (m.get(grade) ?? 0) + n);
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
 * The weights in force: a category with no scored answer (no ballot, or only 不了解) is left out and the
 * remaining weights are scaled up to sum to one. Returns one weight per part (0 for those left out).
 */
export function effectiveWeights(parts: ReadonlyArray<{ weight: number; mean: number | null }>): number[] {
  const sum = parts.reduce((a, p) => a + (p.mean !== null && p.weight > 0 ? p.weight : 0), 0);
  return parts.map((p) => (sum > 0 && p.mean !== null && p.weight > 0 ? p.weight / sum : 0));
}

/**
 * Weighted score over respondent categories (seed 002_ef31b3aa8f1f181a.txt: "领导自评和民主评议分别按 40%和
 * 60%的权重"). An empty category neither drags the score to zero nor blocks it: its weight goes to the others in
 * proportion (see effectiveWeights); with every category empty the score is null.
 */
export function weightedMean(parts: ReadonlyArray<{ weight: number; mean: number | null }>): number | null {
  const w = effectiveWeights(parts);
  if (w.every((x) => x === 0)) return null;
  return parts.reduce((a, p, i) => a + (w[i]! > 0 ? w[i]! * p.mean! : 0), 0);
}

/** Counter keys: form, question and (for graded questions about subjects) subject. */
const counterKey = (f: string, q: string, s = '') => `${f}\u0000${q}\u0000${s}`;

/**
 * What the tally counts before any result is derived from it; built from stored JSON answers (countBallots) or
 * from ballot records (countersFromRecords). Keys are counterKey(form, question[, subject]); categories are
 * category keys ('' for ballots without one).
 */
export interface TallyCounters {
  cast: number;
  valid: number;
  /** Valid ballots per category key. */
  perCategory: Map<string, number>;
  /** Invalid ballots per (formId, ruleId) of the rule they break; ('', '') when they name none. */
  invalidBy: Map<string, { formId: string; ruleId: string; ballots: number }>;
  graded: Map<string, GradeCounter>;
  choice: Map<string, Map<string, number>>;
  writeIns: Map<string, Map<string, number>>;
  answeredCount: Map<string, number>;
}

/** Counts ballots with their answers as JSON (decideBallot's shape). */
export function countBallots(forms: readonly FormTemplate[], ballots: Iterable<TallyBallot>): TallyCounters {
  // counters[formId][questionId][subjectId or ''] for graded; choice counts per value for the others.
  const graded = new Map<string, GradeCounter>();
  const choice = new Map<string, Map<string, number>>();
  const writeIns = new Map<string, Map<string, number>>();
  const answeredCount = new Map<string, number>();
  const key = counterKey;
  // The loop below runs once per answer of every ballot (about 100 per village ballot): it builds no key
  // strings. Building and hashing one per answer was most of the tally's time (bench/tally.ts).
  const questionKeys = forms.map((form) => form.questions.map((q) => key(form.id, q.id)));
  // Per question, subject id → its counter in `graded` (found or created there on first sight).
  const subjectCounters = forms.map((form) => form.questions.map(() => new Map<string, GradeCounter>()));
  const subjectCounter = (form: FormTemplate, q: GradedQuestion, bySubject: Map<string, GradeCounter>, sid: string): GradeCounter => {
    const sk = key(form.id, q.id, sid);
    let c = graded.get(sk);
    if (!c) graded.set(sk, (c = new GradeCounter()));
    bySubject.set(sid, c);
    return c;
  };

  let cast = 0;
  let valid = 0;
  const perCategory = new Map<string, number>();
  const invalidBy = new Map<string, { formId: string; ruleId: string; ballots: number }>();
  for (const b of ballots) {
    cast++;
    if (!b.valid) {
      const seen = new Set<string>();
      for (const x of b.breaches?.length ? b.breaches : [{ formId: '', ruleId: '' }]) {
        const k = `${x.formId}\u0000${x.ruleId}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const entry = invalidBy.get(k) ?? { formId: x.formId, ruleId: x.ruleId, ballots: 0 };
        entry.ballots++;
        invalidBy.set(k, entry);
      }
      continue;
    }
    valid++;
    const cat = b.category ?? '';
    perCategory.set(cat, (perCategory.get(cat) ?? 0) + 1);
    for (let fi = 0; fi < forms.length; fi++) {
      const form = forms[fi]!;
      const fa = b.answers[form.id];
      if (!fa) continue;
      const keys = questionKeys[fi]!;
      for (let qi = 0; qi < form.questions.length; qi++) {
        const q = form.questions[qi]!;
        const a = fa[q.id];
        if (a === undefined) continue;
        const qk = keys[qi]!;
        answeredCount.set(qk, (answeredCount.get(qk) ?? 0) + 1);
        if (q.type === 'graded') {
          if (typeof a === 'string') {
            let c = graded.get(qk);
            if (!c) graded.set(qk, (c = new GradeCounter()));
            c.add(cat, a);
          } else {
            const bySubject = subjectCounters[fi]![qi]!;
            const grades = a as Record<string, string>;
            for (const sid of Object.keys(grades)) (bySubject.get(sid) ?? subjectCounter(form, q, bySubject, sid)).add(cat, grades[sid]!);
          }
        } else if (q.type === 'single' || q.type === 'multiple' || q.type === 'nomination') {
          let m = choice.get(qk);
          if (!m) choice.set(qk, (m = new Map()));
          const values = q.type === 'single' ? [a as string] : q.type === 'multiple' ? (a as string[]) : (a as { options: string[] }).options;
          // A ballot lists an option at most once (decideBallot normalises), so counts never exceed ballots.
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
  return { cast, valid, perCategory, invalidBy, graded, choice, writeIns, answeredCount };
}

/**
 * Everyone nominated on one question, from the counts: a listed person's votes are the ticks of their option; a
 * written-in name is grouped with the same name written by others (nomineeKey) and, when it names a listed person
 * or a candidate of the meeting, counted for them. decideBallot already turns a written-in listed name into a tick
 * and counts a name once per ballot, so each ballot gives a person at most one vote.
 */
function nomineesOf(q: Extract<FormTemplate['questions'][number], { type: 'nomination' }>, subjects: readonly SubjectRef[], ticks: Map<string, number> | undefined, written: Map<string, number> | undefined) {
  const byName = new Map<string, string>();
  for (const o of nominationOptions(q, subjects)) byName.set(nomineeKey(o.label), o.value);
  if (q.candidatesFromMeeting) for (const c of subjects) if (c.kind === 'candidate' && !byName.has(nomineeKey(c.name))) byName.set(nomineeKey(c.name), c.id);
  const votes = new Map<string, { value: string | null; name: string; votes: number }>();
  const add = (k: string, value: string | null, name: string, n: number) => {
    const e = votes.get(k);
    if (e) e.votes += n;
    else votes.set(k, { value, name, votes: n });
  };
  for (const [value, n] of ticks ?? []) if (n > 0) add(`o\u0000${value}`, value, '', n);
  for (const [name, n] of written ?? []) {
    const k = nomineeKey(name);
    if (k === '') continue;
    const listed = byName.get(k);
    if (listed !== undefined) add(`o\u0000${listed}`, listed, '', n);
    else add(`w\u0000${k}`, null, k, n);
  }
  return [...votes.values()];
}

/**
 * The tally's counters from the counts of ballot records (countRecords in ballot-record.ts): the same counters
 * countBallots builds from the same ballots as JSON. `categories` are the meeting's, in the order whose
 * positions the records store; a position beyond them counts as a category of its own, outside the weights,
 * as an unknown category key does.
 */
export function countersFromRecords(layout: BallotLayout, counts: RecordCounts, categories: readonly CategoryDef[]): TallyCounters {
  if (counts.hash !== layout.hash) throw new BallotRecordError('计票所用的选票版式与本次测评不符');
  const catKey = (byte: number) => (byte === 0 ? '' : (categories[byte - 1]?.key ?? `\u0000${byte - 1}`));
  const perCategory = new Map<string, number>();
  counts.validByCategory.forEach((n, byte) => {
    if (n > 0) perCategory.set(catKey(byte), n);
  });
  const invalidBy = new Map<string, { formId: string; ruleId: string; ballots: number }>();
  layout.rules.forEach((r, i) => {
    const n = counts.invalidByRule[i]!;
    if (n > 0) invalidBy.set(`${r.formId}\u0000${r.ruleId}`, { formId: r.formId, ruleId: r.ruleId, ballots: n });
  });
  if (counts.invalidWithoutReason > 0) invalidBy.set('\u0000', { formId: '', ruleId: '', ballots: counts.invalidWithoutReason });
  const graded = new Map<string, GradeCounter>();
  const choice = new Map<string, Map<string, number>>();
  const writeIns = new Map<string, Map<string, number>>();
  const answeredCount = new Map<string, number>();
  layout.fields.forEach((field, fi) => {
    const qk = counterKey(field.formId, field.questionId);
    if (counts.answered[fi]! > 0) answeredCount.set(qk, counts.answered[fi]!);
    if (field.kind === 'grades') {
      const stride = field.values.length + 1;
      const cells = field.subjects ?? [null];
      cells.forEach((sid, cell) => {
        const base = counts.gradeBase[fi]! + cell * stride;
        let counter: GradeCounter | undefined;
        counts.grades.forEach((g, byte) => {
          if (!g) return;
          for (let v = 1; v < stride; v++) {
            const n = g[base + v]!;
            if (n === 0) continue;
            if (!counter) graded.set(sid === null ? qk : counterKey(field.formId, field.questionId, sid), (counter = new GradeCounter()));
            counter.addCount(catKey(byte), field.values[v - 1]!, n);
          }
        });
      });
    } else if (field.kind !== 'text') {
      const m = new Map<string, number>();
      const base = counts.optionBase[fi]!;
      field.values.forEach((v, j) => {
        const n = counts.options[base + j]!;
        if (n > 0) m.set(v, n);
      });
      choice.set(qk, m);
      if (field.kind === 'nomination') {
        const names = [...(counts.writeIns[fi] ?? [])].sort(([a], [b]) => a.localeCompare(b, 'zh-CN'));
        writeIns.set(qk, new Map(names));
      }
    }
  });
  return { cast: counts.cast, valid: counts.valid, perCategory, invalidBy, graded, choice, writeIns, answeredCount };
}

/**
 * Tallies the valid ballots; invalid ones are counted, never dropped silently. The ballots are given either as
 * JSON answers (`ballots`) or already counted (`counters`, e.g. from ballot records).
 */
export function tallyMeeting(
  input: {
    forms: readonly FormTemplate[];
    subjects: readonly SubjectRef[];
    categories: readonly CategoryDef[];
  } & ({ ballots: Iterable<TallyBallot> } | { counters: TallyCounters }),
): Tally {
  const { forms, subjects, categories } = input;
  const counters = 'counters' in input ? input.counters : countBallots(forms, input.ballots);
  const { cast, valid, perCategory, invalidBy, graded, choice, writeIns, answeredCount } = counters;
  const key = counterKey;

  // The groups of respondents: each category, and the ballots of slips issued without one. Show the
  // breakdown only when every non-empty group is large enough: were one small group hidden while the others
  // and the total were shown, it could be recovered by subtraction (the uncategorised group included).
  const known = new Set(categories.map((c) => c.key));
  let uncategorised = 0;
  for (const [k, n] of perCategory) if (!known.has(k)) uncategorised += n;
  const groupSizes = [...categories.map((c) => perCategory.get(c.key) ?? 0), ...(categories.length > 0 ? [uncategorised] : [])].filter((n) => n > 0);
  const smallGroup = groupSizes.some((n) => n < BREAKDOWN_THRESHOLD);
  const breakdownShown = groupSizes.length > 1 && !smallGroup;
  // With two or more groups, the weighted mean and the pooled figures (counts, plain mean) are two equations
  // in the groups' means: a small group's mean would follow. The weighted mean is the score (seed
  // 002_ef31b3aa8f1f181a.txt: "民主测评设 100 分，其中领导自评和民主评议分别按 40%和 60%的权重，汇总得出民主测评结果"),
  // so it is always shown and the pooled figures give way (docs/forms.md, "Anonymity").
  const pooledWithheld = categories.length > 0 && groupSizes.length > 1 && smallGroup;
  const notes: Flag[] = [];
  if (pooledWithheld) {
    const small = categories.filter((c) => {
      const n = perCategory.get(c.key) ?? 0;
      return n > 0 && n < BREAKDOWN_THRESHOLD;
    });
    const names = [...small.map((c) => c.label), ...(uncategorised > 0 && uncategorised < BREAKDOWN_THRESHOLD ? ['未分类'] : [])].join('、');
    const weights = categories.map((c) => `${c.label} ${Math.round(c.weight * 1000) / 10}%`).join('、');
    notes.push({
      code: 'POOLED_WITHHELD',
      message: `${names}的有效票少于 ${BREAKDOWN_THRESHOLD} 张：为保护匿名，得分只显示按权重（${weights}）计算的加权平均分；不显示分类别结果，也不显示各等次票数、简单平均分和好评率（它们与加权平均分合看可推算出该类别的评价）`,
    });
  }
  if (uncategorised > 0 && categories.length > 0) {
    notes.push({ code: 'UNCATEGORISED_BALLOTS', message: `${uncategorised} 张有效票的测评票未分类别：计入总体票数和平均分，不计入加权平均分` });
  }

  const gradedResult = (form: FormTemplate, q: GradedQuestion, counter: GradeCounter | undefined) => {
    const all = counter ? [...counter.byCategory.values()] : [];
    const overall = stats(form, q, all);
    const perCat = categories.map((c) => ({ category: c.key, ...stats(form, q, counter?.byCategory.get(c.key) ? [counter.byCategory.get(c.key)!] : []) }));
    const weighted = categories.length > 0 ? weightedMean(categories.map((c, i) => ({ weight: c.weight, mean: perCat[i]!.meanPoints }))) : overall.meanPoints;
    return { overall, perCat, weighted, shown: pooledWithheld ? withheld() : overall };
  };

  const formResults: FormResult[] = forms.map((form) => ({
    formId: form.id,
    title: form.title,
    scoreScale: scoreScaleOf(form),
    questions: questionsForMeeting(form, subjects).map((q): QuestionResult => {
      const qk = key(form.id, q.id);
      const base = { questionId: q.id, type: q.type, text: q.text, answered: answeredCount.get(qk) ?? 0 };
      if (q.type === 'graded') {
        if (!q.subjects) {
          const r = gradedResult(form, q, graded.get(qk));
          return { ...base, scale: q.scale, counts: r.shown.counts, meanPoints: r.shown.meanPoints, weightedMeanPoints: r.weighted, favourableRate: r.shown.favourableRate };
        }
        return {
          ...base,
          scale: q.scale,
          subjects: subjectsFor(q, subjects).map((s): SubjectResult => {
            const r = gradedResult(form, q, graded.get(key(form.id, q.id, s.id)));
            const flags: Flag[] = [];
            for (const f of form.flags ?? []) {
              if (!f.questions.includes(q.id) || r.overall.answered === 0) continue;
              // Compared on counts, with a tolerance for the decimal form of fractions such as one third.
              const n = r.overall.counts[f.grade] ?? 0;
              // With the pooled counts withheld the flag still shows, but not the count it is based on.
              if (n > f.moreThanShare * r.overall.answered + 1e-9) flags.push({ code: f.code, message: pooledWithheld ? f.message : `${f.message}（${n}/${r.overall.answered} 票）` });
            }
            return {
              subjectId: s.id,
              name: s.name,
              ...r.shown,
              answered: r.overall.answered,
              weightedMeanPoints: r.weighted,
              ...(breakdownShown ? { byCategory: r.perCat.filter((c) => (perCategory.get(c.category) ?? 0) > 0) } : {}),
              flags,
            };
          }),
        };
      }
      if (q.type === 'text') return base;
      const counts: Record<string, number> = {};
      for (const o of q.type === 'nomination' ? nominationOptions(q, subjects) : q.options) counts[o.value] = choice.get(qk)?.get(o.value) ?? 0;
      if (q.type === 'nomination') {
        const labels = new Map(nominationOptions(q, subjects).map((o) => [o.value, o.label]));
        const nominees: Nominee[] = nomineesOf(q, subjects, choice.get(qk), writeIns.get(qk))
          .map((x) => ({ name: x.value === null ? x.name : (labels.get(x.value) ?? x.value), value: x.value, writeIn: x.value === null, votes: x.votes, rate: valid > 0 ? x.votes / valid : null }))
          .sort((a, b) => b.votes - a.votes || Number(a.writeIn) - Number(b.writeIn) || a.name.localeCompare(b.name, 'zh-CN'));
        return { ...base, counts, writeIns: Object.fromEntries(writeIns.get(qk) ?? []), nominees };
      }
      return { ...base, counts };
    }),
  }));

  return {
    ballots: { cast, valid, invalid: cast - valid },
    invalidReasons: [...invalidBy.values()]
      .map((x) => ({ ...x, message: forms.find((f) => f.id === x.formId)?.rules?.find((r) => r.id === x.ruleId)?.message ?? '未注明原因' }))
      .sort((a, b) => b.ballots - a.ballots || a.formId.localeCompare(b.formId) || a.ruleId.localeCompare(b.ruleId)),
    byCategory: categories.map((c) => ({ ...c, ballots: perCategory.get(c.key) ?? 0 })),
    uncategorised: categories.length > 0 ? uncategorised : 0,
    breakdownShown,
    weightedWithheld: false,
    pooledWithheld,
    notes,
    forms: formResults,
  };
}
