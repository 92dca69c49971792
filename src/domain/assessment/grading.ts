// Ranking within a domain and the suggested grades of units and cadres. Pure.
//
// Two policies, stated in docs/assessment.md and tested in test/unit/assessment-grading.test.ts:
// - Quotas round down: a share p% of n units allows floor(p × n / 100) of the favourable grade (integer
//   arithmetic, so 30% of 10 is exactly 3, of 7 is 2, of 13 is 3).
// - Ties at a boundary: when the last place inside a band ties with the first place outside it, every unit at
//   that score gets the lower grade and is flagged `tieAtBoundary` for the committee. A quota is never exceeded.
import type { Flag } from '../tally.js';
import type { BandsGradingSpec, CadreRules, Grading, QuotaGradingSpec, RuleRef } from './scheme.js';
import { worseGrade } from './scheme.js';
import { documentTitle } from '../sources.js';

export interface RuleCite {
  /** The rule's id and the seed file: for the API, the audit log and tests, never shown to users. */
  id: string;
  text: string;
  seed: string;
  /** The document the rule comes from, by its own title: what users read. */
  document: string;
}

export interface Suggestion {
  /** null when the score is incomplete: nothing is suggested from a partial score. */
  grade: string | null;
  /** The rules that produced the grade, the deciding one first. */
  rules: RuleCite[];
  tieAtBoundary: boolean;
  flags: Flag[];
}

/** Facts an admin records about a unit (seed 001); each lowers a grade, never raises it. */
export interface UnitFacts {
  /** 受到党中央、国务院、省委、省人民政府点名或通报批评 */
  namedCriticism?: boolean;
  /** 党内集中教育满意度调查评估等次 */
  satisfaction?: string | null;
  /** 在全面推进党的各方面建设中存在重大问题，造成严重影响 */
  graveProblem?: boolean;
  /** 加强党的建设年度成效不明显 */
  ineffective?: boolean;
  /** 弄虚作假 in the assessment (seed 001 第十八条: 降低等次处理) */
  falsified?: boolean;
  /** Seed 004, for the unit's heads: 本辖区内出现群体性事件 */
  massIncident?: boolean;
  /** 被县委、政府问责 */
  heldAccountable?: boolean;
  /** 党建工作排在全县后列 */
  partyBuildingLow?: boolean;
  /** 本乡镇、本部门出现重大腐败案件 */
  majorCorruption?: boolean;
}

/** The seed-004 events that bar a unit's heads from 评优, in words. */
export const HEAD_BAR_FACTS: ReadonlyArray<[keyof UnitFacts, string]> = [
  ['massIncident', '本辖区内出现群体性事件'],
  ['heldAccountable', '被县委、政府问责'],
  ['partyBuildingLow', '党建工作排在全县后列'],
  ['majorCorruption', '本乡镇、本部门出现重大腐败案件'],
];

export interface RankInput {
  id: string;
  name: string;
  total: number | null;
  facts: UnitFacts;
}

export interface RankedUnit {
  id: string;
  name: string;
  total: number | null;
  /** Competition rank (1, 2, 2, 4) among units with a complete score; null otherwise. */
  rank: number | null;
  suggestion: Suggestion;
}

export interface QuotaInfo {
  kind: 'max' | 'band';
  grade: string;
  rule: RuleCite;
  /** Units (or cadres) the share is taken of. */
  n: number;
  percent: number | null;
  /** The most that may get the grade (a maximum) or the band size. */
  max: number;
  /** How max was computed, e.g. "floor(30% × 13) = floor(3.9) = 3". */
  arithmetic: string;
  granted: number;
  tieAtBoundary: boolean;
  /** The score at the boundary when there is a tie there. */
  boundaryScore: number | null;
}

export interface DomainRanking {
  units: RankedUnit[];
  quotas: QuotaInfo[];
  /** True while any unit's score is incomplete: the ranking may still change. */
  provisional: boolean;
  flags: Flag[];
}

export function cite(rule: RuleRef, seed: string): RuleCite {
  return { id: rule.id, text: rule.text, seed, document: documentTitle(seed) };
}

/** floor(percent × n / 100) in integers, so that 30% of 10 is exactly 3. */
export function quotaMax(percent: number, n: number): number {
  return Math.floor((percent * n) / 100);
}

export function quotaArithmetic(percent: number, n: number): string {
  const exact = (percent * n) / 100;
  const max = quotaMax(percent, n);
  return Number.isInteger(exact) ? `${percent}% × ${n} = ${max}` : `floor(${percent}% × ${n}) = floor(${Number(exact.toFixed(4))}) = ${max}`;
}

interface Scored {
  id: string;
  total: number;
}

/**
 * The first `max` of `sorted` (best first), except that when the last place inside ties with the first place
 * outside, everyone at that score is left out (`tied`): the quota is never exceeded.
 */
export function selectWithinQuota<T extends Scored>(sorted: readonly T[], max: number): { granted: T[]; tied: T[]; boundaryScore: number | null } {
  if (max <= 0 || sorted.length === 0) return { granted: [], tied: [], boundaryScore: null };
  if (sorted.length <= max) return { granted: [...sorted], tied: [], boundaryScore: null };
  const inside = sorted[max - 1]!.total;
  const outside = sorted[max]!.total;
  if (inside !== outside) return { granted: sorted.slice(0, max), tied: [], boundaryScore: null };
  return { granted: sorted.filter((u) => u.total > inside), tied: sorted.filter((u) => u.total === inside), boundaryScore: inside };
}

const byScore = <T extends { total: number | null; name: string }>(a: T, b: T) => (b.total ?? -Infinity) - (a.total ?? -Infinity) || a.name.localeCompare(b.name, 'zh-CN');

function competitionRanks(units: readonly RankInput[]): Map<string, number> {
  const complete = units.filter((u) => u.total !== null) as Array<RankInput & { total: number }>;
  const ranks = new Map<string, number>();
  for (const u of complete) ranks.set(u.id, 1 + complete.filter((o) => o.total > u.total).length);
  return ranks;
}

const TIE_FLAG = (score: number): Flag => ({ code: 'TIE_AT_BOUNDARY', message: `与名额边界内外单位同分（${Number(score.toFixed(2))} 分），按较低等次建议，请考核委员会研究确定` });

/** Ranks one domain and suggests a grade for each unit under the domain's grading. */
export function rankDomain(grading: Grading, seed: string, units: readonly RankInput[]): DomainRanking {
  return grading.type === 'quota' ? rankByQuota(grading, seed, units) : rankByBands(grading, seed, units);
}

function incompleteSuggestion(): Suggestion {
  return { grade: null, rules: [], tieAtBoundary: false, flags: [{ code: 'SCORE_INCOMPLETE', message: '得分不完整，暂不提出等次建议' }] };
}

function rankByQuota(g: QuotaGradingSpec, seed: string, units: readonly RankInput[]): DomainRanking {
  const n = units.length;
  const ranks = competitionRanks(units);
  const sorted = [...units].sort(byScore);
  const topIdx = g.scale.indexOf(g.top.grade);
  const capsOf = (u: RankInput) =>
    g.caps.filter((c) => (c.fact === 'namedCriticism' ? u.facts.namedCriticism === true : u.facts.satisfaction != null && (c.values ?? []).includes(u.facts.satisfaction)));
  // A capped unit cannot take a top place; its place passes to the next eligible unit (docs/assessment.md).
  const eligible = sorted.filter((u) => u.total !== null && !capsOf(u).some((c) => g.scale.indexOf(c.maxGrade) > topIdx)) as Array<RankInput & { total: number }>;
  const max = quotaMax(g.top.percent, n);
  const sel = selectWithinQuota(eligible, max);
  const granted = new Set(sel.granted.map((u) => u.id));
  const tied = new Set(sel.tied.map((u) => u.id));
  const complete = sorted.filter((u) => u.total !== null);
  const lowest = complete.length > 0 ? complete[complete.length - 1]!.total : null;
  const tailFrom = g.tail ? n - quotaMax(g.tail.bottomPercent, n) : Infinity;

  const out: RankedUnit[] = sorted.map((u) => {
    const rank = ranks.get(u.id) ?? null;
    if (u.total === null || rank === null) return { id: u.id, name: u.name, total: u.total, rank: null, suggestion: incompleteSuggestion() };
    const flags: Flag[] = [];
    let grade = g.default.grade;
    let rules: RuleCite[] = [cite(g.default.rule, seed)];
    if (granted.has(u.id)) {
      grade = g.top.grade;
      rules = [cite(g.top.rule, seed)];
    } else if (g.last && u.facts.graveProblem && u.total === lowest) {
      grade = g.last.grade;
      rules = [cite(g.last.rule, seed)];
    } else if (g.tail && u.facts.ineffective && rank > tailFrom) {
      grade = g.tail.grade;
      rules = [cite(g.tail.rule, seed)];
    }
    if (u.facts.graveProblem && u.total !== lowest) flags.push({ code: 'GRAVE_PROBLEM_NOT_LAST', message: '记录有重大问题但得分并非末位，“差”等次须考核委员会研究' });
    if (u.facts.ineffective && g.tail && !(rank > tailFrom)) flags.push({ code: 'INEFFECTIVE_NOT_IN_TAIL', message: '记录为成效不明显但排位不在后段，请考核委员会研究' });
    for (const c of capsOf(u)) {
      const capped = worseGrade(g.scale, grade, c.maxGrade);
      if (capped !== grade) {
        grade = capped;
        rules = [cite(c.rule, seed), ...rules];
      } else rules.push(cite(c.rule, seed));
    }
    if (g.falsified && u.facts.falsified) {
      // Seed 001_98ca728807ffae1b.txt 第十八条: "对在党建工作成效考核中弄虚作假……对本年度党建工作成效考核作降低等次处理".
      const lower = g.scale[Math.min(g.scale.indexOf(grade) + 1, g.scale.length - 1)]!;
      if (lower !== grade) {
        grade = lower;
        rules = [cite(g.falsified.rule, seed), ...rules];
      } else rules.push(cite(g.falsified.rule, seed));
    }
    const tie = tied.has(u.id);
    if (tie) flags.push(TIE_FLAG(u.total));
    return { id: u.id, name: u.name, total: u.total, rank, suggestion: { grade, rules, tieAtBoundary: tie, flags } };
  });

  const quotas: QuotaInfo[] = [
    {
      kind: 'max',
      grade: g.top.grade,
      rule: cite(g.top.rule, seed),
      n,
      percent: g.top.percent,
      max,
      arithmetic: quotaArithmetic(g.top.percent, n),
      granted: granted.size,
      tieAtBoundary: tied.size > 0,
      boundaryScore: sel.boundaryScore,
    },
  ];
  return finish(out, quotas);
}

function rankByBands(g: BandsGradingSpec, seed: string, units: readonly RankInput[]): DomainRanking {
  const ranks = competitionRanks(units);
  const sorted = [...units].sort(byScore);
  const complete = sorted.filter((u) => u.total !== null) as Array<RankInput & { total: number }>;
  const m = complete.length;
  const top = selectWithinQuota(complete, Math.min(g.top.count, m));
  const topIds = new Set(top.granted.map((u) => u.id));
  const topTied = new Set(top.tied.map((u) => u.id));
  // The bottom band starts after the top band when the two overlap (fewer units than both bands together).
  const start = Math.max(Math.min(g.top.count, m), m - g.bottom.count);
  const bottomScore = start < m ? complete[start]!.total : null;
  const bottomTie = bottomScore !== null && start > 0 && complete[start - 1]!.total === bottomScore && !topIds.has(complete[start - 1]!.id);
  const bottomIds = new Set(complete.filter((u) => bottomScore !== null && u.total <= bottomScore && !topIds.has(u.id)).map((u) => u.id));
  const bottomTied = new Set(bottomTie ? complete.filter((u) => u.total === bottomScore).map((u) => u.id) : []);

  const out: RankedUnit[] = sorted.map((u) => {
    const rank = ranks.get(u.id) ?? null;
    if (u.total === null || rank === null) return { id: u.id, name: u.name, total: u.total, rank: null, suggestion: incompleteSuggestion() };
    const flags: Flag[] = [];
    let grade = g.default.grade;
    let rules = [cite(g.default.rule, seed)];
    if (topIds.has(u.id)) {
      grade = g.top.grade;
      rules = [cite(g.top.rule, seed)];
    } else if (bottomIds.has(u.id)) {
      grade = g.bottom.grade;
      rules = [cite(g.bottom.rule, seed)];
    }
    const tie = topTied.has(u.id) || bottomTied.has(u.id);
    if (tie) flags.push(TIE_FLAG(u.total));
    return { id: u.id, name: u.name, total: u.total, rank, suggestion: { grade, rules, tieAtBoundary: tie, flags } };
  });

  const quotas: QuotaInfo[] = [
    {
      kind: 'max',
      grade: g.top.grade,
      rule: cite(g.top.rule, seed),
      n: m,
      percent: null,
      max: g.top.count,
      arithmetic: `前 ${g.top.count} 名（参与排名 ${m} 个）`,
      granted: topIds.size,
      tieAtBoundary: topTied.size > 0,
      boundaryScore: top.boundaryScore,
    },
    {
      kind: 'band',
      grade: g.bottom.grade,
      rule: cite(g.bottom.rule, seed),
      n: m,
      percent: null,
      max: g.bottom.count,
      arithmetic: `后 ${g.bottom.count} 名（参与排名 ${m} 个${m < g.top.count + g.bottom.count ? '，与前段重叠，后段取前段以外的单位' : ''}）`,
      granted: bottomIds.size,
      tieAtBoundary: bottomTied.size > 0,
      boundaryScore: bottomTie ? bottomScore : null,
    },
  ];
  const r = finish(out, quotas);
  if (m < g.top.count + g.bottom.count) r.flags.push({ code: 'BANDS_OVERLAP', message: `参与排名的单位（${m} 个）少于前后两段名额之和（${g.top.count + g.bottom.count}），后段只取前段以外的单位` });
  return r;
}

function finish(units: RankedUnit[], quotas: QuotaInfo[]): DomainRanking {
  const provisional = units.some((u) => u.total === null);
  const flags: Flag[] = [];
  if (provisional) flags.push({ code: 'RANKING_PROVISIONAL', message: '部分单位得分不完整，排名和等次建议尚不能确定' });
  if (quotas.some((q) => q.tieAtBoundary)) flags.push({ code: 'TIE_AT_BOUNDARY', message: '名额边界处有同分单位，均按较低等次建议，请考核委员会研究确定' });
  return { units, quotas, provisional, flags };
}

const headBarFlag = (events: readonly string[]): Flag => ({ code: 'HEAD_BARRED', message: `${events.join('、')}：主要领导不能参加评优，不得确定为优秀` });

export interface CadreInput {
  id: string;
  name: string;
  isHead: boolean;
  score: number | null;
  noExcellentInDaily: boolean;
}

export interface GradedCadre {
  id: string;
  name: string;
  isHead: boolean;
  score: number | null;
  suggestion: Suggestion;
}

/**
 * Annual grades of a unit's cadres (seed 004): 优秀 needs a score of at least 90 and a place within the unit's
 * share (25% / 20% / 15% by the team's grade); the head of a weak team is capped.
 *
 * Under rules with `apart`, the heads are assessed apart (seed 004_9ba8455c36f7d67d.txt: "乡镇党政正职和县直各部门
 * 负责人参与考核但不计算本单位考核基数，不占本单位优秀指标，本单位考核结果作为定量考核结果" and "综合考核单列"): the
 * base and the quota count the other cadres only, no head takes a place, and a head's score is shown as the
 * quantitative result with no suggested grade.
 */
export function gradeCadres(
  rules: CadreRules,
  seed: string,
  teamGrade: string | null,
  cadres: readonly CadreInput[],
  unitFacts: UnitFacts = {},
): { cadres: GradedCadre[]; quota: QuotaInfo; flags: Flag[] } {
  // Seed 004_9ba8455c36f7d67d.txt: "凡是本年度出现以下情况的乡镇、部门党政主要领导不能参加评优：本辖区内出现群体性事件的；被县委、政府问责的；
  // 党建工作排在全县后列的；本乡镇、本部门出现重大腐败案件的".
  const barEvents = rules.headBar ? HEAD_BAR_FACTS.filter(([k]) => unitFacts[k] === true).map(([, text]) => text) : [];
  const headBarred = (c: CadreInput) => c.isHead && barEvents.length > 0;
  const apartRule = rules.apart;
  const isApart = (c: CadreInput) => apartRule !== undefined && c.isHead;
  const base = cadres.filter((c) => !isApart(c));
  const n = base.length;
  const ex = rules.excellent;
  const percent = teamGrade !== null && ex.percentByTeamGrade[teamGrade] !== undefined ? ex.percentByTeamGrade[teamGrade]! : ex.defaultPercent;
  const max = quotaMax(percent, n);
  const exIdx = rules.scale.indexOf(ex.grade);
  const headCap = teamGrade === null ? undefined : rules.headCaps.find((h) => h.teamGrade === teamGrade);
  const blocked = (c: CadreInput) =>
    headBarred(c) ||
    (c.isHead && headCap !== undefined && rules.scale.indexOf(headCap.maxGrade) > exIdx) ||
    (c.noExcellentInDaily && rules.dailyCap !== undefined && rules.scale.indexOf(rules.dailyCap.maxGrade) > exIdx);
  const eligible = base
    .filter((c) => c.score !== null && c.score >= ex.minScore && !blocked(c))
    .map((c) => ({ ...c, total: c.score as number }))
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name, 'zh-CN'));
  const sel = selectWithinQuota(eligible, max);
  const granted = new Set(sel.granted.map((c) => c.id));
  const tied = new Set(sel.tied.map((c) => c.id));
  const flags: Flag[] = [];
  if (teamGrade === null) flags.push({ code: 'TEAM_GRADE_UNKNOWN', message: `班子等次未定，优秀比例暂按 ${ex.defaultPercent}% 计，主要负责人等次限制暂无法判断` });
  const apartCount = cadres.length - n;
  if (apartRule && apartCount > 0) {
    flags.push({ code: 'HEADS_ASSESSED_APART', message: `${apartCount} 名正职综合考核单列，不计算本单位考核基数（${n} 人），不占本单位优秀指标` });
  }

  const out = cadres.map((c): GradedCadre => {
    if (apartRule && isApart(c)) {
      // Graded apart: no suggestion here. The cap of a weak team's head still applies where the grade is decided.
      const rs = [cite(apartRule.rule, seed), ...(headCap ? [cite(headCap.rule, seed)] : []), ...(headBarred(c) ? [cite(rules.headBar!.rule, seed)] : [])];
      const f: Flag[] = [{ code: 'ASSESSED_APART', message: `综合考核单列：本单位测评${c.score === null ? '尚无分值' : `分值 ${Number(c.score.toFixed(2))} 作为定量考核结果`}，等次由组织部综合酝酿确定` }];
      if (headBarred(c)) f.push(headBarFlag(barEvents));
      return { id: c.id, name: c.name, isHead: c.isHead, score: c.score, suggestion: { grade: null, rules: rs, tieAtBoundary: false, flags: f } };
    }
    if (c.score === null) return { id: c.id, name: c.name, isHead: c.isHead, score: null, suggestion: { grade: null, rules: [], tieAtBoundary: false, flags: [{ code: 'SCORE_MISSING', message: '缺少测评分值，暂不提出等次建议' }] } };
    const f: Flag[] = [];
    let grade = rules.default.grade;
    let rs: RuleCite[] = [cite(rules.default.rule, seed)];
    if (granted.has(c.id)) {
      grade = ex.grade;
      rs = [cite(ex.rule, seed), cite(ex.scoreRule, seed)];
    } else if (c.score < ex.minScore) {
      rs.push(cite(ex.scoreRule, seed));
    } else if (!blocked(c)) {
      f.push({ code: 'OUTSIDE_QUOTA', message: `测评分值达到 ${ex.minScore} 分，但超出优秀名额（${quotaArithmetic(percent, n)}）` });
      rs.push(cite(ex.rule, seed));
    }
    if (c.isHead && headCap) {
      const capped = worseGrade(rules.scale, grade, headCap.maxGrade);
      if (capped !== grade) {
        grade = capped;
        rs = [cite(headCap.rule, seed), ...rs];
      } else rs.push(cite(headCap.rule, seed));
    }
    if (headBarred(c)) {
      f.push(headBarFlag(barEvents));
      rs.push(cite(rules.headBar!.rule, seed));
    }
    if (c.noExcellentInDaily && rules.dailyCap) {
      const capped = worseGrade(rules.scale, grade, rules.dailyCap.maxGrade);
      if (capped !== grade) {
        grade = capped;
        rs = [cite(rules.dailyCap.rule, seed), ...rs];
      } else rs.push(cite(rules.dailyCap.rule, seed));
    }
    const tie = tied.has(c.id);
    if (tie) f.push(TIE_FLAG(c.score));
    return { id: c.id, name: c.name, isHead: c.isHead, score: c.score, suggestion: { grade, rules: rs, tieAtBoundary: tie, flags: f } };
  });
  return {
    cadres: out,
    quota: {
      kind: 'max',
      grade: ex.grade,
      rule: cite(ex.rule, seed),
      n,
      percent,
      max,
      arithmetic: quotaArithmetic(percent, n),
      granted: granted.size,
      tieAtBoundary: tied.size > 0,
      boundaryScore: sel.boundaryScore,
    },
    flags,
  };
}
