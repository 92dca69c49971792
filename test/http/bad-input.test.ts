// Bad input on every route of the ballot path: a 4xx with a clear Chinese message, never a 5xx, nothing written.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
let meetingId: string;
let token: string;
let answers: Record<string, Record<string, unknown>>;

beforeAll(async () => {
  t = await makeTestApp();
  meetingId = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
  token = (await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: 2 })).body.tokens[0];
  await t.api('POST', `/api/meetings/${meetingId}/open`, {});
  answers = fullBallot((await t.api('GET', `/api/ballot/${token}`)).body);
});
afterAll(async () => t.close());

/** Rows in every table: a refused request must leave all of them as they were. */
function snapshot(): Record<string, number> {
  const db = t.app.db.$client;
  const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as Array<{ name: string }>).map((r) => r.name);
  return Object.fromEntries(tables.map((n) => [n, (db.prepare(`select count(*) as n from "${n}"`).get() as { n: number }).n]));
}

const big = 'x'.repeat(600 * 1024);
/** Built when the test runs, after beforeAll has fetched a complete ballot. */
const withAnswers = (patch: (a: any) => void) => () => {
  const a = structuredClone(answers);
  patch(a);
  return { answers: a };
};

const cases: Array<[string, string, string, unknown, number?]> = [
  ['login without password', 'POST', '/api/auth/login', { username: 'admin' }],
  ['login with a number', 'POST', '/api/auth/login', { username: 1, password: 2 }],
  ['login oversized', 'POST', '/api/auth/login', { username: 'admin', password: big }],
  ['meeting without title', 'POST', '/api/meetings', { ...villageMeeting(), title: '' }],
  ['meeting of unknown kind', 'POST', '/api/meetings', { ...villageMeeting(), kind: 'province' }],
  ['meeting with an unknown form', 'POST', '/api/meetings', { ...villageMeeting(), formIds: ['no-such-form'] }],
  ['meeting with a subject of unknown kind', 'POST', '/api/meetings', { ...villageMeeting(), subjects: [{ name: 'x', kind: 'alien' }] }],
  ['meeting whose form has no subjects to rate', 'POST', '/api/meetings', { ...villageMeeting(), subjects: [] }],
  ['meeting with subjects as a string', 'POST', '/api/meetings', { ...villageMeeting(), subjects: '张三' }],
  ['meeting with weights not summing to one', 'POST', '/api/meetings', { ...villageMeeting(), categories: [{ key: 'a', label: '甲', weight: 0.5 }, { key: 'b', label: '乙', weight: 0.4 }] }],
  ['meeting of kind other without a minimum', 'POST', '/api/meetings', { ...villageMeeting(), kind: 'other' }],
  ['meeting minimum changed without a reason', 'POST', '/api/meetings', { ...villageMeeting(), minRespondents: 10 }],
  ['meeting with an extra field', 'POST', '/api/meetings', { ...villageMeeting(), admin: true }],
  ['meeting as an array', 'POST', '/api/meetings', [villageMeeting()]],
  ['meeting oversized', 'POST', '/api/meetings', { ...villageMeeting(), title: big }],
  ['unknown meeting', 'GET', '/api/meetings/nope', undefined, 404],
  ['meeting id with odd characters', 'GET', '/api/meetings/%00%27', undefined],
  ['open an unknown meeting', 'POST', '/api/meetings/nope/open', {}, 404],
  ['close an unknown meeting', 'POST', '/api/meetings/nope/close', undefined, 404],
  ['attendance negative', 'PUT', '/api/meetings/:id/attendance', { signedIn: -1 }],
  ['attendance as text', 'PUT', '/api/meetings/:id/attendance', { signedIn: '70' }],
  ['attendance empty', 'PUT', '/api/meetings/:id/attendance', {}],
  ['attendance fractional', 'PUT', '/api/meetings/:id/attendance', { signedIn: 70.5 }],
  ['turnout of an unknown meeting', 'GET', '/api/meetings/nope/turnout', undefined, 404],
  ['results of an unknown meeting', 'GET', '/api/meetings/nope/results', undefined, 404],
  ['slips count zero', 'POST', '/api/meetings/:id/slips', { count: 0 }],
  ['slips count huge', 'POST', '/api/meetings/:id/slips', { count: 1e9 }],
  ['slips of an unknown category', 'POST', '/api/meetings/:id/slips', { count: 1, category: 'nobody' }],
  ['slips for an unknown meeting', 'POST', '/api/meetings/nope/slips', { count: 1 }, 404],
  ['ballot of an unknown token', 'GET', '/api/ballot/unknown-token', undefined, 404],
  ['ballot token too long', 'GET', `/api/ballot/${'a'.repeat(200)}`, undefined],
  ['cast without answers', 'POST', '/api/ballot/:token', {}],
  ['cast with answers as a string', 'POST', '/api/ballot/:token', { answers: 'all good' }],
  ['cast a grade outside the scale', 'POST', '/api/ballot/:token', withAnswers((a) => (a['village-secretary-report'].overall = 'excellent'))],
  ['cast a grade as a number', 'POST', '/api/ballot/:token', withAnswers((a) => (a['village-secretary-report'].overall = 100))],
  ['cast a required item missing', 'POST', '/api/ballot/:token', withAnswers((a) => delete a['village-political-construction']['political-life'])],
  ['cast an unknown subject', 'POST', '/api/ballot/:token', withAnswers((a) => (a['village-annual-review'].discipline.nobody = 'good'))],
  ['cast an unknown form', 'POST', '/api/ballot/:token', withAnswers((a) => (a['other-form'] = {}))],
  ['cast a comment too long', 'POST', '/api/ballot/:token', withAnswers((a) => (a['village-annual-review'].comments = '长'.repeat(501)))],
  ['cast a bad nonce', 'POST', '/api/ballot/:token', () => ({ answers, nonce: '<script>' })],
  ['cast oversized', 'POST', '/api/ballot/:token', () => ({ answers, pad: big })],
  ['cast to an unknown token', 'POST', `/api/ballot/${'z'.repeat(43)}`, () => ({ answers }), 404],
];

it.each(cases)('%s → 4xx with a Chinese message, nothing written', async (_name, method, url, given, expected) => {
  const payload = typeof given === 'function' ? (given as () => unknown)() : given;
  const before = snapshot();
  const res = await t.app.inject({
    method: method as 'GET',
    url: url.replace(':id', meetingId).replace(':token', token),
    headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (expected) expect(res.statusCode).toBe(expected);
  const body = res.json();
  expect(body.error.code).toMatch(/^[A-Z_]+$/);
  expect(body.error.message).toMatch(/[\u4e00-\u9fff]/);
  expect(snapshot()).toEqual(before);
});

it('refuses a body that is not JSON, and a body with the wrong content type', async () => {
  const before = snapshot();
  for (const [payload, type] of [
    ['{"answers": ', 'application/json'],
    ['answers=1', 'application/x-www-form-urlencoded'],
    ['answers', 'text/plain'],
  ] as const) {
    const res = await t.app.inject({ method: 'POST', url: `/api/ballot/${token}`, headers: { 'content-type': type }, payload });
    expect(res.statusCode, `${type}: ${res.body}`).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json().error.message).toMatch(/[\u4e00-\u9fff]/);
  }
  expect(snapshot()).toEqual(before);
});

it('the slip refused above still votes afterwards', async () => {
  const res = await t.api('POST', `/api/ballot/${token}`, { answers });
  expect(res.status).toBe(201);
});
