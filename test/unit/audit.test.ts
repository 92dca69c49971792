// The audit log: append-only in the database, hash-chained so that an edit made around the triggers shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/db/client.js';
import { checkAuditChain, recordAudit, verifyAuditChain } from '../../src/audit/audit.repository.js';
import { makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

describe('audit chain (repository)', () => {
  let dir: string;
  let db: Db;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ceping-audit-'));
    db = openDb(join(dir, 'a.sqlite'));
    for (let i = 1; i <= 5; i++) db.transaction((tx) => recordAudit({ db: tx }, { actor: 'admin', action: `act.${i}`, meetingId: 'm1', detail: { n: i } }));
  });
  afterAll(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is intact after appends', () => {
    expect(checkAuditChain({ db })).toMatchObject({ entries: 5, firstBadSeq: null });
    expect(verifyAuditChain({ db })).toBeNull();
  });

  it('refuses UPDATE and DELETE in the database itself', () => {
    expect(() => db.$client.prepare("update audit_log set actor = 'mallory' where seq = 2").run()).toThrow(/append-only/);
    expect(() => db.$client.prepare('delete from audit_log where seq = 5').run()).toThrow(/append-only/);
    expect(verifyAuditChain({ db })).toBeNull();
  });

  it('detects an edit made after dropping the triggers, at the edited entry', () => {
    const head = checkAuditChain({ db }).headHash;
    db.$client.exec('drop trigger audit_log_no_update; drop trigger audit_log_no_delete;');
    db.$client.prepare(`update audit_log set detail = json_object('n', 99) where seq = 3`).run();
    expect(verifyAuditChain({ db })).toBe(3);
    // Recomputing that row's own hash does not help: the next entry links to the old one.
    db.$client.prepare(`update audit_log set detail = json_object('n', 3) where seq = 3`).run();
    expect(verifyAuditChain({ db })).toBeNull();
    db.$client.prepare(`update audit_log set actor = 'someone-else' where seq = 4`).run();
    expect(verifyAuditChain({ db })).toBe(4);
    db.$client.prepare(`update audit_log set actor = 'admin' where seq = 4`).run();
    // A deleted entry in the middle breaks the sequence and the link.
    db.$client.prepare('delete from audit_log where seq = 2').run();
    expect(verifyAuditChain({ db })).toBe(3);
    // Detail that is no longer JSON counts as tampering rather than crashing the check.
    db.$client.prepare(`update audit_log set detail = '{not json' where seq = 1`).run();
    expect(verifyAuditChain({ db })).toBe(1);
    expect(head).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows a cut-off tail through the head hash (the chain alone cannot)', () => {
    const d = openDb(join(dir, 'b.sqlite'));
    for (let i = 1; i <= 3; i++) d.transaction((tx) => recordAudit({ db: tx }, { actor: 'admin', action: `act.${i}`, meetingId: null, detail: {} }));
    const written = checkAuditChain({ db: d }).headHash;
    d.$client.exec('drop trigger audit_log_no_delete');
    d.$client.prepare('delete from audit_log where seq = 3').run();
    const after = checkAuditChain({ db: d });
    expect(after.firstBadSeq).toBeNull();
    expect(after.headHash).not.toBe(written);
    d.$client.close();
  });
});

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
