// Keying in paper ballots (seed 000_a43cfffc0fe01c15.txt: 会前提前发卷、无记名分散填卷、会上集中收卷).
// A paper ballot is recorded as written: blanks stay blank and a rule breach marks it invalid instead of
// refusing it; it counts once, like a phone ballot, under the code of its slip.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { meetingBallots } from '../../src/ballots/index.js';
import { loadConfig } from '../../src/config.js';
import { ADMIN } from '../helpers/app.js';

/** A cadre form with the seed-004 quota as a rule: at most 20 % 优秀 per ballot; phones are refused. */
const QUOTA_FORM = {
  id: 'paper-quota-test',
  title: '领导干部年度考核民主测评表（测试）',
  source: { seed: '004_9ba8455c36f7d67d.txt', quote: '年度考核测评需严格按照优秀20%比例要求开展测评' },
  scales: {
    cadre: {
      label: '优秀 / 称职 / 基本称职 / 不称职',
      grades: [
        { value: 'excellent', label: '优秀', points: 100, favourable: true },
        { value: 'competent', label: '称职', points: 80, favourable: true },
        { value: 'basic', label: '基本称职', points: 60 },
        { value: 'incompetent', label: '不称职', points: 40 },
      ],
    },
  },
  questions: [
    { id: 'overall', type: 'graded', scale: 'cadre', subjects: ['person'], required: true, text: '总体评价' },
    { id: 'comments', type: 'text', maxLength: 300, required: false, text: '意见和建议' },
  ],
  rules: [{ id: 'excellent-quota', type: 'maxGradeShare', questions: ['overall'], grade: 'excellent', maxShare: 0.2, minAllowed: 1, policy: 'refuse', message: '评为“优秀”的人数不能超过 20%' }],
};

const PEOPLE = ['甲', '乙', '丙', '丁', '戊'].map((n) => ({ name: `干部${n}`, kind: 'person' }));

let app: FastifyInstance;
let logs = '';
let dir: string;
let token: string;
let meetingId: string;
let subjects: string[];
let slips: { tokens: string[]; shortCodes: string[] };

async function api(method: 'GET' | 'POST', url: string, payload?: unknown, auth = true) {
  const res = await app.inject({ method, url, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}), headers: { accept: 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) } });
  return { status: res.statusCode, body: res.json() };
}
const keyIn = (code: string, answers: unknown, mid = meetingId) => api('POST', `/api/meetings/${mid}/paper-ballots`, { code, answers });
// The stored ballots, from the ballot box, in the shape the old table had (answers and breaches as JSON).
const rows = async () =>
  (await meetingBallots({ db: app.db }, meetingId)).map((b) => ({ source: b.source, valid: b.valid ? 1 : 0, answers: JSON.stringify(b.answers), breaches: JSON.stringify(b.breaches) }));
const gradesFor = (ids: string[], ...g: string[]) => ({ [QUOTA_FORM.id]: { overall: Object.fromEntries(g.map((x, i) => [ids[i], x]).filter(([, x]) => x !== '')) } });
const grades = (...g: string[]) => gradesFor(subjects, ...g);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ceping-paper-'));
  const forms = join(dir, 'forms');
  mkdirSync(forms);
  writeFileSync(join(forms, `${QUOTA_FORM.id}.json`), JSON.stringify(QUOTA_FORM));
  const config = loadConfig({ CEPING_DB: join(dir, 'db.sqlite'), PUBLIC_URL: 'http://vote.test', CEPING_ADMIN_USER: ADMIN.username, CEPING_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'info' });
  // Every log line is kept, to check that a key-in (which casts a ballot) writes none.
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  app = await buildApp(config, { formsDir: forms, logger: { stream: sink } });
  await app.ready();
  token = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN })).json().token;
  const m = await api('POST', '/api/meetings', { title: '2026年度某局领导班子和领导干部年度考核', unit: '某局', kind: 'city-dept', formIds: [QUOTA_FORM.id], subjects: PEOPLE });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  meetingId = m.body.id;
  slips = (await api('POST', `/api/meetings/${meetingId}/slips`, { count: 8 })).body;
  const form = await api('GET', `/api/meetings/${meetingId}/paper-ballots/form`);
  expect(form.status).toBe(200);
  subjects = form.body.forms[0].questions[0].subjects.map((s: { id: string }) => s.id);
  expect(subjects).toHaveLength(5);
});
afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('before the poll opens', () => {
  it('refuses a key-in and writes nothing', async () => {
    const res = await keyIn(slips.shortCodes[0]!, grades('competent'));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('MEETING_NOT_OPEN');
    expect(await rows()).toHaveLength(0);
  });
});

describe('keying in', () => {
  beforeAll(async () => {
    expect((await api('POST', `/api/meetings/${meetingId}/open`, {})).status).toBe(200);
  });

  it('counts a paper ballot once under its short code', async () => {
    const res = await keyIn(slips.shortCodes[0]!, grades('excellent', 'competent', 'competent', 'basic', 'competent'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'counted', valid: true });
    expect(await rows()).toEqual([expect.objectContaining({ source: 'paper', valid: 1 })]);
  });

  it('refuses a second key-in of the same code, and the slip’s QR too', async () => {
    const again = await keyIn(slips.shortCodes[0]!.toLowerCase(), grades('competent'));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('TOKEN_USED');
    expect(again.body.error.message).toContain('不能重复录入');
    const phone = await app.inject({ method: 'GET', url: `/api/ballot/${slips.tokens[0]}` });
    expect(phone.statusCode).toBe(409);
    expect(await rows()).toHaveLength(1);
  });

  it('takes the token as the code too, and a phone cannot vote with that slip afterwards', async () => {
    const res = await keyIn(slips.tokens[1]!, grades('competent', 'competent', 'competent', 'competent', 'competent'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const phone = await app.inject({ method: 'POST', url: `/api/ballot/${slips.shortCodes[1]}`, payload: { answers: grades('competent') } });
    expect(phone.statusCode).toBe(409);
    expect(await rows()).toHaveLength(2);
  });

  it('records blanks as blanks (a phone would be asked to fill them in)', async () => {
    const partial = grades('competent', '', 'basic');
    const phone = await app.inject({ method: 'POST', url: `/api/ballot/${slips.tokens[2]}`, payload: { answers: partial } });
    expect(phone.statusCode).toBe(422);
    const res = await keyIn(slips.shortCodes[3]!, partial);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.valid).toBe(true);
    const stored = (await rows()).map((r) => JSON.parse(r.answers)[QUOTA_FORM.id].overall);
    expect(stored).toContainEqual({ [subjects[0]!]: 'competent', [subjects[2]!]: 'basic' });
  });

  it('stores a rule-breaking paper ballot as written and marks it invalid (a phone is refused)', async () => {
    const tooMany = grades('excellent', 'excellent', 'excellent', 'competent', 'competent');
    const phone = await app.inject({ method: 'POST', url: `/api/ballot/${slips.tokens[4]}`, payload: { answers: tooMany } });
    expect(phone.statusCode).toBe(422);
    expect(phone.json().error.message).toContain('优秀');
    const res = await keyIn(slips.shortCodes[4]!, { ...tooMany, [QUOTA_FORM.id]: { ...tooMany[QUOTA_FORM.id], comments: '  照原样录入  ' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.valid).toBe(false);
    expect(res.body.message).toContain('无效票');
    const invalid = (await rows()).filter((r) => r.valid === 0);
    expect(invalid).toHaveLength(1);
    expect(JSON.parse(invalid[0]!.breaches)).toEqual([expect.objectContaining({ ruleId: 'excellent-quota', formId: QUOTA_FORM.id })]);
    expect(Object.values(JSON.parse(invalid[0]!.answers)[QUOTA_FORM.id].overall).filter((g) => g === 'excellent')).toHaveLength(3);
  });

  it('writes no log line for a key-in, and no code anywhere in the log', () => {
    expect(logs).toContain('/api/meetings/:id/slips'); // admin routes are logged…
    expect(logs).not.toContain('/api/meetings/:id/paper-ballots"'); // …a key-in is not
    for (const c of [...slips.shortCodes, ...slips.tokens]) expect(logs).not.toContain(c);
  });

  it('counts paper and phone ballots alike in the turnout', async () => {
    expect((await api('POST', `/api/meetings/${meetingId}/close`, {})).status).toBe(200);
    const t = await api('GET', `/api/meetings/${meetingId}/turnout`);
    expect(t.body).toMatchObject({ slipsIssued: 8, slipsUsed: 4, ballotsCast: 4, ballotsValid: 3 });
  });
});

describe('bad key-ins: 4xx with a Chinese message, nothing written', () => {
  let other: string;
  let otherCodes: string[];
  let otherSubjects: string[];
  beforeAll(async () => {
    other = (await api('POST', '/api/meetings', { title: '另一次测评', unit: '另一单位', kind: 'city-dept', formIds: [QUOTA_FORM.id], subjects: PEOPLE })).body.id;
    otherCodes = (await api('POST', `/api/meetings/${other}/slips`, { count: 3 })).body.shortCodes;
    const form = await api('GET', `/api/meetings/${other}/paper-ballots/form`);
    otherSubjects = form.body.forms[0].questions[0].subjects.map((x: { id: string }) => x.id);
    expect((await api('POST', `/api/meetings/${other}/open`, {})).status).toBe(200);
  });
  const otherRows = async () => ({ n: (await meetingBallots({ db: app.db }, other)).length });

  it('a code of another meeting', async () => {
    const res = await keyIn(slips.shortCodes[5]!, grades('competent'), other);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('CODE_NOT_FOUND');
    expect(res.body.error.message).toContain('不属于本次测评');
  });

  it('a mistyped code (check symbol wrong) or garbage', async () => {
    const code = otherCodes[0]!;
    const wrong = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
    for (const c of [wrong, '1234', '   ']) {
      const res = await keyIn(c, grades('competent'), other);
      expect(res.status, c).toBe(404);
      expect(res.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('answers that cannot be recorded (unknown subject or grade) leave the slip unused', async () => {
    const bad = await keyIn(otherCodes[0]!, { [QUOTA_FORM.id]: { overall: { nobody: 'competent' } } }, other);
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('INVALID_BALLOT');
    const badGrade = await keyIn(otherCodes[0]!, { [QUOTA_FORM.id]: { overall: { [otherSubjects[0]!]: 'superb' } } }, other);
    expect(badGrade.status).toBe(422);
    expect((await otherRows()).n).toBe(0);
    // The slip is still good for the ballot as written.
    expect((await keyIn(otherCodes[0]!, gradesFor(otherSubjects, 'competent'), other)).status).toBe(201);
    expect((await otherRows()).n).toBe(1);
  });

  it('a body of the wrong shape, or no login', async () => {
    for (const body of [{ code: otherCodes[1] }, { code: otherCodes[1], answers: [] }, { code: '', answers: {} }, { code: otherCodes[1], answers: {}, extra: 1 }]) {
      const res = await api('POST', `/api/meetings/${other}/paper-ballots`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    }
    const anon = await api('POST', `/api/meetings/${other}/paper-ballots`, { code: otherCodes[1], answers: gradesFor(otherSubjects, 'competent') }, false);
    expect(anon.status).toBe(401);
    expect((await otherRows()).n).toBe(1);
  });

  it('print with a bad count, or for a closed meeting, issues nothing', async () => {
    const before = (await api('GET', `/api/meetings/${meetingId}/turnout`)).body.slipsIssued;
    for (const [mid, body, status] of [
      [other, { count: 0 }, 400],
      [other, { count: 2001 }, 400],
      [meetingId, { count: 1 }, 409],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: `/api/meetings/${mid}/paper-ballots/print`, payload: body, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error.message).toMatch(/[\u4e00-\u9fff]/);
    }
    expect((await api('GET', `/api/meetings/${meetingId}/turnout`)).body.slipsIssued).toBe(before);
  });
});
