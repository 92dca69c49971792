// The office's use cases (users and logins, meetings, slips, the audit log) run unchanged on both engines: a SQLite file
// and a real PostgreSQL server (test/helpers/postgres.ts). The same steps give the same results on each; a fault in
// the last statement of a write leaves nothing of it on either (no statement escapes its transaction); and on
// PostgreSQL two instances writing at once keep one unbroken audit chain.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAuditChain, listAudit } from '../../src/audit/audit.repository.js';
import { createUser, listUserViews, login, updateUserByAdmin } from '../../src/auth/auth.usecases.js';
import { openDb, rawRows, type Db } from '../../src/db/client.js';
import { openPostgres, type PostgresDb } from '../../src/db/postgres.js';
import { loadFormCatalog } from '../../src/forms/index.js';
import { correctSubject, createMeeting, deleteDraftMeeting, editMeeting, listMeetingViews, loadMeeting, recordAttendance } from '../../src/meetings/meetings.usecases.js';
import { formsFolder } from '../../src/shared/paths.js';
import { findSlipByCredential, issueSlips, slipBatches, voidSlips } from '../../src/slips/index.js';
import { sql } from 'drizzle-orm';
import { startTestPostgres, testPool, type TestPostgres } from '../helpers/postgres.js';
import { villageMeeting } from '../helpers/fixtures.js';

const forms = loadFormCatalog(formsFolder);
const admin = { id: 'u-root', username: 'root', role: 'admin' as const };
const sign = (claims: object) => JSON.stringify(claims);

interface Engine {
  name: string;
  db: Db;
  /** Makes the next insert into audit_log fail, inside whatever transaction writes it. */
  failAuditWrites(): Promise<void>;
  healAuditWrites(): Promise<void>;
  count(table: string): Promise<number>;
}

let dir: string;
let server: TestPostgres;
const closers: Array<() => Promise<void>> = [];

async function sqliteEngine(): Promise<Engine> {
  const db = openDb(join(dir, 'engines.sqlite'), { keyFile: join(dir, 'engines.keys') });
  closers.push(async () => void db.$client.close());
  return {
    name: 'SQLite',
    db,
    failAuditWrites: async () => void db.$client.exec(`create temp trigger audit_fault before insert on audit_log begin select raise(abort, 'injected fault'); end`),
    healAuditWrites: async () => void db.$client.exec('drop trigger audit_fault'),
    count: async (table) => Number((db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n),
  };
}

async function postgresEngine(url: string): Promise<Engine & { pg: PostgresDb }> {
  const opened = await openPostgres(url, { pool: testPool({ connectionString: url, max: 8 }), keyFile: join(dir, `pg-${closers.length}.keys`) });
  closers.push(opened.close);
  const q = (text: string) => opened.pool.query(text);
  return {
    name: 'PostgreSQL',
    db: opened.db,
    pg: opened,
    failAuditWrites: async () => {
      await q(`create function audit_fault() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`);
      await q('create trigger audit_fault before insert on audit_log for each row execute procedure audit_fault()');
    },
    healAuditWrites: async () => {
      await q('drop trigger audit_fault on audit_log');
      await q('drop function audit_fault()');
    },
    count: async (table) => Number((await q(`select count(*) as n from ${table}`)).rows[0].n),
  };
}

const engines: Record<string, Engine> = {};

/** The injected fault, as SQLite raises it or as drizzle wraps PostgreSQL's (the driver's error is its cause). */
const isInjectedFault = (err: unknown) => /injected fault/.test(`${String(err)} ${String((err as { cause?: unknown }).cause)}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ceping-engines-'));
  server = await startTestPostgres();
  engines.SQLite = await sqliteEngine();
  engines.PostgreSQL = await postgresEngine(server.url);
}, 120_000);

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['SQLite', 'PostgreSQL'])('the office on %s', (name) => {
  const e = () => engines[name]!;

  it('users and logins: created, refused, locked to the last admin, all audited in one unbroken chain', async () => {
    const { db } = e();
    const boss = await createUser({ db }, 'system', { username: 'boss', password: 'boss-password-long-enough', role: 'admin', displayName: '管理员' });
    await createUser({ db }, 'boss', { username: 'zhang', password: 'zhang-password-long-enough', role: 'assessor', displayName: '张' });
    await expect(createUser({ db }, 'boss', { username: 'zhang', password: 'another-password-long', role: 'assessor' })).rejects.toMatchObject({ statusCode: 409 });
    const ok = await login({ db, sign }, { username: 'zhang', password: 'zhang-password-long-enough' }, '10.0.0.1');
    expect(JSON.parse(ok.token)).toMatchObject({ username: 'zhang', role: 'assessor' });
    await expect(login({ db, sign }, { username: 'zhang', password: 'wrong-password' }, '10.0.0.1')).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    expect(await e().count('login_failures')).toBeGreaterThan(0);
    await expect(updateUserByAdmin({ db }, { id: null, username: 'cli' }, boss.id, { disabled: true })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    expect((await listUserViews({ db })).map((u) => [u.username, u.role, u.disabled])).toEqual([
      ['boss', 'admin', false],
      ['zhang', 'assessor', false],
    ]);
    const actions = (await listAudit({ db })).map((a) => a.action).reverse();
    expect(actions).toEqual(['user.create', 'user.create', 'auth.login', 'auth.login-failed']);
    expect(await checkAuditChain({ db })).toMatchObject({ entries: 4, firstBadSeq: null });
  });

  it('meetings: created with subjects, categories and assessors, edited, corrected, listed, deleted', async () => {
    const { db } = e();
    const zhang = (await listUserViews({ db })).find((u) => u.username === 'zhang')!;
    const rec = await createMeeting({ db, forms }, admin, { ...villageMeeting(), assessorIds: [zhang.id] });
    expect(rec.subjects.map((s) => s.name)).toContain('张建国');
    expect(rec.subjects.find((s) => s.name === '张建国')?.isHead).toBe(true);
    const edited = await editMeeting({ db, forms }, admin, rec.meeting.id, { title: '2026年度插旗村班子考核（更正）', staffCount: 80 });
    expect(edited.meeting.title).toBe('2026年度插旗村班子考核（更正）');
    expect(edited.meeting.version).toBeGreaterThan(rec.meeting.version);
    const subject = rec.subjects.find((s) => s.name === '王志强')!;
    await correctSubject({ db, forms }, admin, rec.meeting.id, subject.id, { name: '王智强' });
    await recordAttendance({ db, forms }, admin, rec.meeting.id, { signedIn: 75 });
    const again = await loadMeeting({ db }, rec.meeting.id);
    expect(again.subjects.find((s) => s.id === subject.id)?.name).toBe('王智强');
    expect(again.meeting.signedIn).toBe(75);
    expect(again.assessorIds).toEqual([zhang.id]);
    // The assessor sees the meeting assigned to them, and only that.
    const other = await createMeeting({ db, forms }, admin, villageMeeting({ title: '另一个村' }));
    const seen = await listMeetingViews({ db }, { id: zhang.id, username: 'zhang', role: 'assessor' });
    expect(seen.map((m) => m.id)).toEqual([rec.meeting.id]);
    await deleteDraftMeeting({ db, forms }, admin, other.meeting.id);
    expect((await listMeetingViews({ db }, admin)).map((m) => m.id)).toEqual([rec.meeting.id]);
    expect(await checkAuditChain({ db })).toMatchObject({ firstBadSeq: null });
  });

  it('slips: issued in a batch, found by token and by short code, voided by serial, counted per batch', async () => {
    const { db } = e();
    const [meeting] = (await listMeetingViews({ db }, admin)).filter((m) => m.status === 'draft');
    const batch = await issueSlips({ db, publicUrl: 'https://vote.example.cn' }, admin, meeting!.id, { count: 1500, reason: '全镇统一印制，含备用票' });
    expect(batch.slips).toHaveLength(1500);
    expect(batch.slips.map((s) => s.serial)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
    const [a, b] = [batch.slips[0]!, batch.slips[1499]!];
    expect(await findSlipByCredential({ db }, a.token)).toMatchObject({ meetingId: meeting!.id, batchId: batch.batchId, voided: false });
    // The short code unwraps to the same slip (its marker key is the token's).
    const byCode = await findSlipByCredential({ db }, b.shortCode);
    expect(byCode?.markerKey.equals((await findSlipByCredential({ db }, b.token))!.markerKey)).toBe(true);
    expect(await findSlipByCredential({ db }, a.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBeUndefined();
    expect(await voidSlips({ db }, admin, meeting!.id, { serials: [1, 1500], reason: '遗失' })).toMatchObject({ voided: [1, 1500], alreadyVoided: [] });
    expect((await findSlipByCredential({ db }, a.token))?.voided).toBe(true);
    const second = await issueSlips({ db, publicUrl: 'https://vote.example.cn' }, admin, meeting!.id, { count: 10, reason: '补发' });
    expect(second.slips[0]!.serial).toBe(1501);
    expect((await slipBatches({ db }, meeting!.id)).map((x) => [x.count, x.firstSerial, x.lastSerial, x.voided])).toEqual([
      [1500, 1, 1500, 2],
      [10, 1501, 1510, 0],
    ]);
    expect(await e().count('slip_markers')).toBe(1510);
    expect(await checkAuditChain({ db })).toMatchObject({ firstBadSeq: null });
  });

  it('a write whose audit entry fails leaves nothing behind: every statement was in its transaction', async () => {
    const { db } = e();
    const counts = async () => ({
      meetings: await e().count('meetings'),
      subjects: await e().count('subjects'),
      users: await e().count('users'),
      slips: await e().count('slips'),
      markers: await e().count('slip_markers'),
      audit: await e().count('audit_log'),
    });
    const before = await counts();
    const [meeting] = (await listMeetingViews({ db }, admin)).filter((m) => m.status === 'draft');
    await e().failAuditWrites();
    try {
      await expect(createMeeting({ db, forms }, admin, villageMeeting({ title: '写入失败的会议' }))).rejects.toSatisfy(isInjectedFault);
      await expect(issueSlips({ db, publicUrl: 'https://vote.example.cn' }, admin, meeting!.id, { count: 20, reason: '补发' })).rejects.toSatisfy(isInjectedFault);
      await expect(createUser({ db }, 'boss', { username: 'li', password: 'li-password-long-enough', role: 'assessor' })).rejects.toSatisfy(isInjectedFault);
    } finally {
      await e().healAuditWrites();
    }
    expect(await counts()).toEqual(before);
  });
});

describe('two instances on one PostgreSQL database', () => {
  it('write at once without losing or doubling an audit entry: the chain stays whole and numbered without a gap', async () => {
    const url = await server.freshDatabase();
    const a = await postgresEngine(url);
    const b = await postgresEngine(url);
    const before = await a.count('audit_log');
    // 24 users created at once, alternately through each instance: each creation reads the chain's head and writes
    // the next entry; the write lock makes them take turns across both instances.
    const made = await Promise.all(
      Array.from({ length: 24 }, (_, i) => createUser({ db: (i % 2 === 0 ? a : b).db }, 'system', { username: `user${i}`, password: `password-number-${i}-long`, role: 'assessor' })),
    );
    expect(new Set(made.map((m) => m.id)).size).toBe(24);
    expect(await a.count('users')).toBe(24);
    const chain = await checkAuditChain({ db: b.db });
    expect(chain).toMatchObject({ entries: before + 24, firstBadSeq: null });
    const seqs = (await rawRows<{ seq: string }>(a.db, sql`select seq from audit_log order by seq`)).map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: before + 24 }, (_, i) => i + 1));
    // One instance's write is seen by the other at once (no cache in between).
    await updateUserByAdmin({ db: a.db }, { id: null, username: 'cli' }, made[0]!.id, { displayName: '改过的名字' });
    expect((await listUserViews({ db: b.db })).find((u) => u.id === made[0]!.id)?.displayName).toBe('改过的名字');
  }, 120_000);
});
