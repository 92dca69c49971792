// Voiding lost or damaged slips, the batch list, and bad input on the slip routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.repository.js';
import { castBallot } from '../../src/ballots/index.js';
import { voidSlips as voidSlipsNow } from '../../src/slips/index.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
let id: string;
let first: { tokens: string[]; shortCodes: string[]; serials: number[]; batchId: string };
let second: { tokens: string[]; shortCodes: string[]; serials: number[]; batchId: string };
let other: { id: string; shortCodes: string[]; batchId: string };

const turnout = async (mid = id) => (await t.api('GET', `/api/meetings/${mid}/turnout`)).body;
const ballot = (credential: string) => t.app.inject({ method: 'GET', url: `/api/ballot/${credential}` });
const voidSlips = (body: unknown, mid = id) => t.api('POST', `/api/meetings/${mid}/slips/void`, body);

beforeAll(async () => {
  t = await makeTestApp();
  id = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
  first = (await t.api('POST', `/api/meetings/${id}/slips`, { count: 10 })).body;
  second = (await t.api('POST', `/api/meetings/${id}/slips`, { count: 5 })).body;
  const o = (await t.api('POST', '/api/meetings', villageMeeting({ title: '另一次测评' }))).body.id;
  const os = (await t.api('POST', `/api/meetings/${o}/slips`, { count: 2 })).body;
  other = { id: o, shortCodes: os.shortCodes, batchId: os.batchId };
  expect((await t.api('POST', `/api/meetings/${id}/open`, {})).status).toBe(200);
});
afterAll(async () => t.close());

async function cast(token: string) {
  const form = await ballot(token);
  expect(form.statusCode, form.body).toBe(200);
  const res = await t.app.inject({ method: 'POST', url: `/api/ballot/${token}`, payload: { answers: fullBallot(form.json()) } });
  expect(res.statusCode, res.body).toBe(201);
}

describe('voiding', () => {
  it('voids a slip by its serial; the voided slip cannot vote', async () => {
    const res = await voidSlips({ serials: [1], reason: '遗失' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ voided: [1], alreadyVoided: [], usedKept: 0 });
    expect(res.body.message).toContain('已作废 1 张');
    const view = await ballot(first.tokens[0]!);
    expect(view.statusCode).toBe(409);
    expect(view.json().error.code).toBe('TOKEN_VOIDED');
    const post = await t.app.inject({ method: 'POST', url: `/api/ballot/${first.tokens[0]}`, payload: { answers: {} } });
    expect(post.statusCode).toBe(409);
    expect(post.json().error.code).toBe('TOKEN_VOIDED');
    // The short code of the same slip is voided too.
    expect((await ballot(first.shortCodes[0]!)).json().error.code).toBe('TOKEN_VOIDED');
  });

  it('voids a slip by its short code, typed loosely (lower case, spaces, O for 0)', async () => {
    const typed = first.shortCodes[1]!.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o');
    const res = await voidSlips({ shortCodes: [typed], reason: '票面污损' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.voided).toEqual([first.serials[1]]);
    expect((await ballot(first.tokens[1]!)).json().error.code).toBe('TOKEN_VOIDED');
  });

  it('voids twice without harm', async () => {
    const res = await voidSlips({ serials: [1], reason: '重复登记' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ voided: [], alreadyVoided: [1] });
  });

  // The server cannot tell from a serial whether a slip has voted (its "used" marker names no slip), so a void
  // answers the same for a used and an unused slip; a ballot already cast stays counted.
  it('voids a slip whether or not it has voted, answering the same; a ballot already cast stays counted', async () => {
    await cast(first.tokens[2]!);
    const res = await voidSlips({ serials: [4, 3], reason: '遗失' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ voided: [3, 4], alreadyVoided: [], usedKept: 0 });
    // Both now answer "voided", the used one as the unused one.
    expect((await ballot(first.tokens[2]!)).json().error.code).toBe('TOKEN_VOIDED');
    expect((await ballot(first.tokens[3]!)).json().error.code).toBe('TOKEN_VOIDED');
  });

  it('voids a whole batch, used slips included, keeping their ballots counted', async () => {
    await cast(second.tokens[0]!);
    const res = await voidSlips({ batchId: second.batchId, reason: '整批未发放' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.voided).toEqual(second.serials);
    expect(res.body.usedKept).toBe(0);
    expect(res.body.message).not.toContain('已投票');
    for (const token of second.tokens) expect((await ballot(token)).json().error.code).toBe('TOKEN_VOIDED');
  });

  it('writes each voiding to the audit log with its reason', async () => {
    const entries = (await listAudit({ db: t.app.db }, { meetingId: id })).filter((e) => e.action === 'slips.void');
    expect(entries.map((e) => e.detail.reason)).toEqual(['整批未发放', '遗失', '重复登记', '票面污损', '遗失']);
    expect(entries[0]!.detail).toMatchObject({ batchId: second.batchId, serials: second.serials, usedKept: 0 });
    expect(entries[0]!.actor).toBe('admin');
    expect(JSON.stringify(entries)).not.toContain(first.tokens[0]!);
  });

  it('shows the counts in the turnout and the batch list', async () => {
    const open = await turnout();
    expect(open).toMatchObject({ slipsIssued: 15, slipsVoided: 4 + 5 });
    const live = await t.api('GET', `/api/meetings/${id}/slips/batches`);
    expect(live.status).toBe(200);
    expect(live.body.coarsened).toBe(true); // used counts move with voters while the poll is open
    expect(live.body.batches.map((b: { voided: number }) => b.voided)).toEqual([4, 5]);

    expect((await t.api('POST', `/api/meetings/${id}/close`, {})).status).toBe(200);
    // The two ballots cast before their slips were voided stay counted.
    expect(await turnout()).toMatchObject({ slipsIssued: 15, slipsUsed: 2, slipsVoided: 9, ballotsCast: 2 });
    const closed = await t.api('GET', `/api/meetings/${id}/slips/batches`);
    expect(closed.body.coarsened).toBe(false);
    expect(closed.body.batches).toEqual([
      expect.objectContaining({ batchId: first.batchId, count: 10, firstSerial: 1, lastSerial: 10, used: 1, voided: 4, category: null, createdBy: 'admin' }),
      expect.objectContaining({ batchId: second.batchId, count: 5, firstSerial: 11, lastSerial: 15, used: 1, voided: 5 }),
    ]);
    expect(JSON.stringify(closed.body)).not.toMatch(/token|shortCode/i);
  });

  it('refuses to void once the poll is closed', async () => {
    const res = await voidSlips({ serials: [5], reason: '遗失' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('MEETING_CLOSED');
  });
});

describe('bad input: 4xx with a Chinese message, nothing written', () => {
  let before: { slipsIssued: number; slipsVoided: number };
  let audit: number;
  beforeAll(async () => {
    before = await turnout(other.id);
    audit = (await listAudit({ db: t.app.db })).length;
  });
  afterAll(async () => {
    expect(await turnout(other.id)).toMatchObject({ slipsIssued: before.slipsIssued, slipsVoided: before.slipsVoided });
    expect((await listAudit({ db: t.app.db })).length).toBe(audit);
  });

  const cases: Array<[string, unknown, number, string]> = [
    ['no slip named', { reason: '遗失' }, 422, 'NOTHING_TO_VOID'],
    ['no reason', { serials: [1] }, 400, 'VALIDATION_ERROR'],
    ['a blank reason', { serials: [1], reason: ' ' }, 422, 'REASON_REQUIRED'],
    ['an unknown serial', { serials: [1, 999], reason: '遗失' }, 404, 'SLIP_NOT_FOUND'],
    ['a malformed short code', { shortCodes: ['ABCD-EFGH'], reason: '遗失' }, 422, 'INVALID_SHORT_CODE'],
    ['a serial that is not a number', { serials: ['1'], reason: '遗失' }, 400, 'VALIDATION_ERROR'],
    ['an unknown field', { serials: [1], reason: '遗失', all: true }, 400, 'VALIDATION_ERROR'],
  ];
  for (const [what, body, status, code] of cases) {
    it(`void with ${what}`, async () => {
      const res = await voidSlips(body, other.id);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    });
  }

  it('void with a short code or batch of another meeting', async () => {
    const byCode = await voidSlips({ shortCodes: [other.shortCodes[0]], reason: '遗失' }, id);
    expect(byCode.status).toBe(409); // the meeting `id` is closed: checked first
    const third = (await t.api('POST', '/api/meetings', villageMeeting({ title: '第三次测评' }))).body.id;
    const auditNow = (await listAudit({ db: t.app.db })).length;
    const code = await voidSlips({ shortCodes: [other.shortCodes[0]], reason: '遗失' }, third);
    expect(code.status).toBe(404);
    expect(code.body.error.message).toContain('不属于本次测评');
    const batch = await voidSlips({ batchId: other.batchId, reason: '遗失' }, third);
    expect(batch.status).toBe(404);
    expect(batch.body.error.code).toBe('BATCH_NOT_FOUND');
    expect((await listAudit({ db: t.app.db })).length).toBe(auditNow);
    audit = auditNow;
  });

  it('print with a count out of range, or an unknown category, issues nothing', async () => {
    for (const [body, status] of [
      [{ count: 0 }, 400],
      [{ count: 10001 }, 400],
      [{ count: 1.5 }, 400],
      [{ count: 3, category: 'nobody' }, 422],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url: `/api/meetings/${other.id}/slips`, payload: body, headers: { authorization: `Bearer ${t.adminToken}` } });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.json().error.message).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('print without a login, or for a meeting that does not exist', async () => {
    const anon = await t.app.inject({ method: 'POST', url: `/api/meetings/${other.id}/slips`, payload: { count: 1 } });
    expect(anon.statusCode).toBe(401);
    const missing = await t.app.inject({ method: 'POST', url: '/api/meetings/nope/slips', payload: { count: 1 }, headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toMatch(/[\u4e00-\u9fff]/);
    expect((await t.api('GET', '/api/meetings/nope/slips/batches')).status).toBe(404);
  });
});

describe('a void racing a ballot', () => {
  it('refuses a ballot whose slip is voided after the ballot was read but before its group is written', async () => {
    const mid = (await t.api('POST', '/api/meetings', villageMeeting({ title: '作废与投票同时发生' }))).body.id as string;
    const slips = (await t.api('POST', `/api/meetings/${mid}/slips`, { count: 2 })).body;
    expect((await t.api('POST', `/api/meetings/${mid}/open`, {})).status).toBe(200);
    const [token, otherToken] = slips.tokens as [string, string];
    const form = (await ballot(token)).json();
    // castBallot reads the slip and its meeting, then queues the ballot; its group leaves on a later turn of the
    // event loop. The void commits in between (bumping the meeting's version), so the group's check must ask again.
    const deps = { db: t.app.db, forms: t.app.forms, writer: t.app.ballotWriter };
    const pending = castBallot(deps, token, { answers: fullBallot(form) });
    const beside = castBallot(deps, otherToken, { answers: fullBallot(form) });
    const admin = { id: 'admin', username: 'admin', role: 'admin' as const };
    expect((await voidSlipsNow({ db: t.app.db }, admin, mid, { serials: [slips.serials[0]], reason: '遗失' })).voided).toEqual([slips.serials[0]]);
    await expect(pending).rejects.toMatchObject({ code: 'TOKEN_VOIDED' });
    // The other slip of the same group, not voided, is taken: the check asks again, it does not refuse blindly.
    await expect(beside).resolves.toMatchObject({ status: 'counted', alreadyCounted: false });
    expect((await t.app.ballotWriter.counts(mid)).cast).toBe(1);
  });
});
