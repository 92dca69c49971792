// Every instrument end to end through HTTP: POST /api/meetings, the voter's ballot, the JSON results and the
// exports, read back by independent readers (csv-parse; fflate + fast-xml-parser; pdftotext).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tallyMeeting } from '../../src/domain/tally.js';
import { meetingForms } from '../../src/meetings/meetings.usecases.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';
import { cityUnitMeeting } from '../helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

async function get(url: string, token = t.adminToken) {
  const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
}

async function meetingWithSlips(body: Record<string, unknown>, batches: Array<{ count: number; category?: string }>) {
  const m = await t.api('POST', '/api/meetings', body);
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const tokens: Record<string, string[]> = {};
  for (const b of batches) {
    const s = await t.api('POST', `/api/meetings/${m.body.id}/slips`, b);
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    tokens[b.category ?? ''] = s.body.tokens;
  }
  expect((await t.api('POST', `/api/meetings/${m.body.id}/open`, {})).status).toBe(200);
  return { meeting: m.body, tokens };
}

async function vote(token: string, edit: (form: any, answers: Record<string, Record<string, unknown>>) => void = () => {}, pick?: (q: any, s?: any) => string) {
  const form = await t.api('GET', `/api/ballot/${token}`);
  expect(form.status, JSON.stringify(form.body)).toBe(200);
  const answers = fullBallot(form.body, pick);
  edit(form.body, answers);
  return t.api('POST', `/api/ballot/${token}`, { answers });
}

const csvRows = (buf: Buffer): string[][] => {
  expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return parse(buf.subarray(3).toString('utf8'), { relax_column_count: true });
};
const resultTable = (rows: string[][]) => rows.slice(rows.findIndex((r) => r[0] === '测评表' && r[1] === '题目') + 1);

/** The cells of one worksheet as text, by the sheet's name, read from the XLSX's XML. */
function readSheet(xlsx: Buffer, name: string): string[][] {
  const files = unzipSync(new Uint8Array(xlsx));
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['row', 'c', 'si', 'sheet', 'Relationship'].includes(n) });
  const sheets = xml.parse(strFromU8(files['xl/workbook.xml']!)).workbook.sheets.sheet as any[];
  const index = sheets.findIndex((s) => s['@name'] === name);
  expect(index, `sheet ${name}`).toBeGreaterThanOrEqual(0);
  const strings = (xml.parse(strFromU8(files['xl/sharedStrings.xml']!)).sst.si as any[]).map((si) => (typeof si.t === 'object' ? String(si.t['#text']) : String(si.t)));
  const data = xml.parse(strFromU8(files[`xl/worksheets/sheet${index + 1}.xml`]!)).worksheet.sheetData;
  return (data.row as any[]).map((row) =>
    (row.c as any[]).reduce((cells: string[], c: any) => {
      const col = String(c['@r']).replace(/\d+/g, '').charCodeAt(0) - 65;
      cells[col] = c['@t'] === 's' ? strings[Number(c.v)]! : c.v === undefined ? '' : String(c.v);
      return cells;
    }, []),
  );
}

describe('seed 003: 后备干部人选推荐 with the meeting’s candidates', () => {
  it('lists the candidates given with the meeting, counts nominations and write-ins, and exports them by name', async () => {
    const base = villageMeeting();
    const { meeting, tokens } = await meetingWithSlips(
      {
        ...base,
        formIds: [...base.formIds, 'village-reserve-nomination'],
        subjects: [...base.subjects, { name: '王小明', kind: 'candidate', title: '村团支部书记' }, { name: '孙红', kind: 'candidate' }],
      },
      [{ count: 3 }],
    );
    const candidates = meeting.subjects.filter((s: any) => s.kind === 'candidate');
    expect(candidates).toHaveLength(2);
    const form = (await t.api('GET', `/api/ballot/${tokens['']![0]}`)).body;
    const nomination = form.forms.find((f: any) => f.id === 'village-reserve-nomination').questions[0];
    expect(nomination.options).toEqual([
      { value: candidates[0].id, label: '王小明（村团支部书记）' },
      { value: candidates[1].id, label: '孙红' },
    ]);
    // Candidates are never rated on the graded items about persons.
    const review = form.forms.find((f: any) => f.id === 'village-annual-review').questions[0];
    expect(review.subjects.map((s: any) => s.name)).not.toContain('王小明');

    const nominate = (options: string[], writeIns: string[]) => (_f: any, a: Record<string, Record<string, unknown>>) => {
      a['village-reserve-nomination'] = { 'reserve-cadres': { options, writeIns } };
    };
    expect((await vote(tokens['']![0]!, nominate([candidates[0].id], ['赵六']))).status).toBe(201);
    expect((await vote(tokens['']![1]!, nominate([candidates[0].id, candidates[1].id], ['赵六', '孙红']))).status).toBe(201);
    const tooMany = await vote(tokens['']![2]!, nominate([candidates[0].id, candidates[1].id], ['赵六', '钱七']));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.message).toContain('最多推荐 3 人');
    expect((await vote(tokens['']![2]!, nominate([], []))).status).toBe(201);

    expect((await t.api('POST', `/api/meetings/${meeting.id}/close`, {})).status).toBe(200);
    const results = (await t.api('GET', `/api/meetings/${meeting.id}/results`)).body;
    const q = results.forms.find((f: any) => f.formId === 'village-reserve-nomination').questions[0];
    expect(q.counts).toEqual({ [candidates[0].id]: 2, [candidates[1].id]: 1 });
    expect(q.writeIns).toEqual({ 赵六: 2 });
    expect(q.answered).toBe(2);
    // 得票率 against the 3 valid ballots (seed 003_43142c8fa1f20547.txt: "测评票数及得票情况、后备干部人选推荐情况").
    expect(q.nominees.map((n: any) => [n.name, n.votes, Number(n.rate.toFixed(4))])).toEqual([
      ['王小明（村团支部书记）', 2, 0.6667],
      ['赵六', 2, 0.6667],
      ['孙红', 1, 0.3333],
    ]);

    const table = resultTable(csvRows((await get(`/api/meetings/${meeting.id}/results.csv`)).body)).filter((r) => r[0] === '后备干部人选推荐表');
    expect(table.map((r) => [r[4], r[5]])).toEqual([
      ['王小明（村团支部书记）', '2'],
      ['孙红', '1'],
      ['另行推荐：赵六', '2'],
    ]);
  });
});

describe('seed 002: 民主测评, 领导自评 40% + 民主评议 60%, through slips issued per category', () => {
  const body = (self: number) => ({ ...cityUnitMeeting(), _self: self });

  it('gives the weighted score and the breakdown when both categories have 5 or more, in JSON, CSV, XLSX and the ballots', async () => {
    const { _self, ...b } = body(5);
    const { meeting, tokens } = await meetingWithSlips(b, [
      { count: _self, category: 'self' },
      { count: 6, category: 'staff' },
    ]);
    for (const tok of tokens.self!) expect((await vote(tok, undefined, () => 'good')).status).toBe(201);
    for (const [i, tok] of tokens.staff!.entries()) expect((await vote(tok, undefined, () => (i < 3 ? 'fairly-good' : 'average'))).status).toBe(201);
    expect((await t.api('POST', `/api/meetings/${meeting.id}/close`, {})).status).toBe(200);

    const results = (await t.api('GET', `/api/meetings/${meeting.id}/results`)).body;
    expect(results.meetsMinimum).toBe(true);
    expect(results.breakdownShown).toBe(true);
    expect(results.weightedWithheld).toBe(false);
    const s = results.forms[0].questions[0].subjects[0];
    expect(s.weightedMeanPoints).toBeCloseTo(0.4 * 100 + 0.6 * 70, 10);
    expect(s.meanPoints).toBeCloseTo((500 + 3 * 80 + 3 * 60) / 11, 10);
    expect(s.byCategory.map((c: any) => [c.category, c.meanPoints])).toEqual([
      ['self', 100],
      ['staff', 70],
    ]);

    const csv = csvRows((await get(`/api/meetings/${meeting.id}/results.csv`)).body);
    expect(csv.find((r) => r[0] === '结论')?.[1]).toBe('有效：参评 11 人，达到最低参评人数 10 人');
    const lines = resultTable(csv).filter((r) => r[1] === '思想政治建设');
    expect(Number(lines.find((r) => r[3] === '全部')![9])).toBeCloseTo(s.weightedMeanPoints, 2);
    expect(Number(lines.find((r) => r[3] === '民主评议')![8])).toBeCloseTo(70, 2);

    const sheet = readSheet((await get(`/api/meetings/${meeting.id}/results.xlsx`)).body, '市直单位领导班子民主测评表');
    expect(sheet[0]![0]).toContain('有效：参评 11 人');
    expect(sheet[1]).toEqual(['题目', '测评对象', '类别', '等次或选项', '票数', '占比', '有效答题数', '平均分', '加权平均分', '好评率', '提示']);
    const row = sheet.find((r) => r[0] === '思想政治建设' && r[2] === '全部' && r[3] === '好')!;
    expect(Number(row[4])).toBe(s.counts.good);
    expect(Number(row[5])).toBeCloseTo(s.shares.good, 10);
    expect(Number(row[8])).toBeCloseTo(s.weightedMeanPoints, 10);

    const ballots = JSON.parse((await get(`/api/meetings/${meeting.id}/ballots.json`)).body.toString('utf8'));
    expect(ballots.categoryShown).toBe(true);
    expect(ballots.ballots.filter((x: any) => x.category === '领导自评')).toHaveLength(5);
    // An independent recount of the weighted score from the raw ballots.
    const points: Record<string, number> = { good: 100, 'fairly-good': 80, average: 60, poor: 40 };
    const teamId = meeting.subjects[0].id;
    const meanOf = (cat: string) => {
      const xs = ballots.ballots.filter((x: any) => x.category === cat).map((x: any) => points[x.answers['unit-democratic-evaluation'].ideology[teamId]]!);
      return xs.reduce((a: number, b: number) => a + b, 0) / xs.length;
    };
    expect(0.4 * meanOf('领导自评') + 0.6 * meanOf('民主评议')).toBeCloseTo(s.weightedMeanPoints, 10);

    const pdf = join(t.dir, 'weighted.pdf');
    writeFileSync(pdf, (await get(`/api/meetings/${meeting.id}/results.pdf`)).body);
    const text = execFileSync('pdftotext', [pdf, '-']).toString('utf8');
    expect(text).toContain('加权 82.00');
    expect(text).toContain('民主评议 均分 70.00');
    expect(text).not.toContain('无效：');
  });

  it('with 3 in 领导自评, shows the weighted score (88, not the pooled 84) and nothing the 3 could be solved from', async () => {
    // seed 002_ef31b3aa8f1f181a.txt: "民主测评设 100 分，其中领导自评和民主评议分别按 40%和 60%的权重，汇总得出民主测评结果"
    const { _self, ...b } = body(3);
    const { meeting, tokens } = await meetingWithSlips(b, [
      { count: _self, category: 'self' },
      { count: 12, category: 'staff' },
    ]);
    for (const tok of tokens.self!) expect((await vote(tok, undefined, () => 'good')).status).toBe(201);
    for (const tok of tokens.staff!) expect((await vote(tok, undefined, () => 'fairly-good')).status).toBe(201);
    expect((await t.api('POST', `/api/meetings/${meeting.id}/close`, {})).status).toBe(200);
    const results = (await t.api('GET', `/api/meetings/${meeting.id}/results`)).body;
    expect(results.weightedWithheld).toBe(false);
    expect(results.pooledWithheld).toBe(true);
    const s = results.forms[0].questions[0].subjects[0];
    expect(s.weightedMeanPoints).toBeCloseTo(0.4 * 100 + 0.6 * 80, 10);
    expect(s.meanPoints).toBeNull();
    expect(s.counts).toEqual({});
    expect(s.byCategory).toBeUndefined();
    expect(results.notes[0].code).toBe('POOLED_WITHHELD');
    expect(results.notes[0].message).toContain('为保护匿名');
    expect(results.byCategory.map((c: any) => c.ballots)).toEqual([3, 12]);

    // Solve for the 3 from everything the results API shows: every other figure (turnout, ballots, categories)
    // is the same whatever the ballots said, so the candidates are the sets of ballots whose tally shows the same
    // forms. The 3 could have said 好 throughout (100) or 较好 throughout (80, with 4 of the staff at 好).
    const forms = meetingForms(t.app.forms, b.formIds);
    const subjects = meeting.subjects.map((x: any) => ({ id: x.id, name: x.name, kind: x.kind }));
    const grades = ['good', 'fairly-good', 'average', 'poor'];
    const points: Record<string, number> = { good: 100, 'fairly-good': 80, average: 60, poor: 40 };
    const multisets = (n: number, from = 0): string[][] => (n === 0 ? [[]] : grades.slice(from).flatMap((g, i) => multisets(n - 1, from + i).map((r) => [g, ...r])));
    const ballotOf = (category: string, g: string) => ({ category, valid: true, answers: { [forms[0]!.id]: Object.fromEntries(forms[0]!.questions.filter((q) => q.type === 'graded').map((q) => [q.id, Object.fromEntries(subjects.map((x: any) => [x.id, g]))])) } });
    // The same figures whatever the order of their keys (the response serialiser orders them by the schema).
    const canon = (x: unknown): string => JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [c]) => a.localeCompare(c))) : v));
    const shown = canon(results.forms);
    const selfMeans = new Set<number>();
    for (const self of multisets(3))
      for (const staff of multisets(12)) {
        const tally = tallyMeeting({ forms, subjects, categories: b.categories, ballots: [...self.map((g) => ballotOf('self', g)), ...staff.map((g) => ballotOf('staff', g))] });
        if (canon(tally.forms) === shown) selfMeans.add(self.reduce((a, g) => a + points[g]!, 0) / 3);
      }
    expect([...selfMeans].sort()).toEqual([100, 80]);
  });
});

describe('seed 004: 领导干部, 20% 优秀 per ballot', () => {
  it('refuses a phone ballot rating 2 of 5 cadres 优秀, with the rule in words', async () => {
    const { tokens } = await meetingWithSlips(
      {
        title: '某局领导干部年度考核民主测评',
        unit: '某局',
        kind: 'other',
        minRespondents: 1,
        formIds: ['county-cadre-evaluation'],
        subjects: ['甲', '乙', '丙', '丁', '戊'].map((n) => ({ name: `${n}某`, kind: 'person' })),
      },
      [{ count: 1 }],
    );
    const overall = (k: number) => (_f: any, a: Record<string, Record<string, unknown>>) => {
      const o = a['county-cadre-evaluation']!['cadre-overall'] as Record<string, string>;
      Object.keys(o).forEach((id, i) => (o[id] = i < k ? 'excellent' : 'competent'));
    };
    const refused = await vote(tokens['']![0]!, overall(2));
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('每张票评为“优秀”的人数不得超过被测评干部总数的 20%（本票 2 人，最多 1 人）');
    expect((await vote(tokens['']![0]!, overall(1))).status).toBe(201);
  });

  // seed 004_9ba8455c36f7d67d.txt: "年度考核测评需严格按照优秀20%比例要求开展测评".
  it('4 cadres: no 优秀 on a ballot (1 of 4 is 25 %) unless the meeting sets the small-unit exception, which the ballot then states', async () => {
    const body = (exception: boolean) => ({
      title: '某站领导干部年度考核民主测评',
      unit: '某站',
      kind: 'other',
      minRespondents: 1,
      formIds: ['county-cadre-evaluation'],
      subjects: ['甲', '乙', '丙', '丁'].map((n) => ({ name: `${n}某`, kind: 'person' })),
      ...(exception ? { smallUnitExcellentException: true } : {}),
    });
    const one = (_f: any, a: Record<string, Record<string, unknown>>) => {
      const o = a['county-cadre-evaluation']!['cadre-overall'] as Record<string, string>;
      Object.keys(o).forEach((id, i) => (o[id] = i < 1 ? 'excellent' : 'competent'));
    };
    const strict = await meetingWithSlips(body(false), [{ count: 1 }]);
    expect(strict.meeting.smallUnitExcellentException).toBe(false);
    const strictForm = (await t.api('GET', `/api/ballot/${strict.tokens['']![0]}`)).body;
    expect(strictForm.forms[0].rules[0].questions[0].maxCount).toBe(0);
    const refused = await vote(strict.tokens['']![0]!, one);
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('（本票 1 人，最多 0 人）');

    const lenient = await meetingWithSlips(body(true), [{ count: 1 }]);
    expect(lenient.meeting.smallUnitExcellentException).toBe(true);
    const form = (await t.api('GET', `/api/ballot/${lenient.tokens['']![0]}`)).body;
    expect(form.forms[0].rules[0].questions[0].maxCount).toBe(1);
    expect(form.forms[0].rules[0].message).toContain('本次测评设定了小单位例外');
    expect((await vote(lenient.tokens['']![0]!, one)).status).toBe(201);
  });
});

// seed 002_ef31b3aa8f1f181a.txt gives points for 述职评议 only ("每个档次对应100、80、60、40 分值"); every other map is a
// local convention, so a meeting may state its own, one scale per score.
describe('point maps are the meeting\'s settings', () => {
  it('a meeting sets its own points for 优秀/称职/基本称职/不称职; the ballot and the results use them; a partial map is refused', async () => {
    const base = {
      title: '某局领导干部年度考核民主测评',
      unit: '某局',
      kind: 'other',
      formIds: ['county-cadre-evaluation'],
      subjects: ['甲', '乙', '丙', '丁', '戊'].map((n) => ({ name: `${n}某`, kind: 'person' })),
    };
    const partial = await t.api('POST', '/api/meetings', { ...base, pointMaps: { 'county-cadre-evaluation': { 'cadre-grade': { excellent: 100, competent: 80 } } } });
    expect(partial.status).toBe(422);
    expect(partial.body.error.message).toBe('“领导干部年度考核民主测评表”的分值须给出每个等次：缺少基本称职、不称职');

    const points = { excellent: 100, competent: 80, 'basically-competent': 60, incompetent: 40 };
    const { meeting, tokens } = await meetingWithSlips({ ...base, pointMaps: { 'county-cadre-evaluation': { 'cadre-grade': points } } }, [{ count: 1 }]);
    expect(meeting.pointMaps).toEqual({ 'county-cadre-evaluation': { 'cadre-grade': points } });
    const form = (await t.api('GET', `/api/ballot/${tokens['']![0]}`)).body;
    const overall = form.forms[0].questions.find((q: any) => q.id === 'cadre-overall');
    expect(overall.scale.map((g: any) => g.points)).toEqual([100, 80, 60, 40]);
    expect((await vote(tokens['']![0]!, undefined, (q) => q.scale[1].value)).status).toBe(201);
    expect((await t.api('POST', `/api/meetings/${meeting.id}/close`, {})).status).toBe(200);
    const results = (await t.api('GET', `/api/meetings/${meeting.id}/results`)).body;
    const q = results.forms[0].questions.find((x: any) => x.questionId === 'cadre-overall');
    expect(q.scale).toBe('cadre-grade');
    expect(q.subjects[0].meanPoints).toBe(80); // 称职 at the meeting's 80, not the template's 85
    expect(results.forms[0].scoreScale).toBe('four-grade');
  });
});

describe('every template', () => {
  it('can run a meeting and every export renders with its stamp', async () => {
    const forms = (await t.api('GET', '/api/forms')).body as Array<{ id: string; subjectKinds: string[] }>;
    expect(forms.length).toBeGreaterThanOrEqual(11);
    const subjects = [
      { name: '某党组织', kind: 'organisation' },
      { name: '某领导班子', kind: 'team' },
      { name: '张某', kind: 'person' },
      { name: '李某', kind: 'person' },
      { name: '候选人某', kind: 'candidate' },
    ];
    for (const f of forms) {
      // One minimum for all, set by an admin: most forms carry none of their own (src/domain/turnout.ts).
      const { meeting, tokens } = await meetingWithSlips({ title: `测试：${f.id}`, unit: '测试单位', kind: 'community', formIds: [f.id], subjects, minRespondents: 40, minReason: '测试：统一设定' }, [{ count: 1 }]);
      // The second grade of every scale (较好, 称职, 良好, 比较满意): valid under every rule.
      expect((await vote(tokens['']![0]!, undefined, (q) => q.scale[1].value)).status, f.id).toBe(201);
      expect((await t.api('POST', `/api/meetings/${meeting.id}/close`, {})).status).toBe(200);
      for (const format of ['results.csv', 'results.xlsx', 'results.pdf', 'ballots.json', 'ballots.csv']) {
        const r = await get(`/api/meetings/${meeting.id}/${format}`);
        expect(r.status, `${f.id} ${format}`).toBe(200);
        // Named after the unit and the title, not the meeting id.
        expect(String(r.headers['content-disposition'])).toContain(`filename*=UTF-8''${encodeURIComponent('测试单位_测试：')}`);
        expect(String(r.headers['content-disposition'])).not.toContain(meeting.id);
        if (format.endsWith('.csv') || format.endsWith('.json')) expect(r.body.toString('utf8'), `${f.id} ${format}`).toContain('无效：参评 1 人，少于最低参评人数 40 人');
      }
    }
  });

  it('an assessor not assigned to the meeting gets 404, as on /results', async () => {
    const created = await t.api('POST', '/api/users', { username: 'outsider', password: 'outsider-password-1', role: 'assessor' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'outsider', password: 'outsider-password-1' } });
    const token = login.json().token as string;
    const m = await t.api('POST', '/api/meetings', villageMeeting());
    for (const format of ['results.csv', 'results.pdf', 'ballots.json']) expect((await get(`/api/meetings/${m.body.id}/${format}`, token)).status).toBe(404);
    expect((await get(`/api/meetings/${m.body.id}/results.csv`)).status).toBe(200);
  });
});
