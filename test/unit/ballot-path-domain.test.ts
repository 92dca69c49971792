// Domain rules of the ballot path, on plain data: no database, no HTTP.
import { describe, expect, it } from 'vitest';
import { decideBallot } from '../../src/domain/ballot.js';
import { parseFormTemplate, questionsForMeeting, type FormTemplate } from '../../src/domain/forms.js';
import { tallyMeeting } from '../../src/domain/tally.js';
import { meetsMinimum, minimumRespondents, turnoutFlags } from '../../src/domain/turnout.js';
import { FOUR_GRADE_SCALE } from '../helpers/fixtures.js';

const form: FormTemplate = parseFormTemplate(
  {
    id: 'test-form',
    title: '测试表',
    source: { seed: '002_ef31b3aa8f1f181a.txt', quote: '每个档次对应100、80、60、40 分值' },
    scales: { 'four-grade': FOUR_GRADE_SCALE },
    questions: [
      { id: 'org', type: 'graded', scale: 'four-grade', subjects: ['organisation'], required: true, text: '把握政治方向' },
      { id: 'members', type: 'graded', scale: 'four-grade', subjects: ['person'], required: true, text: '工作实绩', allowUnknown: true },
      { id: 'overall', type: 'graded', scale: 'four-grade', required: true, text: '总体评价' },
      { id: 'note', type: 'text', maxLength: 10, required: false, text: '意见' },
    ],
    rules: [{ id: 'max-good', type: 'maxGradeShare', questions: ['members'], grade: 'good', maxShare: 0.5, policy: 'refuse', message: '评为“好”的人数超过一半' }],
  },
  'test',
);
const subjects = [
  { id: 'o', name: '党支部', kind: 'organisation' as const },
  { id: 'a', name: '甲', kind: 'person' as const },
  { id: 'b', name: '乙', kind: 'person' as const },
];
const meeting = { forms: [form], subjects };
const good = { 'test-form': { org: { o: 'good' }, members: { a: 'good', b: 'average' }, overall: 'fairly-good' } };

describe('decideBallot', () => {
  it('accepts a complete ballot and keeps only what was answered', () => {
    const d = decideBallot(meeting, good, 'phone');
    expect(d).toEqual({ kind: 'accept', valid: true, answers: good, breaches: [] });
  });

  it('refuses a phone ballot with a required item missing, naming the subject', () => {
    const d = decideBallot(meeting, { 'test-form': { org: { o: 'good' }, members: { a: 'good' }, overall: 'good' } }, 'phone');
    expect(d.kind).toBe('refuse');
    expect(d.kind === 'refuse' && d.problems[0]!.message).toContain('乙');
  });

  it('refuses grades outside the scale, unknown subjects, unknown questions and unknown forms', () => {
    for (const bad of [
      { 'test-form': { ...good['test-form'], overall: 'excellent' } },
      { 'test-form': { ...good['test-form'], members: { a: 'good', b: 'good', z: 'good' } } },
      { 'test-form': { ...good['test-form'], extra: 'good' } },
      { ...good, 'other-form': {} },
      { 'test-form': { ...good['test-form'], note: 'x'.repeat(11) } },
      { 'test-form': { ...good['test-form'], org: 'good' } },
    ]) {
      expect(decideBallot(meeting, bad, 'phone').kind, JSON.stringify(bad)).toBe('refuse');
      expect(decideBallot(meeting, bad, 'paper').kind, JSON.stringify(bad)).toBe('refuse');
    }
  });

  it('treats 不了解 as an answer where the question allows it', () => {
    const d = decideBallot(meeting, { 'test-form': { ...good['test-form'], members: { a: 'unknown', b: 'good' } } }, 'phone');
    expect(d.kind).toBe('accept');
    expect(decideBallot(meeting, { 'test-form': { ...good['test-form'], org: { o: 'unknown' } } }, 'phone').kind).toBe('refuse');
  });

  it('refuses a phone ballot that breaks a refuse rule, but records a paper ballot as written and marks it invalid', () => {
    const breaking = { 'test-form': { ...good['test-form'], members: { a: 'good', b: 'good' } } };
    const phone = decideBallot(meeting, breaking, 'phone');
    expect(phone.kind).toBe('refuse');
    expect(phone.kind === 'refuse' && phone.problems[0]!.message).toContain('最多 1 人');
    const paper = decideBallot(meeting, breaking, 'paper');
    expect(paper.kind === 'accept' && paper.valid).toBe(false);
    expect(paper.kind === 'accept' && paper.breaches.map((b) => b.ruleId)).toEqual(['max-good']);
  });

  it('lets a paper ballot leave items blank (弃权) but still counts it valid', () => {
    const d = decideBallot(meeting, { 'test-form': { org: { o: 'good' } } }, 'paper');
    expect(d).toMatchObject({ kind: 'accept', valid: true });
  });

  it('drops questions about subject kinds the meeting does not have', () => {
    expect(questionsForMeeting(form, [{ id: 'o', name: '党支部', kind: 'organisation' }]).map((q) => q.id)).toEqual(['org', 'overall', 'note']);
  });
});

describe('tallyMeeting', () => {
  it('scores 好/较好/一般/差 as 100/80/60/40 and averages over ballots (002_ef31b3aa8f1f181a.txt: 计算平均得分)', () => {
    const ballot = (overall: string) => ({ category: null, valid: true, answers: { 'test-form': { ...good['test-form'], overall } } });
    const t = tallyMeeting({ forms: [form], subjects, categories: [], ballots: [ballot('good'), ballot('fairly-good'), ballot('average'), ballot('poor'), ballot('good')] });
    const overall = t.forms[0]!.questions.find((q) => q.questionId === 'overall')!;
    expect(overall.counts).toEqual({ good: 2, 'fairly-good': 1, average: 1, poor: 1 });
    expect(overall.meanPoints).toBeCloseTo((100 * 2 + 80 + 60 + 40) / 5);
    expect(overall.favourableRate).toBeCloseTo(3 / 5);
  });

  it('counts invalid ballots without tallying them, and excludes 不了解 from means', () => {
    const t = tallyMeeting({
      forms: [form],
      subjects,
      categories: [],
      ballots: [
        { category: null, valid: true, answers: { 'test-form': { ...good['test-form'], members: { a: 'unknown', b: 'poor' } } } },
        { category: null, valid: true, answers: good },
        { category: null, valid: false, answers: good },
      ],
    });
    expect(t.ballots).toEqual({ cast: 3, valid: 2, invalid: 1 });
    const a = t.forms[0]!.questions.find((q) => q.questionId === 'members')!.subjects!.find((s) => s.subjectId === 'a')!;
    expect(a.counts).toMatchObject({ good: 1, unknown: 1 });
    expect(a.answered).toBe(2);
    expect(a.meanPoints).toBe(100);
  });

  it('weights respondent categories 40/60 (002_ef31b3aa8f1f181a.txt: 领导自评和民主评议分别按 40%和 60%的权重)', () => {
    const cats = [
      { key: 'self', label: '领导自评', weight: 0.4 },
      { key: 'staff', label: '民主评议', weight: 0.6 },
    ];
    const b = (category: string, overall: string) => ({ category, valid: true, answers: { 'test-form': { ...good['test-form'], overall } } });
    // Five per category at least: below that the weighted mean is withheld (docs/forms.md, "Anonymity").
    const five = (category: string, overall: string) => Array.from({ length: 5 }, () => b(category, overall));
    const t = tallyMeeting({ forms: [form], subjects, categories: cats, ballots: [...five('self', 'good'), ...five('staff', 'average'), ...five('staff', 'poor')] });
    const overall = t.forms[0]!.questions.find((q) => q.questionId === 'overall')!;
    expect(overall.weightedMeanPoints).toBeCloseTo(0.4 * 100 + 0.6 * 50);
    expect(overall.meanPoints).toBeCloseTo((500 + 300 + 200) / 15);
  });
});

describe('minimum respondents (003_43142c8fa1f20547.txt: 村不少于70人，社区不少于40人)', () => {
  const base = { override: null, staffCount: null, signedIn: null };
  it('sets 70 for a village and 40 for a community', () => {
    expect(minimumRespondents({ ...base, kind: 'village' })).toBe(70);
    expect(minimumRespondents({ ...base, kind: 'community' })).toBe(40);
  });
  it('is met at the minimum and not one below', () => {
    expect(meetsMinimum({ minRespondents: 70, ballotsCast: 69 })).toBe(false);
    expect(meetsMinimum({ minRespondents: 70, ballotsCast: 70 })).toBe(true);
  });
  it('flags more ballots than people signed in', () => {
    const flags = turnoutFlags({ minRespondents: 40, signedIn: 41, slipsIssued: 50, slipsVoided: 0, ballotsCast: 42 });
    expect(flags.map((f) => f.code)).toEqual(['BALLOTS_EXCEED_SIGNED_IN']);
  });
});
