// The audit log: append-only in the database, hash-chained so that an edit made around the triggers shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transaction, openDb, type Db } from '../../src/db/client.js';
import { checkAuditChain, recordAudit, verifyAuditChain } from '../../src/audit/audit.repository.js';

describe('audit chain (repository)', () => {
  let dir: string;
  let db: Db;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ceping-audit-'));
    db = openDb(join(dir, 'a.sqlite'));
    for (let i = 1; i <= 5; i++) await transaction(db, async (tx) => recordAudit({ db: tx }, { actor: 'admin', action: `act.${i}`, meetingId: 'm1', detail: { n: i } }));
  });
  afterAll(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is intact after appends', async () => {
    expect(await checkAuditChain({ db })).toMatchObject({ entries: 5, firstBadSeq: null });
    expect(await verifyAuditChain({ db })).toBeNull();
  });

  it('refuses UPDATE and DELETE in the database itself', async () => {
    expect(() => db.$client.prepare("update audit_log set actor = 'mallory' where seq = 2").run()).toThrow(/append-only/);
    expect(() => db.$client.prepare('delete from audit_log where seq = 5').run()).toThrow(/append-only/);
    expect(await verifyAuditChain({ db })).toBeNull();
  });

  it('detects an edit made after dropping the triggers, at the edited entry', async () => {
    const head = (await checkAuditChain({ db })).headHash;
    db.$client.exec('drop trigger audit_log_no_update; drop trigger audit_log_no_delete;');
    db.$client.prepare(`update audit_log set detail = json_object('n', 99) where seq = 3`).run();
    expect(await verifyAuditChain({ db })).toBe(3);
    // Recomputing that row's own hash does not help: the next entry links to the old one.
    db.$client.prepare(`update audit_log set detail = json_object('n', 3) where seq = 3`).run();
    expect(await verifyAuditChain({ db })).toBeNull();
    db.$client.prepare(`update audit_log set actor = 'someone-else' where seq = 4`).run();
    expect(await verifyAuditChain({ db })).toBe(4);
    db.$client.prepare(`update audit_log set actor = 'admin' where seq = 4`).run();
    // A deleted entry in the middle breaks the sequence and the link.
    db.$client.prepare('delete from audit_log where seq = 2').run();
    expect(await verifyAuditChain({ db })).toBe(3);
    // Detail that is no longer JSON counts as tampering rather than crashing the check.
    db.$client.prepare(`update audit_log set detail = '{not json' where seq = 1`).run();
    expect(await verifyAuditChain({ db })).toBe(1);
    expect(head).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows a cut-off tail through the head hash (the chain alone cannot)', async () => {
    const d = openDb(join(dir, 'b.sqlite'));
    for (let i = 1; i <= 3; i++) await transaction(d, async (tx) => recordAudit({ db: tx }, { actor: 'admin', action: `act.${i}`, meetingId: null, detail: {} }));
    const written = (await checkAuditChain({ db: d })).headHash;
    d.$client.exec('drop trigger audit_log_no_delete');
    d.$client.prepare('delete from audit_log where seq = 3').run();
    const after = await checkAuditChain({ db: d });
    expect(after.firstBadSeq).toBeNull();
    expect(after.headHash).not.toBe(written);
    d.$client.close();
  });
});
