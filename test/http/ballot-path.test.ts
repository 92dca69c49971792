// The ballot path through the real app (app.inject) on a fresh SQLite file.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, makeTestApp, sqliteBox, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
let meetingId: string;
let tokens: string[];
let form: any;

beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

const count = (table: string) =>
  table === 'ballots'
    ? sqliteBox(t.app).inspect<{ n: number }>('select count(*) as n from ballots')[0]!.n
    : (t.app.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

describe('auth', () => {
  it('refuses a wrong password with a Chinese message and no hint which part was wrong', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'wrong-password' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toEqual({ code: 'LOGIN_FAILED', message: '用户名或密码错误' });
    const unknown = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'wrong-password' } });
    expect(unknown.json().error).toEqual(res.json().error);
  });

  it('requires a session on admin routes, and refuses a token signed with another algorithm', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/meetings' })).statusCode).toBe(401);
    const [h, p] = t.adminToken.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    expect((await t.app.inject({ method: 'GET', url: '/api/meetings', headers: { authorization: `Bearer ${none}` } })).statusCode).toBe(401);
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    expect(payload.exp - payload.iat).toBe(60 * 60);
  });

  it('stores passwords as argon2id hashes', () => {
    const row = t.app.db.$client.prepare('select password_hash from users').get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });
});

describe('a village meeting from creation to tally', () => {
  it('lists the seed-003 forms', async () => {
    const res = await t.api('GET', '/api/forms');
    expect(res.status).toBe(200);
    expect(res.body.map((f: any) => f.id)).toEqual(expect.arrayContaining(['village-political-construction', 'village-annual-review', 'village-secretary-report']));
  });

  it('creates a draft meeting whose minimum is 70 (003_43142c8fa1f20547.txt: 村不少于70人)', async () => {
    const res = await t.api('POST', '/api/meetings', villageMeeting());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'village', status: 'draft', minRespondents: 70 });
    expect(res.body.subjects).toHaveLength(9);
    meetingId = res.body.id;
    expect((await t.api('GET', `/api/meetings/${meetingId}`)).body).toMatchObject({ id: meetingId, title: villageMeeting().title, formIds: villageMeeting().formIds });
  });

  it('issues one-time slips shown once and stored only as hashes', async () => {
    const res = await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: 5 });
    expect(res.status).toBe(201);
    tokens = res.body.tokens;
    expect(tokens).toHaveLength(5);
    expect(new Set(tokens).size).toBe(5);
    expect(res.body.urls[0]).toBe(`http://vote.test/v/${tokens[0]}`);
    t.app.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const file = readFileSync(t.config.dbPath!).toString('latin1');
    for (const tok of tokens) expect(file.includes(tok)).toBe(false);
    for (const code of res.body.shortCodes) expect(file.includes(code.replace(/-/g, ''))).toBe(false);
  });

  it('refuses votes until the poll is open', async () => {
    const res = await t.api('GET', `/api/ballot/${tokens[0]}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('MEETING_NOT_OPEN');
    expect((await t.api('POST', `/api/meetings/${meetingId}/open`, {})).body.status).toBe('open');
  });

  it('serves the ballot form of a slip', async () => {
    const res = await t.api('GET', `/api/ballot/${tokens[0]}`);
    expect(res.status).toBe(200);
    form = res.body;
    expect(form.meeting).toEqual({ title: villageMeeting().title, unit: villageMeeting().unit });
    expect(form.forms.map((f: any) => f.id)).toEqual(villageMeeting().formIds);
    const discipline = form.forms[1].questions.find((q: any) => q.id === 'discipline');
    expect(discipline.subjects).toHaveLength(8); // the team and seven members
    expect(discipline.scale.map((g: any) => g.label)).toEqual(['好', '较好', '一般', '差']);
  });

  it('refuses an incomplete ballot with 422 and writes nothing', async () => {
    const answers = fullBallot(form);
    delete (answers['village-annual-review'] as any).integrity;
    const before = count('ballots');
    const res = await t.api('POST', `/api/ballot/${tokens[0]}`, { answers });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INVALID_BALLOT');
    expect(res.body.error.message).toContain('廉洁自律');
    expect(count('ballots')).toBe(before);
    expect((await t.api('GET', `/api/ballot/${tokens[0]}`)).status).toBe(200);
  });

  it('refuses a compressed ballot body as unreadable (phones send plain JSON; nothing is inflated) and writes nothing', async () => {
    const before = count('ballots');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/ballot/${tokens[0]}`,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ answers: fullBallot(form) })),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/[\u4e00-\u9fff]/);
    expect(count('ballots')).toBe(before);
    expect((await t.api('GET', `/api/ballot/${tokens[0]}`)).status).toBe(200);
  });

  it('counts a ballot once: 201, then 409 TOKEN_USED; a retry with the same nonce is told it was counted', async () => {
    const nonce = 'n0nce-for-this-ballot-123';
    const first = await t.api('POST', `/api/ballot/${tokens[0]}`, { answers: fullBallot(form), nonce });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'counted', alreadyCounted: false, valid: true });
    const again = await t.api('POST', `/api/ballot/${tokens[0]}`, { answers: fullBallot(form) });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('TOKEN_USED');
    const retry = await t.api('POST', `/api/ballot/${tokens[0]}`, { answers: fullBallot(form), nonce });
    expect(retry.status).toBe(200);
    expect(retry.body.alreadyCounted).toBe(true);
    expect((await t.api('GET', `/api/ballot/${tokens[0]}`)).body.error.code).toBe('TOKEN_USED');
    expect(count('ballots')).toBe(1);
  });

  it('answers 404 for an unknown token', async () => {
    const res = await t.api('GET', `/api/ballot/${'x'.repeat(43)}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('TOKEN_UNKNOWN');
    expect((await t.api('POST', `/api/ballot/${'y'.repeat(43)}`, { answers: fullBallot(form) })).status).toBe(404);
  });

  it('reaches the same ballot by the short code', async () => {
    const res = await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: 1 });
    const code: string = res.body.shortCodes[0];
    const byCode = await t.api('GET', `/api/ballot/${code.toLowerCase()}`);
    expect(byCode.status).toBe(200);
    expect((await t.api('POST', `/api/ballot/${code}`, { answers: fullBallot(form) })).status).toBe(201);
    expect((await t.api('GET', `/api/ballot/${res.body.tokens[0]}`)).body.error.code).toBe('TOKEN_USED');
  });

  it('shows turnout against the minimum and the sign-in count', async () => {
    expect((await t.api('PUT', `/api/meetings/${meetingId}/attendance`, { signedIn: 1 })).status).toBe(200);
    const res = await t.api('GET', `/api/meetings/${meetingId}/turnout`);
    expect(res.status).toBe(200);
    // While the poll is open the ballot count is published in steps of 5 (two ballots show as 0), so that
    // watching it does not tell who just voted; the flags are computed from the exact count.
    expect(res.body).toMatchObject({ signedIn: 1, minRespondents: 70, slipsIssued: 6, ballotsCast: 0, coarsened: true, meetsMinimum: false });
    expect(res.body.flags.map((f: any) => f.code)).toEqual(['BELOW_MINIMUM', 'BALLOTS_EXCEED_SIGNED_IN']);
  });

  it('withholds the tally and every export while the poll is open (two reads would reveal the ballot between)', async () => {
    for (const path of ['results', 'results.csv', 'results.xlsx', 'results.pdf', 'ballots.json', 'ballots.csv']) {
      const res = await t.api('GET', `/api/meetings/${meetingId}/${path}`);
      expect(res.status, path).toBe(409);
      expect(res.body.error.code, path).toBe('MEETING_OPEN');
      expect(res.body.error.message, path).toMatch(/测评进行中/);
    }
  });

  it('closes the poll, after which no slip can vote, and tallies', async () => {
    const grade = (q: any, s?: any) => (s?.name === '张建国' ? 'average' : 'fairly-good');
    expect((await t.api('POST', `/api/ballot/${tokens[1]}`, { answers: fullBallot(form, grade) })).status).toBe(201);
    expect((await t.api('POST', `/api/meetings/${meetingId}/close`)).body.status).toBe('closed');
    const late = await t.api('POST', `/api/ballot/${tokens[2]}`, { answers: fullBallot(form) });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('MEETING_NOT_OPEN');

    const r = await t.api('GET', `/api/meetings/${meetingId}/results`);
    expect(r.status).toBe(200);
    expect(r.body.ballots).toEqual({ cast: 3, valid: 3, invalid: 0 });
    const closedTurnout = await t.api('GET', `/api/meetings/${meetingId}/turnout`);
    expect(closedTurnout.body).toMatchObject({ ballotsCast: 3, coarsened: false });
    expect(r.body.meetsMinimum).toBe(false);
    const review = r.body.forms.find((f: any) => f.formId === 'village-annual-review');
    const discipline = review.questions.find((q: any) => q.questionId === 'discipline');
    const zhang = discipline.subjects.find((s: any) => s.name === '张建国');
    expect(zhang.counts).toEqual({ good: 2, 'fairly-good': 0, average: 1, poor: 0 });
    expect(zhang.meanPoints).toBeCloseTo((100 + 100 + 60) / 3);
    const li = discipline.subjects.find((s: any) => s.name === '李秀英');
    expect(li.meanPoints).toBeCloseTo((100 + 100 + 80) / 3);
    const secretary = r.body.forms.find((f: any) => f.formId === 'village-secretary-report').questions[0];
    expect(secretary.counts).toEqual({ good: 2, 'fairly-good': 1, average: 0, poor: 0 });
  });

  it('reopening a closed poll needs a written reason', async () => {
    const res = await t.api('POST', `/api/meetings/${meetingId}/open`, {});
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('REASON_REQUIRED');
    expect((await t.api('POST', `/api/meetings/${meetingId}/open`, { reason: '签到 75 人，补充发票' })).status).toBe(200);
  });
});

describe('what is stored about a ballot', () => {
  it('a ballot is a slot of the ballot box with a random key and no slip, token or time; slips say nothing of use', () => {
    const cols = sqliteBox(t.app).inspect<{ name: string }>('select name from pragma_table_info(?)', 'slots').map((c) => c.name);
    expect(cols.sort()).toEqual(['f', 'k', 'm', 'r', 'v']);
    // The main database holds no ballot, and no slip row says it was used (the markers live in the box).
    expect((t.app.db.$client.prepare('select count(*) as n from ballots').get() as { n: number }).n).toBe(0);
    expect((t.app.db.$client.prepare(`select count(*) as n from slips where status = 'used' or nonce_hash is not null`).get() as { n: number }).n).toBe(0);
    const slipCols = (t.app.db.$client.prepare('pragma table_info(slips)').all() as Array<{ name: string }>).map((c) => c.name);
    expect(slipCols.some((c) => /time|_at$/.test(c))).toBe(false);
  });

  it('the ballot box runs alone on its file: exclusive lock, rollback journal cut at each commit, FULL sync, secure_delete', () => {
    const p = (name: string) => sqliteBox(t.app).pragma(name);
    expect(p('locking_mode')).toBe('exclusive');
    expect(p('journal_mode')).toBe('truncate');
    expect(p('synchronous')).toBe(2);
    expect(p('secure_delete')).toBe(1);
  });

  it('runs with WAL, synchronous=FULL, foreign keys and secure_delete', () => {
    const p = (name: string) => t.app.db.$client.pragma(name, { simple: true });
    expect(p('journal_mode')).toBe('wal');
    expect(p('synchronous')).toBe(2);
    expect(p('foreign_keys')).toBe(1);
    expect(p('secure_delete')).toBe(1);
  });
});

describe('assessors', () => {
  it('see only the meetings they are assigned to', async () => {
    const created = await t.api('POST', '/api/users', { username: 'kaohe1', password: 'assessor-password-1', role: 'assessor' });
    expect(created.status).toBe(201);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'kaohe1', password: 'assessor-password-1' } });
    const auth = { authorization: `Bearer ${login.json().token}` };
    expect((await t.app.inject({ method: 'GET', url: `/api/meetings/${meetingId}`, headers: auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/meetings', headers: auth })).json()).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/api/users', headers: auth })).statusCode).toBe(403);
    expect((await t.api('PUT', `/api/meetings/${meetingId}/assessors`, { assessorIds: [created.body.id] })).status).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/api/meetings/${meetingId}/turnout`, headers: auth })).statusCode).toBe(200);
  });
});

describe('service routes', () => {
  it('answers /healthz when the database answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('publishes an OpenAPI document of the contract at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    for (const p of ['/api/auth/login', '/api/forms', '/api/meetings', '/api/meetings/{id}', '/api/meetings/{id}/slips', '/api/ballot/{token}', '/api/meetings/{id}/turnout', '/api/meetings/{id}/results', '/healthz']) {
      expect(paths).toContain(p);
    }
    expect((await t.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('declares a response schema for the success of every documented route', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const missing: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, { responses?: Record<string, { content?: unknown }> }>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.entries(op.responses ?? {}).filter(([code, r]) => code.startsWith('2') && (r.content !== undefined || code === '204'));
        if (ok.length === 0) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(40);
  });

  it('serves the voter page in Chinese with no external resources', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v/${'a'.repeat(43)}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('lang="zh-CN"');
    expect(res.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
  });
});
