// Publications of a meeting's results, attacked as an assessor or admin would: compare any two of them (the results
// view, every export, every closing report's archived files) and read off the late ballots. No two may differ by
// fewer than MIN_GROUP_SIZE ballots; and a raw export never labels a category with fewer ballots than that.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_GROUP_SIZE } from '../../src/domain/group-size.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
let assessorToken: string;
beforeAll(async () => {
  t = await makeTestApp();
  await t.api('POST', '/api/users', { username: 'team9', password: 'assessor-password-9', role: 'assessor' });
  assessorToken = (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'team9', password: 'assessor-password-9' } })).json().token;
});
afterAll(async () => t.close());

/** Casts `n` ballots, each with its own marker comment so that a ballot can be recognised across publications. */
async function cast(meetingId: string, n: number, tag: string): Promise<void> {
  const s = (await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: n })).body;
  const form = (await t.api('GET', `/api/ballot/${s.tokens[0]}`)).body;
  for (let i = 0; i < n; i++) {
    const answers = fullBallot(form, () => (i % 2 ? 'good' : 'fairly-good'));
    answers['village-annual-review']!.comments = `${tag}-${i}`;
    expect((await t.api('POST', `/api/ballot/${s.tokens[i]}`, { answers })).status).toBe(201);
  }
}

/** The multiset of ballots a publication shows (its raw ballots as canonical JSON). */
const ballotSet = (doc: { ballots: unknown[] }) => doc.ballots.map((b) => JSON.stringify(b)).sort();
function difference(a: string[], b: string[]): number {
  const left = new Map<string, number>();
  for (const x of a) left.set(x, (left.get(x) ?? 0) + 1);
  let d = 0;
  for (const x of b) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else d++;
  }
  for (const n of left.values()) d += n;
  return d;
}

describe('reopen, a few late ballots, close again', () => {
  it('never publishes two versions that differ by fewer than five ballots', { timeout: 120_000 }, async () => {
    const id = (await t.api('POST', '/api/meetings', villageMeeting({ kind: 'other', minRespondents: 5, minReason: '专题测评' }))).body.id;
    await t.api('PUT', `/api/meetings/${id}/assessors`, { assessorIds: [(await t.api('GET', '/api/users')).body.find((u: { username: string }) => u.username === 'team9').id] });
    const publications: Array<{ what: string; ballots: string[] }> = [];
    const collect = async (what: string) => {
      const raw = await t.api('GET', `/api/meetings/${id}/ballots.json`);
      const results = await t.api('GET', `/api/meetings/${id}/results`);
      expect(raw.status === 200).toBe(results.status === 200);
      if (raw.status === 200) publications.push({ what, ballots: ballotSet(raw.body) });
      else expect(raw.body.error.code).toBe('PUBLICATION_WITHHELD');
      return raw.status;
    };
    const reopen = async (reason: string) => expect((await t.api('POST', `/api/meetings/${id}/open`, { reason })).status).toBe(200);

    await t.api('POST', `/api/meetings/${id}/open`);
    await cast(id, 10, 'first');
    await t.api('POST', `/api/meetings/${id}/close`);
    expect(await collect('after the first close')).toBe(200);
    expect(await collect('downloaded again')).toBe(200);

    // An assessor may no longer reopen: results are out.
    const byAssessor = await t.app.inject({ method: 'POST', url: `/api/meetings/${id}/open`, headers: { authorization: `Bearer ${assessorToken}` }, payload: { reason: '有同志未投票' } });
    expect(byAssessor.statusCode).toBe(403);
    expect(byAssessor.json().error.message).toContain('管理员');

    await reopen('有同志未投票');
    await cast(id, 1, 'late-a');
    await t.api('POST', `/api/meetings/${id}/close`);
    expect(await collect('one late ballot')).toBe(409);
    // The late ballot is stored and counted in the turnout.
    expect((await t.api('GET', `/api/meetings/${id}/turnout`)).body.ballotsCast).toBe(11);

    await reopen('还有同志未投票');
    await cast(id, 3, 'late-b');
    await t.api('POST', `/api/meetings/${id}/close`);
    expect(await collect('four late ballots')).toBe(409);

    await reopen('最后一位同志补投');
    await cast(id, 1, 'late-c');
    await t.api('POST', `/api/meetings/${id}/close`);
    expect(await collect('five late ballots')).toBe(200);

    // Every archived closing report: its raw ballots, where it has them.
    const reports = (await t.api('GET', `/api/meetings/${id}/closing-reports`)).body as Array<{ id: string }>;
    expect(reports).toHaveLength(4);
    for (const r of reports) {
      const file = await t.app.inject({ method: 'GET', url: `/api/meetings/${id}/closing-report/files/ballots.json?reportId=${r.id}`, headers: { authorization: `Bearer ${t.adminToken}` } });
      if (file.statusCode === 200) publications.push({ what: `report ${r.id}`, ballots: ballotSet(file.json()) });
      else {
        expect(file.statusCode).toBe(404);
        const report = (await t.api('GET', `/api/meetings/${id}/closing-report?reportId=${r.id}`)).body.report;
        expect(report.exports.every((e: { error: string | null }) => e.error?.startsWith('暂不公布'))).toBe(true);
      }
    }
    expect(publications.length).toBeGreaterThanOrEqual(5);
    for (const a of publications) {
      for (const b of publications) {
        const d = difference(a.ballots, b.ballots);
        expect(d === 0 || d >= MIN_GROUP_SIZE, `${a.what} vs ${b.what}: ${d} ballots apart`).toBe(true);
      }
    }
  });
});

/** `cadreGrade` on the 优秀/称职 scale (总体评价), 好 on the 好/较好 scale (德能勤绩廉). */
const pick = (q: { scale: Array<{ value: string }> }, cadreGrade: string) => (q.scale.some((g) => g.value === cadreGrade) ? cadreGrade : 'good');

describe('raw exports and small categories', () => {
  it('label no category when one of them, counting invalid ballots too, is under five', { timeout: 60_000 }, async () => {
    const meeting = {
      title: '县直单位班子成员测评',
      unit: '某县某局',
      kind: 'other',
      minRespondents: 5,
      minReason: '专题测评',
      formIds: ['county-cadre-evaluation'],
      subjects: ['甲', '乙', '丙', '丁', '戊'].map((n) => ({ name: `${n}同志`, kind: 'person' })),
      categories: [
        { key: 'self', label: '领导自评', weight: 0.3 },
        { key: 'staff', label: '干部职工', weight: 0.3 },
        { key: 'peer', label: '服务对象', weight: 0.4 },
      ],
    };
    const id = (await t.api('POST', '/api/meetings', meeting)).body.id;
    await t.api('POST', `/api/meetings/${id}/open`);
    for (const category of ['self', 'staff']) {
      const s = (await t.api('POST', `/api/meetings/${id}/slips`, { count: 5, category })).body;
      const form = (await t.api('GET', `/api/ballot/${s.tokens[0]}`)).body;
      for (const tok of s.tokens) expect((await t.api('POST', `/api/ballot/${tok}`, { answers: fullBallot(form, (q) => pick(q, 'competent')) })).status).toBe(201);
    }
    // One paper ballot in the third category, rating everyone 优秀: recorded as written, and invalid.
    const p = (await t.api('POST', `/api/meetings/${id}/slips`, { count: 1, category: 'peer' })).body;
    const form = (await t.api('GET', `/api/meetings/${id}/paper-ballots/form`)).body;
    const keyed = await t.api('POST', `/api/meetings/${id}/paper-ballots`, { code: p.shortCodes[0], answers: fullBallot(form, (q) => pick(q, 'excellent')) });
    expect(keyed.status).toBe(201);
    expect(keyed.body.valid).toBe(false);
    await t.api('POST', `/api/meetings/${id}/close`);

    const json = (await t.api('GET', `/api/meetings/${id}/ballots.json`)).body;
    expect(json.ballots).toHaveLength(11);
    expect(json.ballots.filter((b: { category: string | null }) => b.category !== null)).toEqual([]);
    const csv = (await t.api('GET', `/api/meetings/${id}/ballots.csv`)).body as string;
    for (const label of ['领导自评', '干部职工', '服务对象']) expect(csv).not.toContain(label);
  });
});

describe('exports beside a category under five', () => {
  it('publish neither per-grade counts nor raw ballots: with the weighted score they would give the category away', { timeout: 60_000 }, async () => {
    // Seed 002_ef31b3aa8f1f181a.txt: 领导自评 40 %, 民主评议 60 %; three team members rate themselves.
    const id = (
      await t.api('POST', '/api/meetings', villageMeeting({ kind: 'other', minRespondents: 5, minReason: '专题测评', categories: [{ key: 'self', label: '领导自评', weight: 0.4 }, { key: 'staff', label: '民主评议', weight: 0.6 }] }))
    ).body.id;
    await t.api('POST', `/api/meetings/${id}/open`);
    for (const [category, n, grade] of [['self', 3, 'good'], ['staff', 12, 'fairly-good']] as const) {
      const s = (await t.api('POST', `/api/meetings/${id}/slips`, { count: n, category })).body;
      const form = (await t.api('GET', `/api/ballot/${s.tokens[0]}`)).body;
      for (const tok of s.tokens) expect((await t.api('POST', `/api/ballot/${tok}`, { answers: fullBallot(form, () => grade) })).status).toBe(201);
    }
    await t.api('POST', `/api/meetings/${id}/close`);
    const results = (await t.api('GET', `/api/meetings/${id}/results`)).body;
    expect(results.pooledWithheld).toBe(true);
    for (const file of ['ballots.json', 'ballots.csv']) {
      const r = await t.api('GET', `/api/meetings/${id}/${file}`);
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'RAW_BALLOTS_WITHHELD', message: expect.stringContaining('领导自评') });
    }
    // The 统计表 prints the weighted score (0.4 × 100 + 0.6 × 80 = 88) and '—' where the counts would be.
    const csv = String((await t.api('GET', `/api/meetings/${id}/statistics.csv`)).body);
    const row = csv.split('\n').find((l) => l.startsWith('2,张建国'))!;
    expect(row.split(',').slice(3, 8)).toEqual(['—', '—', '—', '—', '—']);
    expect(row).toContain('88.00');
    expect(csv).toContain('各等次票数不公布');
    // The archived report says why the raw ballots are missing.
    const report = (await t.api('GET', `/api/meetings/${id}/closing-report`)).body.report;
    expect(report.exports.find((e: { name: string }) => e.name === 'ballots.json').error).toMatch(/^暂不公布/);
  });
});
