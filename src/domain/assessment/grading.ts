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
import type { PartyRole, Secondment } from './cadre-facts.js';

export type { PartyRole, Secondment } from './cadre-facts.js';

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

/** A rule with its document: the scheme's own (`seed`), or the one the rule names (seed 001 第十七条 in seed 004's rules). */
export function cite(rule: RuleRef, seed: string): RuleCite {
  const from = rule.seed ?? seed;
  return { id: rule.id, text: rule.text, seed: from, document: documentTitle(from) };
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
  /** 涉嫌违纪违法被立案审查调查尚未结案 (seed 004). */
  underInvestigation?: boolean;
  /** Retired before 31 December of the year (seed 004). */
  retired?: boolean;
  /** 挂职 (seed 004); absent: 'none'. */
  secondment?: Secondment;
  /** 党委（党组）书记 or 分管党建工作的副职 (seed 001 第十七条); absent: 'none'. */
  partyRole?: PartyRole;
}

export interface GradedCadre {
  id: string;
  name: string;
  isHead: boolean;
  score: number | null;
  /** Counted in the unit's base (考核基数): false for heads assessed apart, the retired, and the seconded counted elsewhere. */
  inBase: boolean;
  suggestion: Suggestion;
}

/** The 党建工作成效考核 grade of the unit linked to a cadre unit (seed 001), final if recorded, else the suggestion. */
export interface PartyBuildingGrade {
  grade: string | null;
  source: 'final' | 'suggested' | 'none';
}

/**
 * Annual grades of a unit's cadres (seed 004): 优秀 needs a score of at least 90 and a place within the unit's
 * share (25% / 20% / 15% by the team's grade); the head of a weak team is capped.
 *
 * Under rules with `apart`, the heads are assessed apart (seed 004_9ba8455c36f7d67d.txt: "乡镇党政正职和县直各部门
 * 负责人参与考核但不计算本单位考核基数，不占本单位优秀指标，本单位考核结果作为定量考核结果" and "综合考核单列"): the
 * base and the quota count the other cadres only, no head takes a place, and a head's score is shown as the
 * quantitative result with no suggested grade.
 *
 * Facts about a cadre (seed 004_9ba8455c36f7d67d.txt, "确定领导班子和领导干部考核对象范围需要注意的几个问题"):
 * - "2019年12月31日前退休的县管干部,不参加年度考核": out of the base, no grade.
 * - "县级下派挂职干部……工作不满6个月的在原单位考核": out of this unit's base, no grade here.
 * - "中央、省、市下派的挂职干部年度考核在所挂职乡镇进行,评为优秀的不占挂职单位20%的优秀指标": graded here (优秀 needs
 *   90 points, as for anyone) but out of the base and taking no place.
 * - "县级下派挂职干部,工作满6个月的纳入乡镇考核,占挂职乡镇20%优秀指标": counted like any cadre.
 * - "涉嫌违纪违法被立案审查调查尚未结案的,参加年度考核,但不确定等次,待结案后,根据处理情况确定当年年度考核等次": in the
 *   base, no grade, no place.
 * And seed 001_98ca728807ffae1b.txt 第十七条, "党建工作成效考核达不到“好”等次的县区和单位,……党委(党组)书记和分管党建
 * 工作的副职年度考核不得评定为“优秀”等次": with the linked unit's grade below `requiredGrade`, the cadres marked as its
 * secretary or deputy for party building are at most `maxGrade` and take no place. Without a linked grade, no cap.
 */
export function gradeCadres(
  rules: CadreRules,
  seed: string,
  teamGrade: string | null,
  cadres: readonly CadreInput[],
  unitFacts: UnitFacts = {},
  partyBuilding: PartyBuildingGrade | null = null,
): { cadres: GradedCadre[]; quota: QuotaInfo; flags: Flag[] } {
  // Seed 004_9ba8455c36f7d67d.txt: "凡是本年度出现以下情况的乡镇、部门党政主要领导不能参加评优：本辖区内出现群体性事件的；被县委、政府问责的；
  // 党建工作排在全县后列的；本乡镇、本部门出现重大腐败案件的".
  const barEvents = rules.headBar ? HEAD_BAR_FACTS.filter(([k]) => unitFacts[k] === true).map(([, text]) => text) : [];
  const headBarred = (c: CadreInput) => c.isHead && barEvents.length > 0;
  const apartRule = rules.apart;
  const sec = rules.secondment;
  const retired = (c: CadreInput) => rules.retired !== undefined && c.retired === true;
  const atHome = (c: CadreInput) => sec !== undefined && c.secondment === 'county-under6';
  /** Not assessed in this unit at all. */
  const notHere = (c: CadreInput) => retired(c) || atHome(c);
  const isApart = (c: CadreInput) => apartRule !== undefined && c.isHead && !notHere(c);
  const fromAbove = (c: CadreInput) => sec !== undefined && c.secondment === 'from-above' && !notHere(c) && !isApart(c);
  const investigated = (c: CadreInput) => rules.investigation !== undefined && c.underInvestigation === true;
  const inBase = (c: CadreInput) => !notHere(c) && !isApart(c) && !fromAbove(c);
  const base = cadres.filter(inBase);
  const n = base.length;
  const ex = rules.excellent;
  const percent = teamGrade !== null && ex.percentByTeamGrade[teamGrade] !== undefined ? ex.percentByTeamGrade[teamGrade]! : ex.defaultPercent;
  const max = quotaMax(percent, n);
  const exIdx = rules.scale.indexOf(ex.grade);
  const headCap = teamGrade === null ? undefined : rules.headCaps.find((h) => h.teamGrade === teamGrade);
  const pb = rules.partyBuilding;
  const pbRole = (c: CadreInput) => pb !== undefined && (c.partyRole === 'secretary' || c.partyRole === 'party-building-deputy');
  const pbBelow = partyBuilding !== null && partyBuilding.grade !== null && pb !== undefined && partyBuilding.grade !== pb.requiredGrade;
  const pbCapped = (c: CadreInput) => pbRole(c) && pbBelow;
  const blocked = (c: CadreInput) =>
    investigated(c) ||
    headBarred(c) ||
    (c.isHead && headCap !== undefined && rules.scale.indexOf(headCap.maxGrade) > exIdx) ||
    (c.noExcellentInDaily && rules.dailyCap !== undefined && rules.scale.indexOf(rules.dailyCap.maxGrade) > exIdx) ||
    (pbCapped(c) && rules.scale.indexOf(pb!.maxGrade) > exIdx);
  const eligible = base
    .filter((c) => c.score !== null && c.score >= ex.minScore && !blocked(c))
    .map((c) => ({ ...c, total: c.score as number }))
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name, 'zh-CN'));
  const sel = selectWithinQuota(eligible, max);
  const granted = new Set(sel.granted.map((c) => c.id));
  const tied = new Set(sel.tied.map((c) => c.id));
  const flags: Flag[] = [];
  if (teamGrade === null) flags.push({ code: 'TEAM_GRADE_UNKNOWN', message: `班子等次未定，优秀比例暂按 ${ex.defaultPercent}% 计，主要负责人等次限制暂无法判断` });
  const apartCount = cadres.filter(isApart).length;
  if (apartRule && apartCount > 0) {
    flags.push({ code: 'HEADS_ASSESSED_APART', message: `${apartCount} 名正职综合考核单列，不计算本单位考核基数（${n} 人），不占本单位优秀指标` });
  }
  const outside = [
    [cadres.filter(retired).length, '12月31日前退休（不参加年度考核）'],
    [cadres.filter((c) => atHome(c) && !retired(c)).length, '县级下派挂职不满6个月（在原单位考核）'],
    [cadres.filter(fromAbove).length, '中央、省、市下派挂职（优秀不占本单位指标）'],
  ] as const;
  if (outside.some(([k]) => k > 0)) {
    flags.push({ code: 'NOT_IN_BASE', message: `不计算本单位考核基数：${outside.filter(([k]) => k > 0).map(([k, what]) => `${what} ${k} 人`).join('，')}；考核基数 ${n} 人` });
  }
  const underInvestigation = base.filter(investigated).length;
  if (underInvestigation > 0) flags.push({ code: 'UNDER_INVESTIGATION', message: `${underInvestigation} 人立案审查调查尚未结案：计入考核基数，暂不确定等次，不占优秀名额` });

  const investigationFlag: Flag = { code: 'UNDER_INVESTIGATION', message: '涉嫌违纪违法被立案审查调查尚未结案：参加年度考核，但不确定等次，待结案后根据处理情况确定' };
  const fmtScore = (x: number) => Number(x.toFixed(2));
  /** 第十七条 for a secretary or deputy: the rule cited and the flag, or a note that it cannot be checked yet. */
  const partyBuildingNote = (c: CadreInput): { flag: Flag; capped: boolean } | null => {
    if (!pbRole(c)) return null;
    if (partyBuilding === null) return { capped: false, flag: { code: 'PARTY_BUILDING_NOT_LINKED', message: '本单位未关联党建工作成效考核结果：书记、分管党建工作的副职能否评为优秀尚无法核对' } };
    if (partyBuilding.grade === null) return { capped: false, flag: { code: 'PARTY_BUILDING_PENDING', message: '关联的党建工作成效考核尚无等次：书记、分管党建工作的副职能否评为优秀待其确定' } };
    if (!pbBelow) return null;
    const how = partyBuilding.source === 'final' ? '已确定' : '建议等次，尚未确定';
    return { capped: true, flag: { code: 'PARTY_BUILDING_BELOW_GOOD', message: `本单位党建工作成效考核等次为“${partyBuilding.grade}”（${how}），达不到“${pb!.requiredGrade}”：党委（党组）书记和分管党建工作的副职年度考核不得评定为“${ex.grade}”` } };
  };

  const out = cadres.map((c): GradedCadre => {
    const row = { id: c.id, name: c.name, isHead: c.isHead, score: c.score, inBase: inBase(c) };
    const none = (rs: RuleCite[], f: Flag[]): GradedCadre => ({ ...row, suggestion: { grade: null, rules: rs, tieAtBoundary: false, flags: f } });
    if (retired(c)) return none([cite(rules.retired!.rule, seed)], [{ code: 'RETIRED', message: '考核年度12月31日前退休：不参加年度考核，不计算本单位考核基数' }]);
    if (atHome(c)) return none([cite(sec!.countyHome, seed)], [{ code: 'ASSESSED_IN_HOME_UNIT', message: '县级下派挂职不满6个月：在原单位考核，本单位不计算考核基数、不确定等次' }]);
    const pbn = partyBuildingNote(c);
    if (apartRule && isApart(c)) {
      // Graded apart: no suggestion here. The caps on a head still apply where the grade is decided.
      const rs = [cite(apartRule.rule, seed), ...(headCap ? [cite(headCap.rule, seed)] : []), ...(headBarred(c) ? [cite(rules.headBar!.rule, seed)] : []), ...(pbn?.capped ? [cite(pb!.rule, seed)] : [])];
      const f: Flag[] = [{ code: 'ASSESSED_APART', message: `综合考核单列：本单位测评${c.score === null ? '尚无分值' : `分值 ${fmtScore(c.score)} 作为定量考核结果`}，等次由组织部综合酝酿确定` }];
      if (headBarred(c)) f.push(headBarFlag(barEvents));
      if (pbn) f.push(pbn.flag);
      if (investigated(c)) {
        f.push(investigationFlag);
        rs.push(cite(rules.investigation!.rule, seed));
      }
      return none(rs, f);
    }
    const above = fromAbove(c);
    const aboveFlag: Flag = { code: 'SECONDED_FROM_ABOVE', message: '中央、省、市下派挂职干部：在本单位考核，评为优秀的不占本单位优秀指标，不计算本单位考核基数' };
    if (investigated(c)) {
      const f = [investigationFlag, ...(above ? [aboveFlag] : []), ...(pbn ? [pbn.flag] : [])];
      return none([cite(rules.investigation!.rule, seed), ...(above ? [cite(sec!.fromAbove, seed)] : [])], f);
    }
    if (c.score === null) return none([], [{ code: 'SCORE_MISSING', message: '缺少测评分值，暂不提出等次建议' }, ...(above ? [aboveFlag] : []), ...(pbn ? [pbn.flag] : [])]);
    const f: Flag[] = [];
    let grade = rules.default.grade;
    let rs: RuleCite[] = [cite(rules.default.rule, seed)];
    if (above) {
      // Graded here without a place: 优秀 with 90 points, unless a cap below says otherwise.
      if (c.score >= ex.minScore && !blocked(c)) {
        grade = ex.grade;
        rs = [cite(sec!.fromAbove, seed), cite(ex.scoreRule, seed)];
      } else rs.push(cite(sec!.fromAbove, seed), ...(c.score < ex.minScore ? [cite(ex.scoreRule, seed)] : []));
      f.push(aboveFlag);
    } else if (granted.has(c.id)) {
      grade = ex.grade;
      rs = [cite(ex.rule, seed), cite(ex.scoreRule, seed)];
    } else if (c.score < ex.minScore) {
      rs.push(cite(ex.scoreRule, seed));
    } else if (!blocked(c)) {
      f.push({ code: 'OUTSIDE_QUOTA', message: `测评分值达到 ${ex.minScore} 分，但超出优秀名额（${quotaArithmetic(percent, n)}）` });
      rs.push(cite(ex.rule, seed));
    }
    if (sec && c.secondment === 'county-6plus') {
      f.push({ code: 'SECONDED_FROM_COUNTY', message: '县级下派挂职满6个月：纳入本单位考核，计算考核基数，占本单位优秀指标' });
      rs.push(cite(sec.countyCounted, seed));
    }
    // A cap leads the rules when it lowers the grade, or when it is what keeps a cadre with 90 points from 优秀.
    const capTo = (maxGrade: string, rule: RuleCite) => {
      const capped = worseGrade(rules.scale, grade, maxGrade);
      const decisive = capped !== grade || (c.score! >= ex.minScore && rules.scale.indexOf(maxGrade) > exIdx);
      grade = capped;
      if (decisive) rs = [rule, ...rs];
      else rs.push(rule);
    };
    if (c.isHead && headCap) capTo(headCap.maxGrade, cite(headCap.rule, seed));
    if (headBarred(c)) {
      f.push(headBarFlag(barEvents));
      rs.push(cite(rules.headBar!.rule, seed));
    }
    if (c.noExcellentInDaily && rules.dailyCap) capTo(rules.dailyCap.maxGrade, cite(rules.dailyCap.rule, seed));
    if (pbn) {
      f.push(pbn.flag);
      if (pbn.capped) capTo(pb!.maxGrade, cite(pb!.rule, seed));
    }
    const tie = tied.has(c.id);
    if (tie) f.push(TIE_FLAG(c.score));
    return { ...row, suggestion: { grade, rules: rs, tieAtBoundary: tie, flags: f } };
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
