// The 民主测评结果统计表: what a county office signs. Per instrument, one row per person or team (序号、姓名、职务,
// the votes of each grade with 不了解 and 弃权, 优秀率 / 称职率 / 好评率, 得分, 排名), the formula written under
// the table, and for the meeting the 发票 / 收回 / 有效 / 无效 counts, the date and the 考核组 signatures.
// One model, rendered by the XLSX sheet, the PDF pages and statistics.csv, so the three cannot disagree.
import { gradeChoices, type FormTemplate, type GradedQuestion } from '../domain/forms.js';
import type { FormResult, QuestionResult, SubjectResult } from '../domain/tally.js';
import type { MeetingResults } from '../results/index.js';
import type { ExportData } from './export-data.js';
import { fixed2, percent1, validityLine } from './results.table.js';

export type StatCellType = 'seq' | 'name' | 'title' | 'item' | 'count' | 'rate' | 'score' | 'rank';
export type StatCell = string | number | null;

export interface StatColumn {
  label: string;
  type: StatCellType;
}

export interface StatTable {
  /** The instrument's title, and what its table counts when that needs saying. */
  title: string;
  columns: StatColumn[];
  rows: StatCell[][];
  /** Rows of a team or an organisation among persons: shown apart (tinted), not ranked with the persons. */
  collective: boolean[];
  /** Printed under the table: how the votes are counted, the formulas, the check a reader can make, flags. */
  notes: string[];
}

export interface Statistics {
  heading: string;
  meetingLine: string;
  countsLine: string;
  validity: { valid: boolean; text: string };
  tables: StatTable[];
  /** Lines for the 考核组 to sign. */
  signatures: string[];
}

/** A question giving the overall grade of its subjects (总体评价): by template convention its id is `overall` or ends in `-overall`. */
const isOverall = (id: string) => id === 'overall' || id.endsWith('-overall');

/** Beijing (UTC+8) calendar date of an ISO time: the date the committee puts on the table. */
function beijingDate(iso: string | null): string | null {
  if (!iso) return null;
  const d = new Date(Date.parse(iso) + 8 * 3600_000);
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

/**
 * Standard competition ranking (1, 1, 3): equal scores share a place, the next place is skipped. Scores are
 * compared as printed (two decimals), so two rows showing 84.04 never get different places.
 */
function ranks(scores: Array<number | null>): Array<number | null> {
  const shown = scores.map((s) => (s === null ? null : Math.round(s * 100)));
  return shown.map((s) => (s === null ? null : 1 + shown.filter((o) => o !== null && o > s).length));
}

interface Scale {
  choices: Array<{ value: string; label: string; points: number | null }>;
  /** 优秀率 where the scale has 优秀; then 称职率 where it has 称职, else 好评率: the share of its favourable grades. */
  rates: Array<{ label: string; values: Set<string> }>;
}

function scaleOf(form: FormTemplate, qs: readonly GradedQuestion[]): Scale {
  const grades = form.scales[qs[0]!.scale]?.grades ?? [];
  const choices = gradeChoices(form, { ...qs[0]!, allowUnknown: qs.some((q) => q.allowUnknown) });
  const excellent = grades.find((g) => g.label === '优秀');
  const favourable = new Set(grades.filter((g) => g.favourable).map((g) => g.value));
  const rates: Scale['rates'] = [];
  if (excellent) rates.push({ label: '优秀率', values: new Set([excellent.value]) });
  if (favourable.size > 0 && !(excellent && favourable.size === 1)) rates.push({ label: grades.some((g) => g.label === '称职') ? '称职率' : '好评率', values: favourable });
  return { choices, rates };
}

/** The votes of one row and what follows from them: 得分 and the rates, computed from the votes shown, so a reader can redo them. */
function figures(scale: Scale, votes: Map<string, number>) {
  let scored = 0;
  let points = 0;
  for (const c of scale.choices) {
    if (c.points === null) continue;
    scored += votes.get(c.value) ?? 0;
    points += (votes.get(c.value) ?? 0) * c.points;
  }
  const rate = (values: Set<string>) => (scored > 0 ? [...values].reduce((a, v) => a + (votes.get(v) ?? 0), 0) / scored : null);
  return { score: scored > 0 ? points / scored : null, rates: scale.rates.map((r) => rate(r.values)) };
}

function formulaNotes(scale: Scale, r: MeetingResults, weighted: boolean): string[] {
  const unknown = scale.choices.some((c) => c.points === null);
  const pointsText = scale.choices.filter((c) => c.points !== null).map((c) => `${c.label} ${c.points}`).join('、');
  const notes = [`得分 = Σ（各等次票数 × 分值）÷ 评定等次的票数（不含${unknown ? '不了解和' : ''}弃权）；分值：${pointsText}。`];
  const rateTexts = scale.rates.map((x) => {
    const labels = [...x.values].map((v) => scale.choices.find((c) => c.value === v)?.label ?? v);
    return `${x.label} = ${labels.length > 1 ? `（${labels.join(' + ')}）` : labels[0]}票数 ÷ 评定等次的票数`;
  });
  if (rateTexts.length > 0) notes.push(`${rateTexts.join('；')}。`);
  if (weighted) {
    const cats = r.byCategory.map((c) => `${c.label} ${Math.round(c.weight * 1000) / 10}%`).join('、');
    notes.push(`加权得分 = Σ（各类别得分 × 权重）：${cats}；无有效评价的类别不计，其权重按比例分给其余类别。`);
  }
  return notes;
}

/**
 * The table of an instrument's graded questions about subjects. Where the instrument has an overall grade
 * (总体评价: the cadre and team forms of seed 004), the votes, rates and 得分 are those of the overall grade, as
 * the seed's 优秀 / 称职 verdicts are, and each other item (德、能、勤、绩、廉 …) gets a column with its own
 * 得分. Where it has several items and no overall grade (the village forms of seed 003, the city-unit form of
 * seed 002), each grade's votes are summed over the items: one row per person that a county office can
 * sign, with every item's 得分 beside it, rather than five blocks of four vote columns that no A4 page holds.
 * The note under the table says which, and gives the check: the votes, 不了解 and 弃权 of a row add up to
 * the valid ballots (times the number of items when summed).
 */
/**
 * Where a respondent category under five answered beside another, the tally withholds per-grade counts (with the
 * weighted score they would give that category's ratings away): the table says why instead of a row check.
 */
function withheldNote(r: MeetingResults): string | null {
  if (!r.pooledWithheld) return null;
  return `各等次票数不公布：${r.notes.find((n) => n.code === 'POOLED_WITHHELD')?.message ?? '有参评人员类别不足 5 人，为保护匿名只公布加权得分'}。`;
}

function subjectTable(data: ExportData, form: FormTemplate, fr: FormResult, qrs: QuestionResult[]): StatTable {
  const r = data.results;
  const question = (qr: QuestionResult) => form.questions.find((q) => q.id === qr.questionId) as GradedQuestion;
  const overall = qrs.find((qr) => isOverall(qr.questionId));
  // Without an overall grade, the items on the first item's scale are summed (every shipped form has one scale).
  const counted = overall ? [overall] : qrs.filter((qr) => question(qr).scale === question(qrs[0]!).scale);
  const items = qrs.length > 1 ? qrs.filter((qr) => qr !== overall) : [];
  const scale = scaleOf(form, counted.map(question));
  const weighted = r.byCategory.length > 0;

  const subjectById = new Map(data.subjects.map((s) => [s.id, s]));
  const ids: string[] = [];
  for (const qr of qrs) for (const s of qr.subjects ?? []) if (!ids.includes(s.subjectId)) ids.push(s.subjectId);
  const resultOf = (qr: QuestionResult, id: string): SubjectResult | undefined => qr.subjects?.find((s) => s.subjectId === id);
  const kinds = ids.map((id) => subjectById.get(id)?.kind ?? 'person');

  const rows = ids.map((id) => {
    const votes = new Map<string, number>();
    let asked = 0;
    let answered = 0;
    for (const qr of counted) {
      const s = resultOf(qr, id);
      if (!s) continue;
      asked++;
      answered += s.answered;
      for (const c of scale.choices) votes.set(c.value, (votes.get(c.value) ?? 0) + (s.counts[c.value] ?? 0));
    }
    const f = figures(scale, votes);
    const w = counted.map((qr) => resultOf(qr, id)?.weightedMeanPoints ?? null);
    const weightedScore = w.every((x) => x !== null) && w.length > 0 ? (w as number[]).reduce((a, b) => a + b, 0) / w.length : null;
    return { id, votes, abstain: asked * r.ballots.valid - answered, ...f, weightedScore, items: items.map((qr) => resultOf(qr, id)?.meanPoints ?? null) };
  });
  // Ranked among subjects of the same kind (persons with persons); a kind with a single subject is not ranked.
  const byWeighted = weighted;
  const rowRanks: Array<number | null> = rows.map(() => null);
  for (const k of new Set(kinds)) {
    const idx = kinds.flatMap((x, i) => (x === k ? [i] : []));
    if (idx.length < 2) continue;
    const place = ranks(idx.map((i) => (byWeighted ? rows[i]!.weightedScore : rows[i]!.score)));
    idx.forEach((i, j) => (rowRanks[i] = place[j] ?? null));
  }

  const persons = kinds.every((k) => k === 'person');
  const columns: StatColumn[] = [
    { label: '序号', type: 'seq' },
    { label: persons ? '姓名' : '测评对象', type: 'name' },
    { label: '职务', type: 'title' },
    ...scale.choices.map((c) => ({ label: c.label, type: 'count' as const })),
    { label: '弃权', type: 'count' },
    ...scale.rates.map((x) => ({ label: x.label, type: 'rate' as const })),
    ...items.map((qr) => ({ label: `${qr.text}得分`, type: 'score' as const })),
    { label: '得分', type: 'score' },
    ...(weighted ? [{ label: '加权得分', type: 'score' as const }] : []),
    { label: '排名', type: 'rank' },
  ];
  const table: StatCell[][] = rows.map((x, i) => {
    const s = subjectById.get(x.id);
    // Withheld counts (a small category beside another, see withheldNote) print as '—', never as 0.
    const counts = r.pooledWithheld ? [...scale.choices.map(() => null), null] : [...scale.choices.map((c) => x.votes.get(c.value) ?? 0), x.abstain];
    return [i + 1, s?.name ?? '', s?.title ?? '', ...counts, ...x.rates, ...x.items, x.score, ...(weighted ? [x.weightedScore] : []), rowRanks[i] ?? null];
  });

  const n = counted.length;
  const notes: string[] = [];
  if (overall) {
    notes.push(`票数、比率和得分按“${overall.text}”统计${items.length > 0 ? `；${items.map((q) => `“${q.text}”`).join('、')}各列为该项的得分（按该项的分值计算）` : ''}。`);
  } else if (n > 1) {
    notes.push(`各等次票数为${counted.map((q) => `“${q.text}”`).join('、')}共 ${n} 项的合计（每人每项一票），得分按合计票数计算；各项得分另列。`);
  }
  notes.push(withheldNote(r) ?? `核对：每行各等次票数${scale.choices.some((c) => c.points === null) ? '（含不了解）' : ''}与弃权之和 = 有效票 ${r.ballots.valid} 张${n > 1 ? ` × ${n} 项 = ${r.ballots.valid * n}` : ''}。`);
  notes.push(...formulaNotes(scale, r, weighted));
  if (rowRanks.some((x) => x !== null)) notes.push(`排名按${byWeighted ? '加权得分' : '得分'}由高到低，同分同名次${kinds.some((k) => k !== 'person') && kinds.includes('person') ? '；班子和党组织不与个人排名' : ''}。`);
  for (const qr of qrs) for (const s of qr.subjects ?? []) for (const f of s.flags) notes.push(`提示：${s.name}（${qr.text}）${f.message}`);
  const collective = kinds.map((k) => k !== 'person' && kinds.includes('person'));
  return { title: fr.title, columns, rows: table, collective, notes };
}

/** Graded questions without subjects (a questionnaire's items, or one overall grade): one row per item. */
function itemTable(data: ExportData, form: FormTemplate, fr: FormResult, qrs: QuestionResult[]): StatTable {
  const r = data.results;
  const qs = qrs.map((qr) => form.questions.find((q) => q.id === qr.questionId) as GradedQuestion);
  const scale = scaleOf(form, qs);
  const weighted = r.byCategory.length > 0;
  const rows = qrs.map((qr, i) => {
    const votes = new Map(scale.choices.map((c) => [c.value, qr.counts?.[c.value] ?? 0]));
    const f = figures(scale, votes);
    const counts = r.pooledWithheld ? [...scale.choices.map(() => null), null] : [...scale.choices.map((c) => votes.get(c.value) ?? 0), r.ballots.valid - qr.answered];
    return [i + 1, qr.text, ...counts, ...f.rates, f.score, ...(weighted ? [qr.weightedMeanPoints ?? null] : [])];
  });
  return {
    title: fr.title,
    columns: [
      { label: '序号', type: 'seq' },
      { label: '测评项目', type: 'item' },
      ...scale.choices.map((c) => ({ label: c.label, type: 'count' as const })),
      { label: '弃权', type: 'count' },
      ...scale.rates.map((x) => ({ label: x.label, type: 'rate' as const })),
      { label: '得分', type: 'score' },
      ...(weighted ? [{ label: '加权得分', type: 'score' as const }] : []),
    ],
    rows,
    collective: rows.map(() => false),
    notes: [withheldNote(r) ?? `核对：每行各等次票数${scale.choices.some((c) => c.points === null) ? '（含不了解）' : ''}与弃权之和 = 有效票 ${r.ballots.valid} 张。`, ...formulaNotes(scale, r, weighted)],
  };
}

/** A nomination (后备干部人选推荐): votes per candidate, write-ins by name, 得票率 against the valid ballots. */
function nominationTable(data: ExportData, fr: FormResult, qr: QuestionResult): StatTable {
  const valid = data.results.ballots.valid;
  const byId = new Map(data.subjects.map((s) => [s.id, s]));
  const entries = [
    ...Object.entries(qr.counts ?? {}).map(([id, n]) => ({ name: byId.get(id)?.name ?? id, title: byId.get(id)?.title ?? '', n })),
    ...Object.entries(qr.writeIns ?? {}).map(([name, n]) => ({ name, title: '（另行推荐）', n })),
  ].sort((a, b) => b.n - a.n || a.name.localeCompare(b.name, 'zh-CN'));
  const place = ranks(entries.map((e) => e.n));
  return {
    title: fr.title,
    columns: [
      { label: '序号', type: 'seq' },
      { label: '姓名', type: 'name' },
      { label: '职务', type: 'title' },
      { label: '得票', type: 'count' },
      { label: '得票率', type: 'rate' },
      { label: '排名', type: 'rank' },
    ],
    rows: entries.map((e, i) => [i + 1, e.name, e.title, e.n, valid > 0 ? e.n / valid : null, place[i] ?? null]),
    collective: entries.map(() => false),
    notes: [`得票率 = 得票数 ÷ 有效票 ${valid} 张；另行推荐的人选按所写姓名合并计票。`],
  };
}

export function statistics(data: ExportData): Statistics {
  const r = data.results;
  const t = r.turnout;
  const tables: StatTable[] = [];
  for (const fr of r.forms) {
    const form = data.forms.find((f) => f.id === fr.formId);
    if (!form) continue;
    const graded = fr.questions.filter((qr) => form.questions.find((q) => q.id === qr.questionId)?.type === 'graded');
    const aboutSubjects = graded.filter((qr) => qr.subjects);
    const items = graded.filter((qr) => !qr.subjects);
    if (aboutSubjects.length > 0) tables.push(subjectTable(data, form, fr, aboutSubjects));
    // Items on different scales cannot share vote columns: one table per scale.
    const scales = [...new Set(items.map((qr) => (form.questions.find((q) => q.id === qr.questionId) as GradedQuestion).scale))];
    for (const sc of scales) tables.push(itemTable(data, form, fr, items.filter((qr) => (form.questions.find((q) => q.id === qr.questionId) as GradedQuestion).scale === sc)));
    for (const qr of fr.questions) if (qr.type === 'nomination') tables.push(nominationTable(data, fr, qr));
  }
  const handedOut = t.slipsIssued - t.slipsVoided;
  return {
    heading: '民主测评结果统计表',
    meetingLine: `单位：${r.unit}　　测评：${r.title}　　测评日期：${beijingDate(data.closedAt) ?? '未结束'}`,
    countsLine: `发票 ${handedOut} 张${t.slipsVoided > 0 ? `（另作废 ${t.slipsVoided} 张）` : ''}　收回 ${r.ballots.cast} 张　有效 ${r.ballots.valid} 张　无效 ${r.ballots.invalid} 张${t.signedIn !== null ? `　签到 ${t.signedIn} 人` : ''}`,
    validity: validityLine(r),
    tables,
    signatures: ['考核组组长（签字）：________________　　　考核组成员（签字）：________________________________________', '统计人（签字）：________________　　　　　　　　　　　　　　　　　　　　　　　年　　　月　　　日'],
  };
}

/** A cell as text, for the CSV and the PDF: rates as percentages with one decimal, scores with two. */
export function cellText(type: StatCellType, v: StatCell): string {
  if (v === null) return type === 'rank' || type === 'rate' || type === 'score' || type === 'count' ? '—' : '';
  if (typeof v === 'string') return v;
  if (type === 'rate') return percent1(v);
  if (type === 'score') return fixed2(v);
  return String(v);
}
