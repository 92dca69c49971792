// The audit log through the API: admins only, newest first, nothing secret in it, and the chain check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

describe('GET /api/audit and /api/audit/verify', () => {
  let t: TestApp;
  let assessorToken: string;
  let issued: { tokens: string[]; shortCodes: string[] };
  beforeAll(async () => {
    t = await makeTestApp();
    await t.api('POST', '/api/users', { username: 'zhang', password: 'assessor-password-1', role: 'assessor' });
    assessorToken = (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'zhang', password: 'assessor-password-1' } })).json().token;
    const m = await t.api('POST', '/api/meetings', villageMeeting());
    issued = (await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: 2 })).body;
    await t.api('POST', `/api/meetings/${m.body.id}/open`, {});
    await t.api('POST', `/api/meetings/${m.body.id}/close`, {});
  });
  afterAll(async () => t.close());

  it('lists who did what to which meeting, newest first, for admins only', async () => {
    const r = await t.api('GET', '/api/audit');
    expect(r.status).toBe(200);
    // The close may be followed by entries that other modules write (e.g. the closing report).
    const actions = (r.body.entries as Array<{ action: string }>).map((e) => e.action).filter((a) => /^(meeting\.(close|open|create)|slips\.issue)$/.test(a));
    expect(actions).toEqual(['meeting.close', 'meeting.open', 'slips.issue', 'meeting.create']);
    expect(r.body.entries.map((e: { action: string }) => e.action)).toContain('user.create');
    expect(r.body.entries.find((e: { action: string }) => e.action === 'meeting.close')).toMatchObject({ actor: 'admin', meetingId: expect.any(String) });
    // Nothing secret in it: slip issue records a count, never a token or a short code.
    for (const secret of [...issued.tokens, ...issued.shortCodes, ...issued.shortCodes.map((c) => c.replace(/-/g, ''))]) expect(JSON.stringify(r.body)).not.toContain(secret);
    const closeSeq = r.body.entries.find((e: { action: string }) => e.action === 'meeting.close').seq;
    const page = await t.api('GET', `/api/audit?limit=2&beforeSeq=${closeSeq}`);
    expect(page.body.entries.map((e: { action: string }) => e.action)).toEqual(['meeting.open', 'slips.issue']);
    expect((await t.api('GET', '/api/audit?limit=abc')).status).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/audit' })).statusCode).toBe(401);
    const asAssessor = await t.app.inject({ method: 'GET', url: '/api/audit', headers: { authorization: `Bearer ${assessorToken}` } });
    expect(asAssessor.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/audit/verify', headers: { authorization: `Bearer ${assessorToken}` } })).statusCode).toBe(403);
  });

  it('verifies the chain, and reports the edited entry after raw SQL tampering', async () => {
    const ok = await t.api('GET', '/api/audit/verify');
    expect(ok.body).toMatchObject({ ok: true, firstBadSeq: null });
    expect(ok.body.message).toContain('未发现篡改');
    const sqlite = t.app.db.$client;
    sqlite.exec('drop trigger audit_log_no_update');
    const target = sqlite.prepare(`select seq from audit_log where action = 'meeting.open'`).get() as { seq: number };
    sqlite.prepare(`update audit_log set actor = 'nobody' where seq = ?`).run(target.seq);
    const bad = await t.api('GET', '/api/audit/verify');
    expect(bad.body).toMatchObject({ ok: false, firstBadSeq: target.seq });
    expect(bad.body.message).toContain('可能已被篡改');
  });
});
