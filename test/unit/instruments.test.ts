// Every instrument in the seeds, as shipped in forms/, with a worked example per seed rule. The templates are
// loaded exactly as the server loads them (loadFormCatalog), and checked against the seed they cite.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideBallot, type BallotAnswers } from '../../src/domain/ballot.js';
import type { FormTemplate, SubjectRef } from '../../src/domain/forms.js';
import { tallyMeeting, type CategoryDef, type TallyBallot } from '../../src/domain/tally.js';
import { loadFormCatalog } from '../../src/forms/forms.catalog.js';
import { formsFolder, projectRoot } from '../../src/shared/paths.js';

const catalog = loadFormCatalog(formsFolder);
const form = (id: string): FormTemplate => {
  const f = catalog.get(id);
  if (!f) throw new Error(`no form ${id}`);
  return f;
};
const SEEDS = resolve(projectRoot, '../shared/seeds');

describe('the catalogue', () => {
  it('has one template per instrument of the seeds', () => {
    const titles = Object.fromEntries(catalog.list().map((f) => [f.id, f.title]));
    expect(titles).toMatchObject({
      // 003_43142c8fa1f20547.txt: 民主测评分为三个部分 …, and 后备干部人选推荐
      'village-political-construction': '党组织政治建设民主测评表',
      'village-annual-review': '班子集体和成员年度考核民主测评表',
      'village-secretary-report': '党组织书记述党建工作测评表',
      'village-reserve-nomination': '后备干部人选推荐表',
      // 000_a43cfffc0fe01c15.txt: 领导干部问卷, 机关干部问卷, 第三方评估 (群众获得感)
      'ecology-leader-questionnaire': '政治生态建设领导干部问卷',
      'ecology-staff-questionnaire': '政治生态建设机关干部问卷',
      'public-gain-survey': '群众获得感问卷（第三方评估）',
      // 002_ef31b3aa8f1f181a.txt: 述职评议, 民主测评
      'secretary-debrief-review': '党委书记抓基层党建工作述职评议表',
      'unit-democratic-evaluation': '市直单位领导班子民主测评表',
      // 004_9ba8455c36f7d67d.txt: 领导班子, 领导干部
      'county-team-evaluation': '领导班子年度考核民主测评表',
      'county-cadre-evaluation': '领导干部年度考核民主测评表',
    });
  });

  it('asks seed 000 about 四个意识, 领导班子凝聚力, 选人用人 and 正风反腐', () => {
    for (const id of ['ecology-leader-questionnaire', 'ecology-staff-questionnaire']) {
      const sections = form(id).questions.map((q) => q.section).filter(Boolean);
      expect(sections).toEqual(['树立“四个意识”情况', '领导班子凝聚力情况', '选人用人情况', '正风反腐情况', '总体评价', '意见和建议']);
    }
  });

  it('rates seed 004 teams on 政治思想建设, 领导能力, 工作实绩, 党风廉政建设, 作风建设 and cadres on 德能勤绩廉', () => {
    expect(form('county-team-evaluation').questions.map((q) => q.text).slice(0, 5)).toEqual(['政治思想建设', '领导能力', '工作实绩', '党风廉政建设', '作风建设']);
    expect(form('county-cadre-evaluation').questions.map((q) => q.text).slice(0, 6)).toEqual(['德', '能', '勤', '绩', '廉', '总体评价']);
    expect(form('county-cadre-evaluation').scales['cadre-grade']!.grades.map((g) => g.label)).toEqual(['优秀', '称职', '基本称职', '不称职']);
  });

  it.runIf(existsSync(SEEDS))('cites, in every template, a passage that is in the seed file it names', () => {
    // Whitespace is dropped on both sides (the seeds are scraped pages); "……" separates quoted fragments.
    const squash = (s: string) => s.replace(/\s+/g, '');
    for (const f of catalog.list()) {
      const seed = squash(readFileSync(join(SEEDS, f.source.seed), 'utf8'));
      for (const fragment of f.source.quote.split('……')) expect(seed, `${f.id}: ${fragment}`).toContain(squash(fragment));
    }
  });
});

const person = (i: number): SubjectRef => ({ id: `p${i}`, name: `干部${i}`, kind: 'person' });
const cadres = (n: number) => Array.from({ length: n }, (_, i) => person(i + 1));

/** A complete cadre ballot: `overall[i]` for cadre i on the overall grade, 称职-level answers elsewhere. */
function cadreBallot(subjects: SubjectRef[], overall: string[]): BallotAnswers {
  const each = (g: string) => Object.fromEntries(subjects.map((s) => [s.id, g]));
  return {
    'county-cadre-evaluation': {
      virtue: each('good'),
      ability: each('good'),
      diligence: each('good'),
      achievements: each('good'),
      integrity: each('good'),
      'cadre-overall': Object.fromEntries(subjects.map((s, i) => [s.id, overall[i] ?? 'competent'])),
    },
  };
}

describe('seed 004_9ba8455c36f7d67d.txt: "年度考核测评需严格按照优秀20%比例要求开展测评"', () => {
  const cadreForm = form('county-cadre-evaluation');
  const excellent = (k: number) => Array.from({ length: k }, () => 'excellent');

  it.each([
    [5, 1],
    [7, 1],
    [10, 2],
  ])('with %i cadres a phone ballot may rate %i 优秀, and one more is refused with the reason', (n, allowed) => {
    const meeting = { forms: [cadreForm], subjects: cadres(n) };
    const ok = decideBallot(meeting, cadreBallot(meeting.subjects, excellent(allowed)), 'phone');
    expect(ok).toMatchObject({ kind: 'accept', valid: true });
    const over = decideBallot(meeting, cadreBallot(meeting.subjects, excellent(allowed + 1)), 'phone');
    expect(over.kind).toBe('refuse');
    if (over.kind === 'refuse') expect(over.problems[0]!.message).toBe(`按规定，每张票评为“优秀”的人数不得超过被测评干部总数的 20%（本票 ${allowed + 1} 人，最多 ${allowed} 人）`);
  });

  it('a paper ballot over the quota is recorded as written, counted as invalid, and kept out of the counts', () => {
    const subjects = cadres(5);
    const meeting = { forms: [cadreForm], subjects };
    const paper = decideBallot(meeting, cadreBallot(subjects, excellent(3)), 'paper');
    expect(paper).toMatchObject({ kind: 'accept', valid: false, breaches: [{ ruleId: 'excellent-quota' }] });
    const phone = decideBallot(meeting, cadreBallot(subjects, excellent(1)), 'phone');
    if (paper.kind !== 'accept' || phone.kind !== 'accept') throw new Error('accepted expected');
    const tally = tallyMeeting({
      forms: [cadreForm],
      subjects,
      categories: [],
      ballots: [
        { category: null, valid: paper.valid, answers: paper.answers, breaches: paper.breaches },
        { category: null, valid: phone.valid, answers: phone.answers },
      ],
    });
    expect(tally.ballots).toEqual({ cast: 2, valid: 1, invalid: 1 });
    expect(tally.invalidReasons).toEqual([{ formId: 'county-cadre-evaluation', ruleId: 'excellent-quota', message: '按规定，每张票评为“优秀”的人数不得超过被测评干部总数的 20%', ballots: 1 }]);
    const overall = tally.forms[0]!.questions.find((q) => q.questionId === 'cadre-overall')!;
    expect(overall.subjects![0]!.counts.excellent).toBe(1);
    expect(overall.subjects![0]!.answered).toBe(1);
  });

  it('flags a cadre with more than one third 不称职 (3 of 9: no flag; 4 of 9: a flag, never a verdict)', () => {
    const subjects = cadres(5);
    const ballots = (bad: number): TallyBallot[] =>
      Array.from({ length: 9 }, (_, i) => ({ category: null, valid: true, answers: cadreBallot(subjects, [i < bad ? 'incompetent' : 'competent']) }));
    const flagsOf = (bad: number) => tallyMeeting({ forms: [cadreForm], subjects, categories: [], ballots: ballots(bad) }).forms[0]!.questions.find((q) => q.questionId === 'cadre-overall')!.subjects![0]!.flags;
    expect(flagsOf(3)).toEqual([]);
    expect(flagsOf(4)).toEqual([{ code: 'INCOMPETENT_OVER_ONE_THIRD', message: '“不称职”票超过三分之一（提示，非结论，须由考核组核实）（4/9 票）' }]);
  });

  it('scores 优秀 / 称职 / 基本称职 / 不称职 as 95 / 85 / 75 / 65: half 优秀 and half 称职 reach the 90 points 优秀 needs', () => {
    const subjects = cadres(10);
    const ballots: TallyBallot[] = Array.from({ length: 10 }, (_, i) => ({ category: null, valid: true, answers: cadreBallot(subjects, [i < 5 ? 'excellent' : 'competent']) }));
    const s = tallyMeeting({ forms: [cadreForm], subjects, categories: [], ballots }).forms[0]!.questions.find((q) => q.questionId === 'cadre-overall')!.subjects![0]!;
    expect(s.meanPoints).toBe(90);
    expect(s.favourableRate).toBe(1);
  });

  it('combines 单位测评, 县级领导班子成员评价 and 单位互评 with the weights set on the meeting; an empty source is left out', () => {
    const teamForm = form('county-team-evaluation');
    const subjects: SubjectRef[] = [{ id: 't', name: '某局领导班子', kind: 'team' }];
    // Illustrative weights: the seed names the three sources but not their weights, so the meeting sets them.
    const categories: CategoryDef[] = [
      { key: 'unit', label: '单位测评', weight: 0.6 },
      { key: 'county-leaders', label: '县级领导班子成员评价', weight: 0.2 },
      { key: 'peer-units', label: '单位互评', weight: 0.2 },
    ];
    const ballot = (category: string, grade: string): TallyBallot => ({
      category,
      valid: true,
      answers: { 'county-team-evaluation': { ideology: { t: 'good' }, leadership: { t: 'good' }, achievements: { t: 'good' }, integrity: { t: 'good' }, conduct: { t: 'good' }, 'team-overall': { t: grade } } },
    });
    const ballots = [...Array.from({ length: 5 }, () => ballot('unit', 'excellent')), ...Array.from({ length: 5 }, () => ballot('county-leaders', 'good'))];
    const tally = tallyMeeting({ forms: [teamForm], subjects, categories, ballots });
    const s = tally.forms[0]!.questions.find((q) => q.questionId === 'team-overall')!.subjects![0]!;
    // 单位互评 is empty: its 0.2 goes to the others in proportion, (0.6 × 95 + 0.2 × 85) / 0.8 = 92.5.
    expect(s.weightedMeanPoints).toBeCloseTo(92.5, 10);
    expect(s.meanPoints).toBe(90);
    expect(tally.breakdownShown).toBe(true);
    expect(s.byCategory!.map((c) => [c.category, c.meanPoints])).toEqual([
      ['unit', 95],
      ['county-leaders', 85],
    ]);
  });
});

describe('seed 002_ef31b3aa8f1f181a.txt', () => {
  it('述职评议: 好、较好、一般、差 = 100、80、60、40, the mean over ballots; 好评率 = (好 + 较好) share', () => {
    const f = form('secretary-debrief-review');
    const subjects: SubjectRef[] = [person(1), person(2)];
    const grades = ['good', 'good', 'good', 'fairly-good', 'average'];
    const ballots = grades.map((g): TallyBallot => ({ category: null, valid: true, answers: { [f.id]: { debrief: { p1: g, p2: 'poor' } } } }));
    const [a, b] = tallyMeeting({ forms: [f], subjects, categories: [], ballots }).forms[0]!.questions[0]!.subjects!;
    expect(a!.meanPoints).toBe(88); // (3 × 100 + 80 + 60) / 5
    expect(a!.favourableRate).toBe(0.8);
    expect(a!.counts).toEqual({ good: 3, 'fairly-good': 1, average: 1, poor: 0 });
    expect(b!.meanPoints).toBe(40);
    expect(b!.favourableRate).toBe(0);
  });

  describe('民主测评: 领导自评 40% + 民主评议 60%', () => {
    const f = form('unit-democratic-evaluation');
    const subjects: SubjectRef[] = [{ id: 't', name: '市某局领导班子', kind: 'team' }];
    const categories: CategoryDef[] = [
      { key: 'self', label: '领导自评', weight: 0.4 },
      { key: 'staff', label: '民主评议', weight: 0.6 },
    ];
    const ballot = (category: string, grade: string): TallyBallot => ({
      category,
      valid: true,
      answers: { [f.id]: { ideology: { t: grade }, leadership: { t: grade }, achievements: { t: grade }, 'openness-integrity': { t: grade }, talent: { t: grade } } },
    });
    const ideology = (ballots: TallyBallot[]) => {
      const tally = tallyMeeting({ forms: [f], subjects, categories, ballots });
      return { tally, s: tally.forms[0]!.questions[0]!.subjects![0]! };
    };
    const n = (k: number, category: string, grade: string) => Array.from({ length: k }, () => ballot(category, grade));

    it('5 team members all 好 (100) and 10 staff half 较好 half 一般 (70): 0.4 × 100 + 0.6 × 70 = 82, pooled mean 80', () => {
      const { tally, s } = ideology([...n(5, 'self', 'good'), ...n(5, 'staff', 'fairly-good'), ...n(5, 'staff', 'average')]);
      expect(s.weightedMeanPoints).toBeCloseTo(82, 10);
      expect(s.meanPoints).toBe(80);
      expect(tally.breakdownShown).toBe(true);
      expect(tally.weightedWithheld).toBe(false);
      expect(s.byCategory).toHaveLength(2);
    });

    it('an empty 民主评议: the score is the 领导自评 mean alone (weight renormalised to 1), and the breakdown is not shown', () => {
      const { tally, s } = ideology(n(6, 'self', 'fairly-good'));
      expect(s.weightedMeanPoints).toBe(80);
      expect(tally.breakdownShown).toBe(false);
      expect(tally.weightedWithheld).toBe(false);
      expect(s.byCategory).toBeUndefined();
    });

    it('3 team members all 好 and 12 staff all 较好: the weighted mean 0.4 × 100 + 0.6 × 80 = 88 is shown (not the pooled 84), the pooled figures are not', () => {
      // seed 002_ef31b3aa8f1f181a.txt: "民主测评设 100 分，其中领导自评和民主评议分别按 40%和 60%的权重，汇总得出民主测评结果"
      const ballots = [...n(3, 'self', 'good'), ...n(12, 'staff', 'fairly-good')];
      const { tally, s } = ideology(ballots);
      expect(s.weightedMeanPoints).toBeCloseTo(88, 10);
      expect(s.meanPoints).toBeNull();
      expect(s.counts).toEqual({});
      expect(s.favourableRate).toBeNull();
      expect(s.answered).toBe(15);
      expect(s.byCategory).toBeUndefined();
      expect(tally.weightedWithheld).toBe(false);
      expect(tally.pooledWithheld).toBe(true);
      expect(tally.notes[0]!.code).toBe('POOLED_WITHHELD');
      expect(tally.notes[0]!.message).toContain('领导自评的有效票少于 5 张');
      expect(tally.notes[0]!.message).toContain('领导自评 40%、民主评议 60%');
      // Why the pooled mean goes: with it (84) and the sizes, W = 0.4 a + 0.6 b and M = (3a + 12b) / 15 solve for a.
      const W = 88;
      const M = (3 * 100 + 12 * 80) / 15;
      const b = (W - (0.4 * 15 * M) / 3) / (0.6 - (0.4 * 12) / 3);
      expect((15 * M - 12 * b) / 3).toBeCloseTo(100, 8);
    });
  });
});

describe('seed 000_a43cfffc0fe01c15.txt questionnaires', () => {
  it('机关干部问卷: 不了解 is counted and shown, and kept out of the mean and 好评率', () => {
    const f = form('ecology-staff-questionnaire');
    const graded = f.questions.filter((q) => q.type === 'graded');
    const ballot = (g: string): TallyBallot => ({ category: null, valid: true, answers: { [f.id]: Object.fromEntries(graded.map((q) => [q.id, g])) } });
    const tally = tallyMeeting({ forms: [f], subjects: [], categories: [], ballots: [ballot('good'), ballot('unknown'), ballot('poor')] });
    const q = tally.forms[0]!.questions.find((x) => x.questionId === 'political-awareness')!;
    expect(q.counts).toEqual({ good: 1, 'fairly-good': 0, average: 0, poor: 1, unknown: 1 });
    expect(q.meanPoints).toBe(70);
    expect(q.favourableRate).toBe(0.5);
    expect(q.answered).toBe(3);
  });

  it('领导干部问卷 offers no 不了解, and every graded item must be answered on a phone', () => {
    const f = form('ecology-leader-questionnaire');
    const graded = f.questions.filter((q) => q.type === 'graded');
    const answers = Object.fromEntries(graded.map((q) => [q.id, 'unknown']));
    expect(decideBallot({ forms: [f], subjects: [] }, { [f.id]: answers }, 'phone').kind).toBe('refuse');
    const partial = Object.fromEntries(graded.slice(1).map((q) => [q.id, 'good']));
    expect(decideBallot({ forms: [f], subjects: [] }, { [f.id]: partial }, 'phone').kind).toBe('refuse');
    expect(decideBallot({ forms: [f], subjects: [] }, { [f.id]: { ...partial, [graded[0]!.id]: 'good' } }, 'phone')).toMatchObject({ kind: 'accept', valid: true });
  });

  it('群众获得感问卷: at most three improvements, counted per option', () => {
    const f = form('public-gain-survey');
    const ok = decideBallot({ forms: [f], subjects: [] }, { [f.id]: { 'gain-overall': 'satisfied', improvements: ['conduct', 'services', 'services'] } }, 'paper');
    expect(ok).toMatchObject({ kind: 'accept', answers: { [f.id]: { improvements: ['conduct', 'services'] } } });
    const over = decideBallot({ forms: [f], subjects: [] }, { [f.id]: { improvements: ['conduct', 'services', 'openness', 'policies'] } }, 'paper');
    expect(over.kind).toBe('refuse');
  });
});

describe('seed 003_43142c8fa1f20547.txt: 后备干部人选推荐', () => {
  const f = form('village-reserve-nomination');
  const subjects: SubjectRef[] = [
    { id: 'm1', name: '张建国', kind: 'person' },
    { id: 'c1', name: '王小明', kind: 'candidate' },
    { id: 'c2', name: '李四', kind: 'candidate' },
    { id: 'c3', name: '陈五', kind: 'candidate' },
  ];
  const meeting = { forms: [f], subjects };

  it("lists the meeting's candidates, not its members, and takes up to 3 names, write-ins included", () => {
    const d = decideBallot(meeting, { [f.id]: { 'reserve-cadres': { options: ['c1'], writeIns: ['赵六', '赵 六', '李四'] } } }, 'phone');
    // "赵 六" is "赵六" again; "李四" is on the list and counts for c2: one vote per person per ballot.
    expect(d).toMatchObject({ kind: 'accept', answers: { [f.id]: { 'reserve-cadres': { options: ['c1', 'c2'], writeIns: ['赵六'] } } } });
    expect(decideBallot(meeting, { [f.id]: { 'reserve-cadres': { options: ['m1'], writeIns: [] } } }, 'phone').kind).toBe('refuse');
    expect(decideBallot(meeting, { [f.id]: { 'reserve-cadres': { options: ['c1', 'c2', 'c3'], writeIns: ['赵六'] } } }, 'phone').kind).toBe('refuse');
  });

  it('tallies nominations per candidate and write-ins by name', () => {
    const ballots: TallyBallot[] = [
      { category: null, valid: true, answers: { [f.id]: { 'reserve-cadres': { options: ['c1', 'c2'], writeIns: ['赵六'] } } } },
      { category: null, valid: true, answers: { [f.id]: { 'reserve-cadres': { options: ['c1'], writeIns: [] } } } },
      { category: null, valid: true, answers: { [f.id]: {} } },
    ];
    const q = tallyMeeting({ forms: [f], subjects, categories: [], ballots }).forms[0]!.questions[0]!;
    expect(q.counts).toEqual({ c1: 2, c2: 1, c3: 0 });
    expect(q.writeIns).toEqual({ 赵六: 1 });
    expect(q.answered).toBe(2);
  });
});

// seed 003_43142c8fa1f20547.txt: the report gives "参会人数、测评票数及得票情况、后备干部人选推荐情况".
describe('后备干部人选推荐: votes and 得票率 against the valid ballots', () => {
  it('a candidate named on 9 of 10 ballots has 90 %, not 9 of all 24 nominations (37.5 %); write-ins are grouped by name', () => {
    const f = form('village-reserve-nomination');
    const q = f.questions[0]!;
    const subjects: SubjectRef[] = [
      { id: 'a', name: '王小明', kind: 'candidate', title: '村团支部书记' },
      { id: 'b', name: '孙红', kind: 'candidate' },
      { id: 'c', name: '李强', kind: 'candidate' },
    ];
    const nominate = (options: string[], writeIns: string[] = []): TallyBallot => ({ category: null, valid: true, answers: { [f.id]: { [q.id]: { options, writeIns } } } });
    const ballots = [
      ...Array.from({ length: 6 }, () => nominate(['a', 'b', 'c'])),
      ...Array.from({ length: 3 }, () => nominate(['a', 'b'], ['赵六'])),
      // A listed person written in by name counts for that person; a full-width space does not split a name.
      nominate([], ['赵　六', '孙红']),
      { ...nominate(['a']), valid: false },
    ];
    const tally = tallyMeeting({ forms: [f], subjects, categories: [], ballots });
    const r = tally.forms[0]!.questions[0]!;
    expect(Object.values(r.counts!).reduce((x, y) => x + y, 0)).toBe(24);
    expect(r.nominees).toEqual([
      { name: '孙红', value: 'b', writeIn: false, votes: 10, rate: 1 },
      { name: '王小明（村团支部书记）', value: 'a', writeIn: false, votes: 9, rate: 0.9 },
      { name: '李强', value: 'c', writeIn: false, votes: 6, rate: 0.6 },
      { name: '赵六', value: null, writeIn: true, votes: 4, rate: 0.4 },
    ]);
  });
});
