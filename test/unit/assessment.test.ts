// Unit-level assessment rules: composite scores, quotas, bands, caps and cadre grades, on plain data.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSchemes } from '../../src/assessment/schemes.catalog.js';
import { catalogueOf, parseScheme, SchemeError, type Scheme } from '../../src/domain/assessment/scheme.js';
import { ballotScoreFromTally, ballotUsable, deductionPoints, scoreUnit, type BallotScore } from '../../src/domain/assessment/score.js';
import { gradeCadres, quotaArithmetic, quotaMax, rankDomain, type RankInput } from '../../src/domain/assessment/grading.js';
import { tallyMeeting, type FormResult } from '../../src/domain/tally.js';
import { loadFormCatalog } from '../../src/forms/forms.catalog.js';
import { formsFolder } from '../../src/shared/paths.js';

const schemes = loadSchemes();
const s001 = schemes.get('party-building-001')!;
const s002 = schemes.get('party-building-002')!;
const s004 = schemes.get('cadres-004')!;
const SEED001 = '001_98ca728807ffae1b.txt';
const SEED002 = '002_ef31b3aa8f1f181a.txt';
const SEED004 = '004_9ba8455c36f7d67d.txt';

const ballot = (value: number | null, usable = true): BallotScore => ({ meetingId: 'm', meetingTitle: '测评会', formId: 'f', subjectId: null, value, items: 1, usable, flags: usable ? [] : [{ code: 'BELOW_MINIMUM', message: '无效' }] });
const units = (totals: Array<number | null>, facts: Array<RankInput['facts']> = []): RankInput[] =>
  totals.map((t, i) => ({ id: `u${i + 1}`, name: `单位${String(i + 1).padStart(2, '0')}`, total: t, facts: facts[i] ?? {} }));
const gradeOf = (r: ReturnType<typeof rankDomain>, id: string) => r.units.find((u) => u.id === id)!.suggestion;
const count = (r: ReturnType<typeof rankDomain>, grade: string) => r.units.filter((u) => u.suggestion.grade === grade).length;

describe('the shipped schemes', () => {
  it('load and validate: 001 (five domains, indicators worth 80), 002 (镇街, 市直单位), 004 (teams and cadres)', () => {
    expect([...schemes.keys()].sort()).toEqual(['cadres-004', 'party-building-001', 'party-building-002']);
    expect(s001.source.seed).toBe(SEED001);
    expect(s001.domains.map((d) => d.label)).toEqual(['县（区）', '市直单位', '市管学校', '市管国有企业', '市级公立医院']);
    // 001_98ca728807ffae1b.txt: "总分为100分,其中指标考核分值占80,……述职评议考核分值占20"
    expect(s001.indicators!.reduce((a, i) => a + i.max, 0)).toBe(80);
    expect(s002.domains.map((d) => d.label)).toEqual(['镇街', '市直单位']);
    expect(s004.cadres?.excellent.minScore).toBe(90);
  });

  it('rejects a scheme whose domain names a missing grading, or a grade not on its scale', () => {
    const bad = structuredClone(s002) as Scheme;
    bad.domains[0]!.grading = 'nope';
    expect(() => parseScheme(bad, 'x')).toThrow(SchemeError);
    const bad2 = structuredClone(s002) as Scheme;
    (bad2.gradings['township-bands'] as { top: { grade: string } }).top.grade = '特优';
    expect(() => parseScheme(bad2, 'x')).toThrow(/not on its scale/);
    expect(() => parseScheme({ id: 'X' }, 'x')).toThrow(SchemeError);
  });
});

describe('composite scores', () => {
  it('002 township: 述职评议 20% + 年度工作考评 20% + 党建实绩 60% + innovation 5 per item capped at 15 (002_ef31b3aa8f1f181a.txt)', () => {
    const s = scoreUnit(s002.formulas.township!, [], {
      entered: { 'annual-review': 'first', 'performance.basic': 90, 'performance.key': 80, innovation: 4 },
      deductions: [],
      ballots: { 'report-review': ballot(85) },
    });
    // 0.2 × 85 + 0.2 × 100 (一等奖) + 0.6 × (90 + 80) / 2 + min(15, 4 × 5) = 17 + 20 + 51 + 15
    expect(s.total).toBe(103);
    expect(s.components.find((c) => c.key === 'innovation')!.flags.map((f) => f.code)).toEqual(['BONUS_CAPPED']);
    expect(s.components.find((c) => c.key === 'performance')!.value).toBe(85);
  });

  // seed 002_ef31b3aa8f1f181a.txt: "对每项基础工作和重点工作进行评分(100 分制) ,取平均得分计入总分".
  it('002 党建实绩: the mean over every scored item, not of the two category means', () => {
    const perf = (entered: Record<string, number>) => scoreUnit(s002.formulas.township!, [], { entered, deductions: [], ballots: {} }).components.find((c) => c.key === 'performance')!;
    // 基础工作 90, 90, 90 and 重点工作 70: (90 × 3 + 70) / 4 = 85, not (90 + 70) / 2 = 80.
    const items = perf({ 'performance.basic.1': 90, 'performance.basic.2': 90, 'performance.basic.3': 90, 'performance.key.1': 70 });
    expect(items.value).toBe(85);
    expect(items.detail).toBe('基础工作 3 项、重点工作 1 项，共 4 项的平均分 = 85');
    expect(items.flags).toEqual([]);
    // A part entered as one figure counts as one item, and says so.
    const whole = perf({ 'performance.basic': 90, 'performance.key.1': 70, 'performance.key.2': 80 });
    expect(whole.value).toBe(80);
    expect(whole.flags.map((f) => f.message)).toEqual(['基础工作未逐项录入，按一项计入平均分']);
    expect(perf({ 'performance.basic.1': 90 }).value).toBeNull();
  });

  it('002: 年度工作考评 一等奖 / 二等奖 / other = 100 / 90 / 80 (002_ef31b3aa8f1f181a.txt)', () => {
    const score = (level: string) =>
      scoreUnit(s002.formulas['city-unit']!, [], { entered: { 'annual-review': level, 'performance.basic': 0, 'performance.key': 0 }, deductions: [], ballots: { 'democratic-evaluation': ballot(0) } }).total;
    expect([score('first'), score('second'), score('other')]).toEqual([20, 18, 16]);
  });

  it('a missing part leaves the score incomplete, and an unusable meeting is shown but never used', () => {
    const s = scoreUnit(s002.formulas.township!, [], { entered: { 'annual-review': 'second', 'performance.basic': 90 }, deductions: [], ballots: { 'report-review': ballot(95, false) } });
    expect(s.total).toBeNull();
    expect(s.flags[0]!.code).toBe('SCORE_INCOMPLETE');
    const rr = s.components.find((c) => c.key === 'report-review')!;
    expect(rr.value).toBeNull();
    expect(rr.detail).toContain('95');
    expect(rr.flags.map((f) => f.code)).toContain('BELOW_MINIMUM');
    expect(ballotUsable('closed', [{ code: 'BELOW_MINIMUM', message: '' }]).usable).toBe(false);
    expect(ballotUsable('open', []).flags.map((f) => f.code)).toEqual(['MEETING_NOT_CLOSED']);
    expect(ballotUsable('closed', []).usable).toBe(true);
    // Interviews are another instrument: shown, not blocking. An unknown flag blocks.
    expect(ballotUsable('closed', [{ code: 'INTERVIEWS_BELOW_MINIMUM', message: '' }])).toMatchObject({ usable: true, flags: [{ code: 'INTERVIEWS_BELOW_MINIMUM' }] });
    expect(ballotUsable('closed', [{ code: 'SOMETHING_NEW', message: '' }]).usable).toBe(false);
  });

  it('001: indicators by deduction, each floored at zero, + 述职评议 × 20% (001_98ca728807ffae1b.txt)', () => {
    const ind = s001.indicators!;
    const rule = (iid: string, rid: string) => ind.find((i) => i.id === iid)!.rules.find((r) => r.id === rid)!;
    // "每1起扣2分", three occurrences: 6 points.
    expect(deductionPoints(rule('1', '1.1'), 3)).toBe(6);
    // "每少1个百分点扣0.1分", 7 points short: 0.7.
    expect(deductionPoints(rule('5', '5.7'), 7)).toBe(0.7);
    // A fixed deduction ignores the count.
    expect(deductionPoints(rule('2', '2.1'), 1)).toBe(2);
    const s = scoreUnit(s001.formulas.standard!, ind, {
      entered: {},
      deductions: [
        { indicatorId: '1', ruleId: '1.1', occurrences: 3, points: 6 },
        { indicatorId: '10', ruleId: '10.2', occurrences: 3, points: 3 }, // indicator (十) is worth 2: floored at 0, not −1
        { indicatorId: '5', ruleId: '5.7', occurrences: 7, points: 0.7 },
      ],
      ballots: { 'report-review': ballot(90) },
    });
    const indicators = s.components.find((c) => c.key === 'indicators')!;
    expect(indicators.value).toBe(80 - 6 - 2 - 0.7);
    expect(indicators.flags.map((f) => f.code)).toEqual(['INDICATOR_FLOORED']);
    expect(indicators.indicators!.find((i) => i.indicatorId === '10')).toMatchObject({ deducted: 3, score: 0, floored: true });
    expect(s.total).toBe(71.3 + 18);
  });
});

// seed 002_ef31b3aa8f1f181a.txt: "民主测评设 100 分，其中领导自评和民主评议分别按 40%和 60%的权重，汇总得出民主测评结果，按具体得分
// 计入总分" and "各市直单位按照民主测评、年度工作考评各占 20%，党建实绩考核占 60%的比例计算综合得分".
describe('a city unit whose team has 3 members', () => {
  it('民主测评 0.4 × 100 + 0.6 × 80 = 88 from the real tally, and the composite 0.2 × 88 + 0.2 × 90 + 0.6 × 85 = 86.6 (not 85.8)', () => {
    const f = loadFormCatalog(formsFolder).get('unit-democratic-evaluation')!;
    const graded = f.questions.filter((q) => q.type === 'graded');
    const vote = (category: string, grade: string) => ({ category, valid: true, answers: { [f.id]: Object.fromEntries(graded.map((q) => [q.id, { t: grade }])) } });
    const tally = tallyMeeting({
      forms: [f],
      subjects: [{ id: 't', name: '市某局领导班子', kind: 'team' }],
      categories: [
        { key: 'self', label: '领导自评', weight: 0.4 },
        { key: 'staff', label: '民主评议', weight: 0.6 },
      ],
      // 3 self-ratings all 好 (100); 12 staff ratings averaging 80 (6 好, 6 一般).
      ballots: [...Array.from({ length: 3 }, () => vote('self', 'good')), ...Array.from({ length: 6 }, () => vote('staff', 'good')), ...Array.from({ length: 6 }, () => vote('staff', 'average'))],
    });
    const fed = ballotScoreFromTally(tally.forms, f.id, 't');
    expect(fed.items).toBe(graded.length);
    expect(fed.value).toBeCloseTo(88, 10);
    const s = scoreUnit(s002.formulas['city-unit']!, [], {
      entered: { 'annual-review': 'second', 'performance.basic': 85, 'performance.key': 85 },
      deductions: [],
      ballots: { 'democratic-evaluation': { ...ballot(fed.value), items: fed.items } },
    });
    expect(s.total).toBe(86.6);
    expect(s.components.find((c) => c.key === 'democratic-evaluation')!.detail).toContain('加权平均分');
  });
});

// seed 001_98ca728807ffae1b.txt 第八条: "按照县(区)、市直单位、市管学校、市管国有企业、市级公立医院5个领域,分别制定……年度考核指标
// 体系"; its appendix is the county catalogue ("未建设县级融媒体中心" is no hospital's fault).
describe('001: a deduction catalogue per domain', () => {
  it('the 县（区） catalogue serves 县（区） only; a hospital has none yet, and its score says so instead of using it', () => {
    expect(catalogueOf(s001, 'county')!.reduce((a, i) => a + i.max, 0)).toBe(80);
    for (const d of ['city-unit', 'school', 'state-enterprise', 'public-hospital']) expect(catalogueOf(s001, d)).toBeNull();
    const s = scoreUnit(s001.formulas.standard!, catalogueOf(s001, 'public-hospital'), { entered: {}, deductions: [], ballots: { 'report-review': ballot(90) } });
    const ind = s.components.find((c) => c.key === 'indicators')!;
    expect(ind.value).toBeNull();
    expect(ind.flags.map((f) => f.code)).toEqual(['CATALOGUE_MISSING']);
    expect(ind.detail).toContain('本领域尚无扣分指标目录');
    expect(s.total).toBeNull();
  });
});

describe('one scale per score', () => {
  it('a team rated at the top on every item scores 100 from its five 好 items, not 99.17 mixed with the overall 优秀 at 95', () => {
    const f = loadFormCatalog(formsFolder).get('county-team-evaluation')!;
    expect(f.scoreScale).toBe('four-grade');
    const top = Object.fromEntries(f.questions.filter((q) => q.type === 'graded').map((q) => [q.id, { t: q.scale === 'four-grade' ? 'good' : 'excellent' }]));
    const tally = tallyMeeting({ forms: [f], subjects: [{ id: 't', name: '某局领导班子', kind: 'team' }], categories: [], ballots: [{ category: null, valid: true, answers: { [f.id]: top } }] });
    const all = tally.forms[0]!.questions.filter((q) => q.type === 'graded').map((q) => q.subjects![0]!.meanPoints!);
    expect(all.reduce((a, b) => a + b, 0) / all.length).toBeCloseTo(99.1667, 4); // what mixing the two scales gave
    expect(ballotScoreFromTally(tally.forms, f.id, 't')).toEqual({ value: 100, items: 5 });
  });
});

describe('the number a meeting feeds in', () => {
  const forms: FormResult[] = [
    {
      formId: 'annual',
      title: '年度考核',
      questions: [
        { questionId: 'a', type: 'graded', text: '', answered: 3, subjects: [{ subjectId: 't', name: '班子', answered: 3, counts: {}, shares: {}, meanPoints: 80, favourableRate: null, weightedMeanPoints: 84, flags: [] }] },
        { questionId: 'b', type: 'graded', text: '', answered: 3, subjects: [{ subjectId: 't', name: '班子', answered: 3, counts: {}, shares: {}, meanPoints: 90, favourableRate: null, weightedMeanPoints: 90, flags: [] }] },
        { questionId: 'c', type: 'text', text: '', answered: 0 },
      ],
    },
    { formId: 'report', title: '述职', questions: [{ questionId: 'overall', type: 'graded', text: '', answered: 3, meanPoints: 86.6667, weightedMeanPoints: 86.6667 }] },
  ];
  it('is the mean over the graded items of the subject’s weighted mean points (002: 领导自评 40% + 民主评议 60%)', () => {
    expect(ballotScoreFromTally(forms, 'annual', 't')).toEqual({ value: 87, items: 2 });
    expect(ballotScoreFromTally(forms, 'report', null)).toEqual({ value: 86.6667, items: 1 });
    expect(ballotScoreFromTally(forms, 'annual', 'other')).toEqual({ value: null, items: 0 });
    expect(ballotScoreFromTally(forms, 'missing', null).value).toBeNull();
  });
});

describe('quotas (001: 好 at most 30% per domain; rounding down)', () => {
  const g = s001.gradings['good-30']!;
  it('states the rounding rule: floor(30% × n), exact in integers', () => {
    expect([quotaMax(30, 10), quotaMax(30, 7), quotaMax(30, 13), quotaMax(30, 3), quotaMax(30, 20)]).toEqual([3, 2, 3, 0, 6]);
    expect(quotaArithmetic(30, 10)).toBe('30% × 10 = 3');
    expect(quotaArithmetic(30, 13)).toBe('floor(30% × 13) = floor(3.9) = 3');
  });

  it('exactly 30%: 10 units give 3 好, the rest 较好 (001_98ca728807ffae1b.txt)', () => {
    const r = rankDomain(g, SEED001, units([95, 94, 93, 92, 91, 90, 89, 88, 87, 86]));
    expect(count(r, '好')).toBe(3);
    expect(r.units.slice(0, 3).map((u) => u.id)).toEqual(['u1', 'u2', 'u3']);
    expect(gradeOf(r, 'u1').rules[0]).toEqual({ id: '001-good-30', text: expect.any(String), seed: SEED001, document: '《市党建工作成效考核办法》' });
    expect(gradeOf(r, 'u4')).toMatchObject({ grade: '较好', tieAtBoundary: false });
    expect(r.quotas[0]).toMatchObject({ n: 10, percent: 30, max: 3, granted: 3, tieAtBoundary: false, arithmetic: '30% × 10 = 3' });
  });

  it('7 units give 2 好 and 13 units give 3 (floor(2.1), floor(3.9))', () => {
    expect(count(rankDomain(g, SEED001, units([70, 71, 72, 73, 74, 75, 76])), '好')).toBe(2);
    const r13 = rankDomain(g, SEED001, units(Array.from({ length: 13 }, (_, i) => 60 + i)));
    expect(count(r13, '好')).toBe(3);
    expect(r13.quotas[0]!.arithmetic).toBe('floor(30% × 13) = floor(3.9) = 3');
  });

  it('a tie at the boundary: all tied units get the lower grade and are flagged', () => {
    // 10 units, 3 places: the 3rd and 4th both have 90.
    const r = rankDomain(g, SEED001, units([95, 94, 90, 90, 88, 87, 86, 85, 84, 83]));
    expect(count(r, '好')).toBe(2);
    expect(gradeOf(r, 'u3')).toMatchObject({ grade: '较好', tieAtBoundary: true });
    expect(gradeOf(r, 'u4')).toMatchObject({ grade: '较好', tieAtBoundary: true });
    expect(gradeOf(r, 'u3').flags[0]!.code).toBe('TIE_AT_BOUNDARY');
    expect(r.quotas[0]).toMatchObject({ max: 3, granted: 2, tieAtBoundary: true, boundaryScore: 90 });
    expect(r.flags.map((f) => f.code)).toContain('TIE_AT_BOUNDARY');
    // Ranks are competition ranks: 1, 2, 3, 3, 5.
    expect(r.units.map((u) => u.rank).slice(0, 5)).toEqual([1, 2, 3, 3, 5]);
    // A tie inside the quota is no edge: 95, 95, 94 with 3 places are all 好.
    expect(count(rankDomain(g, SEED001, units([95, 95, 94, 80, 79, 78, 77, 76, 75, 74])), '好')).toBe(3);
  });

  it('named criticism, or a satisfaction survey at 一般 or worse, keeps a unit below 较好; its top place passes on (001)', () => {
    const r = rankDomain(g, SEED001, units([99, 98, 97, 96, 90, 89, 88, 87, 86, 85], [{ namedCriticism: true }, { satisfaction: '一般' }, { satisfaction: '较好' }]));
    expect(gradeOf(r, 'u1')).toMatchObject({ grade: '一般' });
    expect(gradeOf(r, 'u1').rules[0]!.id).toBe('001-cap-named-criticism');
    expect(gradeOf(r, 'u2').rules[0]!.id).toBe('001-cap-satisfaction');
    expect(gradeOf(r, 'u2').grade).toBe('一般');
    expect(['u3', 'u4', 'u5'].map((id) => gradeOf(r, id).grade)).toEqual(['好', '好', '好']);
    expect(count(r, '好')).toBe(3);
  });

  it('the last with grave problems is 差; 成效不明显 in the bottom half is 一般; elsewhere only flagged (001)', () => {
    const facts = Array.from({ length: 10 }, () => ({})) as RankInput['facts'][];
    facts[9] = { graveProblem: true };
    facts[7] = { ineffective: true };
    facts[1] = { ineffective: true };
    facts[4] = { graveProblem: true };
    const r = rankDomain(g, SEED001, units([95, 94, 93, 92, 91, 90, 89, 88, 87, 86], facts));
    expect(gradeOf(r, 'u10')).toMatchObject({ grade: '差', rules: [expect.objectContaining({ id: '001-last-poor', seed: SEED001 })] });
    expect(gradeOf(r, 'u8')).toMatchObject({ grade: '一般', rules: [expect.objectContaining({ id: '001-tail-average' })] });
    expect(gradeOf(r, 'u2').grade).toBe('好');
    expect(gradeOf(r, 'u2').flags.map((f) => f.code)).toContain('INEFFECTIVE_NOT_IN_TAIL');
    expect(gradeOf(r, 'u5').flags.map((f) => f.code)).toContain('GRAVE_PROBLEM_NOT_LAST');
  });

  it('an incomplete score gets no suggestion and marks the ranking provisional', () => {
    const r = rankDomain(g, SEED001, units([90, null, 80]));
    expect(gradeOf(r, 'u2')).toMatchObject({ grade: null });
    expect(r.provisional).toBe(true);
    expect(r.units[2]!.id).toBe('u2');
  });
});

describe('bands (002: 镇街 top 10 优秀 / bottom 10 一般; 市直单位 30 / 30)', () => {
  const g = s002.gradings['township-bands']!;
  it('25 townships: 10 优秀, 5 良好, 10 一般 (002_ef31b3aa8f1f181a.txt)', () => {
    const r = rankDomain(g, SEED002, units(Array.from({ length: 25 }, (_, i) => 100 - i)));
    expect([count(r, '优秀'), count(r, '良好'), count(r, '一般')]).toEqual([10, 5, 10]);
    expect(gradeOf(r, 'u1').rules[0]!.id).toBe('002-township-top-10');
    expect(gradeOf(r, 'u25').rules[0]!.id).toBe('002-township-bottom-10');
    expect(s002.gradings['city-unit-bands']).toMatchObject({ top: { count: 30 }, bottom: { count: 30 } });
  });

  it('ties at either boundary get the lower grade and are flagged', () => {
    const totals = Array.from({ length: 25 }, (_, i) => 100 - i);
    totals[10] = totals[9]!; // 10th and 11th tie: neither is 优秀
    totals[15] = totals[14]!; // 15th and 16th tie at the bottom edge: both 一般
    const r = rankDomain(g, SEED002, units(totals));
    expect(count(r, '优秀')).toBe(9);
    expect(gradeOf(r, 'u10')).toMatchObject({ grade: '良好', tieAtBoundary: true });
    expect(gradeOf(r, 'u11')).toMatchObject({ grade: '良好', tieAtBoundary: true });
    expect(gradeOf(r, 'u15')).toMatchObject({ grade: '一般', tieAtBoundary: true });
    expect(gradeOf(r, 'u16')).toMatchObject({ grade: '一般', tieAtBoundary: true });
    expect(count(r, '一般')).toBe(11);
    expect(r.quotas.map((q) => q.tieAtBoundary)).toEqual([true, true]);
  });

  it('12 townships: the bands overlap, the bottom band takes the two after the top ten, flagged', () => {
    const r = rankDomain(g, SEED002, units(Array.from({ length: 12 }, (_, i) => 90 - i)));
    expect([count(r, '优秀'), count(r, '良好'), count(r, '一般')]).toEqual([10, 0, 2]);
    expect(r.flags.map((f) => f.code)).toContain('BANDS_OVERLAP');
  });
});

describe('cadres (004: 优秀 needs ≥ 90 and a place within 25% / 20% / 15% by the team grade)', () => {
  const rules = s004.cadres!;
  const cadres = (scores: Array<number | null>, head = -1, daily = -1) =>
    scores.map((s, i) => ({ id: `c${i + 1}`, name: `干部${String(i + 1).padStart(2, '0')}`, isHead: i === head, score: s, noExcellentInDaily: i === daily }));
  const excellent = (r: ReturnType<typeof gradeCadres>) => r.cadres.filter((c) => c.suggestion.grade === '优秀').map((c) => c.id);

  it('10 cadres of a 良好 team: 20% = 2 优秀, only with a score of at least 90 (004_9ba8455c36f7d67d.txt)', () => {
    const r = gradeCadres(rules, SEED004, '良好', cadres([96, 95, 94, 89.9, 80, 80, 80, 80, 80, 80]));
    expect(excellent(r)).toEqual(['c1', 'c2']);
    expect(r.quota).toMatchObject({ percent: 20, max: 2, arithmetic: '20% × 10 = 2' });
    expect(r.cadres[2]!.suggestion.flags.map((f) => f.code)).toEqual(['OUTSIDE_QUOTA']);
    expect(r.cadres[0]!.suggestion.rules.map((x) => x.id)).toEqual(['004-cadre-excellent-share', '004-cadre-min-score-90']);
    // Only one cadre reaches 90: one 优秀, even with two places.
    expect(excellent(gradeCadres(rules, SEED004, '良好', cadres([92, 89, 88, 87, 86, 85, 84, 83, 82, 81])))).toEqual(['c1']);
  });

  it('a 优秀 team lifts the share to 25%, a 较差 team cuts it to 15%', () => {
    const twelve = cadres([99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 80, 70]);
    expect(excellent(gradeCadres(rules, SEED004, '优秀', twelve))).toEqual(['c1', 'c2', 'c3']);
    expect(excellent(gradeCadres(rules, SEED004, '良好', twelve))).toEqual(['c1', 'c2']);
    expect(excellent(gradeCadres(rules, SEED004, '较差', twelve))).toEqual(['c1']);
    expect(gradeCadres(rules, SEED004, '较差', twelve).quota.arithmetic).toBe('floor(15% × 12) = floor(1.8) = 1');
  });

  it('under rules without heads assessed apart, the head of a 一般 team is not 优秀; of a 较差 team not 称职 or better', () => {
    const together = { ...rules, apart: undefined };
    const r = gradeCadres(together, SEED004, '一般', cadres([99, 95, 80, 80, 80, 80, 80, 80, 80, 80], 0));
    expect(r.cadres[0]!.suggestion).toMatchObject({ grade: '称职' });
    expect(excellent(r)).toEqual(['c2']); // the head's place passes on; max is still 2
    const p = gradeCadres(together, SEED004, '较差', cadres([99, 95, 80, 80, 80, 80, 80], 0));
    expect(p.cadres[0]!.suggestion.grade).toBe('基本称职');
    expect(p.cadres[0]!.suggestion.rules[0]!.id).toBe('004-head-of-poor-team');
  });

  // seed 004_9ba8455c36f7d67d.txt: "乡镇党政正职和县直各部门负责人参与考核但不计算本单位考核基数,不占本单位优秀指标,本单位考核结果作为
  // 定量考核结果" and "乡镇党政正职和县直各部门负责人综合考核单列".
  it('a township with 2 正职 and 11 other cadres: floor(20% × 11) = 2 places, the heads out of the base and taking none', () => {
    const thirteen = [
      { id: 'sec', name: '党委书记', isHead: true, score: 99, noExcellentInDaily: false },
      { id: 'mayor', name: '镇长', isHead: true, score: 98, noExcellentInDaily: false },
      ...[97, 96, 95, 94, 93, 92, 91, 88, 87, 86, 85].map((score, i) => ({ id: `c${i + 1}`, name: `干部${String(i + 1).padStart(2, '0')}`, isHead: false, score, noExcellentInDaily: false })),
    ];
    const r = gradeCadres(rules, SEED004, '良好', thirteen);
    expect(r.quota).toMatchObject({ n: 11, percent: 20, max: 2, granted: 2, arithmetic: 'floor(20% × 11) = floor(2.2) = 2' });
    expect(excellent(r)).toEqual(['c1', 'c2']);
    for (const head of r.cadres.slice(0, 2)) {
      expect(head.suggestion.grade).toBeNull();
      expect(head.suggestion.rules[0]!.text).toContain('不计算本单位考核基数，不占本单位优秀指标');
      expect(head.suggestion.flags.map((f) => f.code)).toEqual(['ASSESSED_APART']);
    }
    expect(r.cadres[0]!.suggestion.flags[0]!.message).toContain('分值 99 作为定量考核结果');
    expect(r.flags.map((f) => f.message)).toContain('2 名正职综合考核单列，不计算本单位考核基数（11 人），不占本单位优秀指标');
    // Counted in the base, as before, the two heads would have taken both places of floor(20% × 13) = 2.
    expect(excellent(gradeCadres({ ...rules, apart: undefined }, SEED004, '良好', thirteen))).toEqual(['sec', 'mayor']);
  });

  it('a head assessed apart under a 较差 team gets no grade here, and the cap on a weak team\'s head is cited for the decision', () => {
    const p = gradeCadres(rules, SEED004, '较差', cadres([99, 95, 80, 80, 80, 80, 80], 0));
    expect(p.cadres[0]!.suggestion.grade).toBeNull();
    expect(p.cadres[0]!.suggestion.rules.map((x) => x.id)).toEqual(['004-heads-assessed-apart', '004-head-of-poor-team']);
    expect(p.quota).toMatchObject({ n: 6, max: 0 });
  });

  it('no 优秀 in the daily evaluations rules out 优秀; a tie at the edge gives neither', () => {
    const r = gradeCadres(rules, SEED004, '良好', cadres([99, 95, 94, 80, 80, 80, 80, 80, 80, 80], -1, 0));
    expect(excellent(r)).toEqual(['c2', 'c3']);
    const t = gradeCadres(rules, SEED004, '良好', cadres([99, 95, 95, 80, 80, 80, 80, 80, 80, 80]));
    expect(excellent(t)).toEqual(['c1']);
    expect(t.cadres.filter((c) => c.suggestion.tieAtBoundary).map((c) => c.id)).toEqual(['c2', 'c3']);
  });

  it('teams 优秀 at most 30% (004)', () => {
    const r = rankDomain(s004.gradings['team-quota']!, SEED004, units([95, 94, 93, 92, 91, 90, 89]));
    expect(count(r, '优秀')).toBe(2);
    expect(gradeOf(r, 'u1').rules[0]!.id).toBe('004-team-excellent-30');
  });
});

describe('rules on facts the committee records', () => {
  // seed 001_98ca728807ffae1b.txt 第十八条: "对在党建工作成效考核中弄虚作假……并对本年度党建工作成效考核作降低等次处理".
  it('001: 弄虚作假 lowers the grade otherwise due by one step', () => {
    const g = s001.gradings['good-30']!;
    const r = rankDomain(g, SEED001, units([95, 94, 93, 92, 91, 90, 89, 88, 87, 86], [{ falsified: true }, {}, {}, { falsified: true }]));
    expect(gradeOf(r, 'u1')).toMatchObject({ grade: '较好', rules: [{ id: '001-falsified-lower' }, { id: '001-good-30' }] });
    expect(gradeOf(r, 'u4').grade).toBe('一般');
    expect(count(r, '好')).toBe(2); // u1's place is not passed on: it was earned, then lowered
  });

  // seed 004_9ba8455c36f7d67d.txt: "凡是本年度出现以下情况的乡镇、部门党政主要领导不能参加评优:本辖区内出现群体性事件的;被县委、政府问责的;
  // 党建工作排在全县后列的;本乡镇、本部门出现重大腐败案件的".
  it('004: after a major corruption case in the unit, its head may not be 优秀 (and is told why)', () => {
    const rules = s004.cadres!;
    const cs = [
      { id: 'h', name: '局长', isHead: true, score: 99, noExcellentInDaily: false },
      ...[95, 94, 80, 80, 80, 80, 80, 80, 80].map((score, i) => ({ id: `c${i + 1}`, name: `干部${i + 1}`, isHead: false, score, noExcellentInDaily: false })),
    ];
    const together = gradeCadres({ ...rules, apart: undefined }, SEED004, '良好', cs, { majorCorruption: true });
    expect(together.cadres[0]!.suggestion.grade).toBe('称职');
    expect(together.cadres[0]!.suggestion.flags.map((f) => f.message)).toContain('本乡镇、本部门出现重大腐败案件：主要领导不能参加评优，不得确定为优秀');
    expect(together.cadres.filter((c) => c.suggestion.grade === '优秀').map((c) => c.id)).toEqual(['c1', 'c2']);
    const apart = gradeCadres(rules, SEED004, '良好', cs, { massIncident: true, heldAccountable: true });
    expect(apart.cadres[0]!.suggestion.flags.map((f) => f.code)).toEqual(['ASSESSED_APART', 'HEAD_BARRED']);
    expect(apart.cadres[0]!.suggestion.rules.map((r) => r.id)).toContain('004-head-barred');
    expect(gradeCadres(rules, SEED004, '良好', cs).cadres[0]!.suggestion.flags.map((f) => f.code)).toEqual(['ASSESSED_APART']);
  });
});

// seed 004_9ba8455c36f7d67d.txt, "确定领导班子和领导干部考核对象范围需要注意的几个问题":
// 1. "中央、省、市下派的挂职干部年度考核在所挂职乡镇进行,评为优秀的不占挂职单位20%的优秀指标(需填写《挂职干部年度考核登记表》附件6)。
//    县级下派挂职干部,工作满6个月的纳入乡镇考核,占挂职乡镇20%优秀指标,工作不满6个月的在原单位考核。"
// 10. "2019年12月31日前退休的县管干部,不参加年度考核。"
// 11. "涉嫌违纪违法被立案审查调查尚未结案的,参加年度考核,但不确定等次,待结案后,根据处理情况确定当年年度考核等次。"
describe('cadre facts (004): 立案审查, 退休, 挂职', () => {
  const rules = s004.cadres!;
  type C = Parameters<typeof gradeCadres>[3][number];
  const cadre = (id: string, score: number | null, facts: Partial<C> = {}): C => ({ id, name: id, isHead: false, score, noExcellentInDaily: false, ...facts });
  const byId = (r: ReturnType<typeof gradeCadres>, id: string) => r.cadres.find((c) => c.id === id)!;
  const excellent = (r: ReturnType<typeof gradeCadres>) => r.cadres.filter((c) => c.suggestion.grade === '优秀').map((c) => c.id);
  // A unit of 10 cadres of a 良好 team (20%).
  const ten = [
    cadre('审查', 99, { underInvestigation: true }),
    cadre('退休', 98, { retired: true }),
    cadre('市派', 97, { secondment: 'from-above' }),
    cadre('县派', 96, { secondment: 'county-6plus' }),
    cadre('甲', 95),
    cadre('乙', 94),
    cadre('丙', 85),
    cadre('丁', 84),
    cadre('戊', 83),
    cadre('己', 82),
  ];

  it('10 cadres, one 立案审查, one retired, one 市下派, one 县级下派 ≥ 6 months: base 8, floor(20% × 8) = 1 place', () => {
    const r = gradeCadres(rules, SEED004, '良好', ten);
    // Out of the base: the retired cadre and the one sent down by the city; 10 − 2 = 8.
    expect(r.quota).toMatchObject({ n: 8, percent: 20, max: 1, granted: 1, arithmetic: 'floor(20% × 8) = floor(1.6) = 1' });
    expect(r.cadres.map((c) => [c.id, c.inBase])).toEqual([['审查', true], ['退休', false], ['市派', false], ['县派', true], ['甲', true], ['乙', true], ['丙', true], ['丁', true], ['戊', true], ['己', true]]);
    // 立案审查: in the base, score shown, no grade, no place (the best score, 99, leaves its place to the next).
    expect(byId(r, '审查')).toMatchObject({ score: 99, suggestion: { grade: null, rules: [{ id: '004-under-investigation' }], flags: [{ code: 'UNDER_INVESTIGATION', message: '涉嫌违纪违法被立案审查调查尚未结案：参加年度考核，但不确定等次，待结案后根据处理情况确定' }] } });
    // Retired before 31 December: not assessed.
    expect(byId(r, '退休').suggestion).toMatchObject({ grade: null, rules: [{ id: '004-retired' }], flags: [{ code: 'RETIRED' }] });
    // 市下派: 优秀 with 97 ≥ 90, taking no place of the host's 20%.
    expect(byId(r, '市派').suggestion).toMatchObject({ grade: '优秀', rules: [{ id: '004-seconded-from-above' }, { id: '004-cadre-min-score-90' }], flags: [{ code: 'SECONDED_FROM_ABOVE' }] });
    // 县级下派 ≥ 6 months: counted like any cadre, and takes the one place.
    expect(byId(r, '县派').suggestion).toMatchObject({ grade: '优秀', flags: [{ code: 'SECONDED_FROM_COUNTY' }] });
    expect(byId(r, '县派').suggestion.rules.map((x) => x.id)).toEqual(['004-cadre-excellent-share', '004-cadre-min-score-90', '004-seconded-county-counted']);
    expect(byId(r, '甲').suggestion).toMatchObject({ grade: '称职', flags: [{ code: 'OUTSIDE_QUOTA' }] });
    expect(excellent(r)).toEqual(['市派', '县派']);
    expect(r.flags.map((f) => f.message)).toEqual([
      '不计算本单位考核基数：12月31日前退休（不参加年度考核） 1 人，中央、省、市下派挂职（优秀不占本单位指标） 1 人；考核基数 8 人',
      '1 人立案审查调查尚未结案：计入考核基数，暂不确定等次，不占优秀名额',
    ]);
    // Without the facts the same ten give floor(20% × 10) = 2 places, to the two best scores (99, 98).
    const plain = gradeCadres(rules, SEED004, '良好', ten.map((c) => cadre(c.id, c.score)));
    expect(plain.quota).toMatchObject({ n: 10, max: 2 });
    expect(excellent(plain)).toEqual(['审查', '退休']);
    // With only the retirement: floor(20% × 9) = floor(1.8) = 1.
    expect(gradeCadres(rules, SEED004, '良好', ten.map((c) => cadre(c.id, c.score, c.id === '退休' ? { retired: true } : {}))).quota.arithmetic).toBe('floor(20% × 9) = floor(1.8) = 1');
  });

  it('县级下派 under 6 months is assessed in the home unit: out of the base, no grade here; at 6 months or more, counted', () => {
    const unit = (secondment: C['secondment']) => [cadre('挂职', 99, { secondment }), ...[95, 94, 80, 80].map((s, i) => cadre(`干部${i + 1}`, s))];
    const short = gradeCadres(rules, SEED004, '良好', unit('county-under6'));
    expect(short.quota).toMatchObject({ n: 4, max: 0, arithmetic: 'floor(20% × 4) = floor(0.8) = 0' });
    expect(byId(short, '挂职')).toMatchObject({ inBase: false, score: 99, suggestion: { grade: null, rules: [{ id: '004-seconded-county-home' }], flags: [{ code: 'ASSESSED_IN_HOME_UNIT', message: '县级下派挂职不满6个月：在原单位考核，本单位不计算考核基数、不确定等次' }] } });
    expect(short.flags.map((f) => f.code)).toEqual(['NOT_IN_BASE']);
    const full = gradeCadres(rules, SEED004, '良好', unit('county-6plus'));
    expect(full.quota).toMatchObject({ n: 5, max: 1 });
    expect(excellent(full)).toEqual(['挂职']);
  });

  it('a 市下派 cadre below 90, or with no 优秀 in the daily evaluations, is 称职; one under investigation gets no grade', () => {
    const r = gradeCadres(rules, SEED004, '良好', [
      cadre('低分', 89, { secondment: 'from-above' }),
      cadre('日常', 97, { secondment: 'from-above', noExcellentInDaily: true }),
      cadre('审查', 97, { secondment: 'from-above', underInvestigation: true }),
      cadre('甲', 80),
    ]);
    expect(r.cadres.map((c) => c.suggestion.grade)).toEqual(['称职', '称职', null, '称职']);
    expect(byId(r, '日常').suggestion.rules[0]!.id).toBe('004-daily-no-excellent');
    expect(byId(r, '审查').suggestion.flags.map((f) => f.code)).toEqual(['UNDER_INVESTIGATION', 'SECONDED_FROM_ABOVE']);
    expect(r.quota.n).toBe(1);
  });

  it('a head assessed apart and under investigation: no grade, both said', () => {
    const r = gradeCadres(rules, SEED004, '良好', [cadre('书记', 99, { isHead: true, underInvestigation: true }), cadre('甲', 95)]);
    expect(byId(r, '书记').suggestion.flags.map((f) => f.code)).toEqual(['ASSESSED_APART', 'UNDER_INVESTIGATION']);
    // Under investigation but assessed apart: out of the base as a head, so the unit's flag does not count them.
    expect(r.flags.map((f) => f.code)).toEqual(['HEADS_ASSESSED_APART']);
  });
});

// seed 001_98ca728807ffae1b.txt 第十七条: "党建工作成效考核达不到“好”等次的县区和单位,高质量发展绩效考核(评价)不得评定为“好”等次、
// 年度综合考核不得评定为“第一”等次,党委(党组)书记和分管党建工作的副职年度考核不得评定为“优秀”等次".
describe('001 第十七条 in the annual cadre grades (004): a unit below 好 in 党建工作成效考核', () => {
  const rules = s004.cadres!;
  // A township: the party secretary and the township head (正职, assessed apart), the deputy secretary in charge of
  // party building (98) and 8 other cadres: base 9, floor(20% × 9) = 1 place.
  const township = [
    { id: 'sec', name: '党委书记', isHead: true, score: 99, noExcellentInDaily: false, partyRole: 'secretary' as const },
    { id: 'mayor', name: '镇长', isHead: true, score: 97, noExcellentInDaily: false },
    { id: 'dep', name: '党委副书记', isHead: false, score: 98, noExcellentInDaily: false, partyRole: 'party-building-deputy' as const },
    ...[96, 95, 85, 84, 83, 82, 81, 80].map((score, i) => ({ id: `c${i + 1}`, name: `干部${i + 1}`, isHead: false, score, noExcellentInDaily: false })),
  ];
  const byId = (r: ReturnType<typeof gradeCadres>, id: string) => r.cadres.find((c) => c.id === id)!;

  it('graded 一般: the deputy for party building is 称职 (the place passes to 96), the secretary carries the cap for the decision', () => {
    const r = gradeCadres(rules, SEED004, '良好', township, {}, { grade: '一般', source: 'final' });
    expect(r.quota).toMatchObject({ n: 9, max: 1, granted: 1, arithmetic: 'floor(20% × 9) = floor(1.8) = 1' });
    const dep = byId(r, 'dep').suggestion;
    expect(dep.grade).toBe('称职');
    // The deciding rule is 001's, cited by its own document.
    expect(dep.rules[0]).toMatchObject({ id: '001-party-building-not-good', seed: SEED001, document: '《市党建工作成效考核办法》' });
    expect(dep.rules[0]!.text).toBe('党建工作成效考核达不到“好”等次的单位，党委（党组）书记和分管党建工作的副职年度考核不得评定为“优秀”等次');
    expect(dep.flags).toEqual([{ code: 'PARTY_BUILDING_BELOW_GOOD', message: '本单位党建工作成效考核等次为“一般”（已确定），达不到“好”：党委（党组）书记和分管党建工作的副职年度考核不得评定为“优秀”' }]);
    expect(byId(r, 'c1').suggestion.grade).toBe('优秀');
    const sec = byId(r, 'sec').suggestion;
    expect(sec.grade).toBeNull();
    expect(sec.rules.map((x) => x.id)).toEqual(['004-heads-assessed-apart', '001-party-building-not-good']);
    expect(sec.flags.map((f) => f.code)).toEqual(['ASSESSED_APART', 'PARTY_BUILDING_BELOW_GOOD']);
    // The township head has no party-building role: untouched.
    expect(byId(r, 'mayor').suggestion.flags.map((f) => f.code)).toEqual(['ASSESSED_APART']);
  });

  it('a secretary graded in the unit (no heads apart) is capped the same way, and a suggested 较好 caps too', () => {
    const together = gradeCadres({ ...rules, apart: undefined }, SEED004, '良好', township, {}, { grade: '较好', source: 'suggested' });
    expect(byId(together, 'sec').suggestion.grade).toBe('称职');
    expect(byId(together, 'sec').suggestion.rules.map((x) => x.id)).toEqual(['001-party-building-not-good', '004-cadre-default']);
    expect(byId(together, 'sec').suggestion.flags[0]!.message).toContain('“较好”（建议等次，尚未确定）');
    // base 11, floor(2.2) = 2: the secretary (99) and the deputy (98) are passed over for 镇长 (97) and 96.
    expect(together.cadres.filter((c) => c.suggestion.grade === '优秀').map((c) => c.id)).toEqual(['mayor', 'c1']);
  });

  it('graded 好: no cap, no flag; without a linked grade: no cap, only a note', () => {
    const good = gradeCadres(rules, SEED004, '良好', township, {}, { grade: '好', source: 'final' });
    expect(byId(good, 'dep').suggestion).toMatchObject({ grade: '优秀', flags: [] });
    const unlinked = gradeCadres(rules, SEED004, '良好', township);
    expect(byId(unlinked, 'dep').suggestion).toMatchObject({ grade: '优秀', flags: [{ code: 'PARTY_BUILDING_NOT_LINKED' }] });
    const pending = gradeCadres(rules, SEED004, '良好', township, {}, { grade: null, source: 'none' });
    expect(byId(pending, 'dep').suggestion).toMatchObject({ grade: '优秀', flags: [{ code: 'PARTY_BUILDING_PENDING' }] });
    // Cadres without a party-building role never carry the note.
    expect(byId(unlinked, 'c1').suggestion.flags.map((f) => f.code)).toEqual(['OUTSIDE_QUOTA']);
  });
});

describe('property: no suggestion ever breaks a quota', () => {
  const score = fc.oneof(fc.constant(null), fc.integer({ min: 60, max: 100 }), fc.constantFrom(90, 90, 85));
  const facts = fc.record({ namedCriticism: fc.boolean(), satisfaction: fc.constantFrom(null, '好', '较好', '一般', '差'), graveProblem: fc.boolean(), ineffective: fc.boolean() }, { requiredKeys: [] });

  it('001: 好 ≤ floor(30% × n), and no capped unit is 较好 or better', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(score, facts), { minLength: 0, maxLength: 40 }), (xs) => {
        const r = rankDomain(s001.gradings['good-30']!, SEED001, units(xs.map((x) => x[0]), xs.map((x) => x[1])));
        expect(count(r, '好')).toBeLessThanOrEqual(quotaMax(30, xs.length));
        r.units.forEach((u) => {
          const f = xs[Number(u.id.slice(1)) - 1]![1];
          if (f.namedCriticism || f.satisfaction === '一般' || f.satisfaction === '差') expect(['一般', '差', null]).toContain(u.suggestion.grade);
          if (u.suggestion.grade !== null) expect(u.suggestion.rules.length).toBeGreaterThan(0);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('002 bands: 优秀 ≤ the top count, and every 优秀 outscores every other unit', () => {
    fc.assert(
      fc.property(fc.array(score, { maxLength: 40 }), (xs) => {
        const r = rankDomain(s002.gradings['township-bands']!, SEED002, units(xs));
        const top = r.units.filter((u) => u.suggestion.grade === '优秀');
        expect(top.length).toBeLessThanOrEqual(10);
        const others = r.units.filter((u) => u.suggestion.grade !== '优秀' && u.total !== null);
        for (const t of top) for (const o of others) expect(t.total!).toBeGreaterThan(o.total!);
      }),
      { numRuns: 300 },
    );
  });

  it('004 cadre facts: the base leaves out only heads, the retired, and the seconded counted elsewhere; no barred cadre is 优秀', () => {
    const facts = fc.record({
      score,
      head: fc.boolean(),
      investigation: fc.boolean(),
      retired: fc.boolean(),
      secondment: fc.constantFrom('none', 'from-above', 'county-6plus', 'county-under6'),
      role: fc.constantFrom('none', 'secretary', 'party-building-deputy'),
    });
    fc.assert(
      fc.property(fc.constantFrom('优秀', '良好', '较差'), fc.constantFrom(null, '好', '较好', '一般'), fc.array(facts, { maxLength: 30 }), (team, pbGrade, xs) => {
        const r = gradeCadres(
          s004.cadres!,
          SEED004,
          team,
          xs.map((x, i) => ({ id: `c${i}`, name: `干部${i}`, isHead: x.head, score: x.score, noExcellentInDaily: false, underInvestigation: x.investigation, retired: x.retired, secondment: x.secondment, partyRole: x.role })),
          {},
          pbGrade === null ? null : { grade: pbGrade, source: 'final' },
        );
        const out = (x: (typeof xs)[number]) => x.retired || x.secondment === 'county-under6' || x.head || x.secondment === 'from-above';
        expect(r.quota.n).toBe(xs.filter((x) => !out(x)).length);
        const inQuota = r.cadres.filter((c) => c.suggestion.grade === '优秀' && c.inBase);
        expect(inQuota.length).toBeLessThanOrEqual(quotaMax({ 优秀: 25, 良好: 20, 较差: 15 }[team], r.quota.n));
        r.cadres.forEach((c, i) => {
          const x = xs[i]!;
          expect(c.inBase).toBe(!out(x));
          if (x.retired || x.secondment === 'county-under6' || x.investigation) expect(c.suggestion.grade).toBeNull();
          if (x.role !== 'none' && pbGrade !== null && pbGrade !== '好') expect(c.suggestion.grade).not.toBe('优秀');
          if (c.suggestion.grade === '优秀') expect(x.score!).toBeGreaterThanOrEqual(90);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('004 cadres: 优秀 ≤ floor(share × n), each with a score of at least 90, never a capped head', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(null, '优秀', '良好', '一般', '较差'),
        fc.array(fc.record({ score: score, head: fc.boolean(), daily: fc.boolean() }), { maxLength: 30 }),
        (team, xs) => {
          const r = gradeCadres(s004.cadres!, SEED004, team, xs.map((x, i) => ({ id: `c${i}`, name: `干部${i}`, isHead: x.head, score: x.score, noExcellentInDaily: x.daily })));
          const pct = team === null ? 20 : { 优秀: 25, 良好: 20, 一般: 20, 较差: 15 }[team];
          const ex = r.cadres.filter((c) => c.suggestion.grade === '优秀');
          // The heads are assessed apart (004): the base is the other cadres, and no head is ever 优秀 here.
          expect(ex.length).toBeLessThanOrEqual(quotaMax(pct, xs.filter((x) => !x.head).length));
          expect(r.quota.n).toBe(xs.filter((x) => !x.head).length);
          for (const c of ex) {
            const x = xs[Number(c.id.slice(1))]!;
            expect(x.score!).toBeGreaterThanOrEqual(90);
            expect(x.daily).toBe(false);
            expect(x.head).toBe(false);
          }
          if (team === '较差') for (const c of r.cadres) if (c.isHead && c.suggestion.grade !== null) expect(['基本称职', '不称职']).toContain(c.suggestion.grade);
        },
      ),
      { numRuns: 300 },
    );
  });
});
