// The voter's form is kept serialised and compressed per meeting version and category (src/ballots/form-cache.ts).
// What it must keep true: the kept bytes are exactly what the route's schema would serialise; every coding decodes
// to the same JSON; an edit shows on the next GET; one meeting's (or category's) form never reaches another's slip;
// the per-slip checks (used, voided, poll closed) still run; the headers are those of every other response.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BallotFormView, ballotView } from '../../src/ballots/index.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t?.close());

const CATEGORIES = [
  { key: 'a', label: '党员代表', weight: 0.4 },
  { key: 'b', label: '群众代表', weight: 0.6 },
];

async function openMeeting(overrides: Record<string, unknown> = {}, on = t) {
  const m = await on.api('POST', '/api/meetings', villageMeeting(overrides));
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  return m.body as { id: string; subjects: Array<{ id: string; name: string }> };
}
const issue = async (meetingId: string, count: number, category?: string, on = t) => {
  const res = await on.api('POST', `/api/meetings/${meetingId}/slips`, { count, ...(category ? { category } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.tokens as string[];
};
const open = async (meetingId: string, reason?: string, on = t) => expect((await on.api('POST', `/api/meetings/${meetingId}/open`, reason ? { reason } : {})).status).toBe(200);

/** GET the form as a phone does, with one Accept-Encoding; returns the raw bytes, the decoded text and the headers. */
async function getForm(token: string, acceptEncoding?: string, on = t) {
  const res = await on.app.inject({ method: 'GET', url: `/api/ballot/${token}`, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });
  const raw = res.rawPayload;
  const encoding = res.headers['content-encoding'];
  const text = (encoding === 'br' ? brotliDecompressSync(raw) : encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  return { res, raw, encoding, text };
}

/** The form as the route's schema serialises the uncached view (a plain Fastify route with the same schema). */
async function uncachedBody(token: string): Promise<string> {
  const ref = Fastify({ logger: false });
  ref.get('/form/:token', { schema: { response: { 200: BallotFormView } } }, async (req) =>
    ballotView({ db: t.app.db, forms: t.app.forms, box: t.app.ballotWriter }, (req.params as { token: string }).token),
  );
  try {
    const res = await ref.inject({ method: 'GET', url: `/form/${token}` });
    expect(res.statusCode).toBe(200);
    return res.body;
  } finally {
    await ref.close();
  }
}

describe('the kept voter form', () => {
  it('is byte for byte the schema-serialised form, and br, gzip and identity decode to it', async () => {
    const m = await openMeeting({ categories: CATEGORIES });
    const [token] = await issue(m.id, 1, 'a');
    await open(m.id);
    const first = await getForm(token!, 'identity');
    const expected = await uncachedBody(token!);
    expect(first.text).toBe(expected);
    expect(JSON.parse(expected).category).toEqual({ key: 'a', label: '党员代表' });
    // Asked again (now kept), in every coding a phone may ask for.
    for (const [accept, coding] of [
      ['br, gzip', 'br'],
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0.5, gzip', 'gzip'],
      ['x-gzip', 'gzip'],
      ['*', 'br'],
      ['deflate', undefined],
      ['br;q=0, gzip;q=0', undefined],
      [undefined, undefined],
    ] as const) {
      const got = await getForm(token!, accept);
      expect(got.res.statusCode, String(accept)).toBe(200);
      expect(got.encoding, String(accept)).toBe(coding);
      expect(got.text, String(accept)).toBe(expected);
      expect(got.res.headers['content-length'], String(accept)).toBe(String(got.raw.length));
      expect(got.res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(got.res.headers.vary).toBe('accept-encoding');
      expect(got.res.headers['cache-control']).toBe('no-store');
    }
    // Compressed for real: the phone receives far fewer bytes than the JSON.
    expect((await getForm(token!, 'br')).raw.length).toBeLessThan(Buffer.byteLength(expected) / 3);
  });

  it('carries the same security headers as every other response', async () => {
    const m = await openMeeting();
    const [token] = await issue(m.id, 1);
    await open(m.id);
    const reference = (await t.app.inject({ method: 'GET', url: '/healthz' })).headers;
    const security = Object.keys(reference).filter((h) => !/^(date|connection|keep-alive|content-(type|length|encoding)|vary|cache-control|etag|last-modified|accept-ranges|transfer-encoding)$/.test(h));
    expect(security).toEqual(expect.arrayContaining(['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy']));
    for (const accept of ['br, gzip', 'gzip', 'identity']) {
      const { res } = await getForm(token!, accept);
      for (const h of security) expect(res.headers[h], h).toBe(reference[h]);
    }
  });

  it('shows an edit of the meeting on the next GET, in every coding', async () => {
    const m = await openMeeting();
    const [token] = await issue(m.id, 1);
    await open(m.id);
    const before = await getForm(token!, 'br, gzip');
    expect(before.text).toContain('王志强');
    await getForm(token!, 'gzip');
    const subject = m.subjects.find((s) => s.name === '王志强')!;
    const fix = await t.api('PATCH', `/api/meetings/${m.id}/subjects/${subject.id}`, { name: '王志刚', reason: '名单录入错字' });
    expect(fix.status).toBe(200);
    for (const accept of ['br, gzip', 'gzip', 'identity']) {
      const after = await getForm(token!, accept);
      expect(after.text, accept).toContain('王志刚');
      expect(after.text, accept).not.toContain('王志强');
      expect(after.text, accept).toBe(await uncachedBody(token!));
    }
    // Closed, the slip waits (nothing kept is sent); reopened, it gets the form again.
    await t.api('POST', `/api/meetings/${m.id}/close`, {});
    expect((await getForm(token!, 'br')).res.statusCode).toBe(409);
    await open(m.id, '测试：重新开放投票');
    const reopened = await getForm(token!, 'br');
    expect(reopened.res.statusCode).toBe(200);
    expect(reopened.text).toContain('王志刚');
  });

  it('never gives one meeting’s or one category’s form to another’s slip', async () => {
    // An app of its own, so that its cache holds no form of another test.
    const own = await makeTestApp();
    try {
      const a = await openMeeting({ title: '甲村年度考核', unit: '甲镇甲村', categories: CATEGORIES }, own);
      // The same category keys in both meetings, other labels.
      const bCategories = CATEGORIES.map((c) => ({ ...c, label: `乙村${c.label}` }));
      const b = await openMeeting({ title: '乙村年度考核', unit: '乙镇乙村', categories: bCategories, subjects: villageMeeting().subjects.map((s, i) => ({ ...s, name: `乙村对象${i}` })) }, own);
      const [a1, a2] = [...(await issue(a.id, 1, 'a', own)), ...(await issue(a.id, 1, 'b', own))];
      const [b1] = [...(await issue(b.id, 1, 'a', own)), ...(await issue(b.id, 1, 'b', own))];
      await open(a.id, undefined, own);
      await open(b.id, undefined, own);
      // The same edits on both, so the same version: only the meeting's id tells their forms apart.
      const version = (id: string) => (own.app.db.$client.prepare('select version from meetings where id = ?').get(id) as { version: number }).version;
      expect(version(a.id)).toBe(version(b.id));
      // Interleaved, in each coding: each slip sees its own meeting and category only.
      for (let round = 0; round < 2; round++) {
        for (const accept of ['br, gzip', 'gzip', 'identity']) {
          const fa1 = JSON.parse((await getForm(a1!, accept, own)).text);
          const fb1 = JSON.parse((await getForm(b1!, accept, own)).text);
          const fa2 = JSON.parse((await getForm(a2!, accept, own)).text);
          expect(fa1.meeting).toEqual({ title: '甲村年度考核', unit: '甲镇甲村' });
          expect(fa1.category).toEqual({ key: 'a', label: '党员代表' });
          expect(fa2.meeting).toEqual({ title: '甲村年度考核', unit: '甲镇甲村' });
          expect(fa2.category).toEqual({ key: 'b', label: '群众代表' });
          expect(fb1.meeting).toEqual({ title: '乙村年度考核', unit: '乙镇乙村' });
          expect(fb1.category).toEqual({ key: 'a', label: '乙村党员代表' });
          expect(JSON.stringify(fb1)).toContain('乙村对象3');
          expect(JSON.stringify(fa1)).not.toContain('乙村对象');
        }
      }
    } finally {
      await own.close();
    }
  });

  it('still refuses a used or voided slip once the form is kept', async () => {
    const m = await openMeeting();
    const slips = (await t.api('POST', `/api/meetings/${m.id}/slips`, { count: 3 })).body as { tokens: string[]; shortCodes: string[] };
    const [used, voided, other] = slips.tokens;
    await open(m.id);
    const form = JSON.parse((await getForm(used!, 'br, gzip')).text);
    expect((await getForm(voided!, 'br, gzip')).res.statusCode).toBe(200);
    expect((await t.api('POST', `/api/ballot/${used}`, { answers: fullBallot(form) })).status).toBe(201);
    const again = await getForm(used!, 'br, gzip');
    expect(again.res.statusCode).toBe(409);
    expect(JSON.parse(again.text).error.code).toBe('TOKEN_USED');
    expect((await t.api('POST', `/api/meetings/${m.id}/slips/void`, { shortCodes: [slips.shortCodes[1]], reason: '遗失' })).status).toBe(200);
    const gone = await getForm(voided!, 'br, gzip');
    expect(gone.res.statusCode).toBe(409);
    expect(JSON.parse(gone.text).error.code).toBe('TOKEN_VOIDED');
    expect((await getForm(other!, 'br, gzip')).res.statusCode).toBe(200);
  });
});
