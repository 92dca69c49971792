// Upgrading a database written before the ballot box: its JSON ballots move into the box (in random order) at
// start, its used slips become used markers (with their nonce), and the main database forgets both. Built on a
// real file with the older schema (migrations 0000–0002 only). (docs/security.md, "Upgrading".)
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { meetingBallots } from '../../src/ballots/index.js';
import { loadConfig } from '../../src/config.js';
import { formatShortCode, generateShortCode, generateToken } from '../../src/slips/codes.js';
import { hmacHex, sha256Hex } from '../../src/shared/ids.js';
import { migrationsFolder } from '../../src/shared/paths.js';
import { ADMIN, fullBallot } from '../helpers/app.js';

const dir = mkdtempSync(join(tmpdir(), 'ceping-upgrade-'));
const dbPath = join(dir, 'old.sqlite');
const PEPPER = 'an-old-pepper';
const slips: Array<{ token: string; code: string; status: 'issued' | 'used' | 'voided'; nonce: string | null }> = [];
const legacyComments: string[] = [];
let app: FastifyInstance;

/** The database as Ceping wrote it before the ballot box: migrations up to 0002, ballots as JSON rows. */
function buildOldDatabase(): void {
  const old = join(dir, 'migrations-0002');
  mkdirSync(join(old, 'meta'), { recursive: true });
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 2);
  writeFileSync(join(old, 'meta/_journal.json'), JSON.stringify(journal));
  for (const e of journal.entries) cpSync(join(migrationsFolder, `${e.tag}.sql`), join(old, `${e.tag}.sql`));
  const sqlite = new Database(dbPath);
  sqlite.pragma('journal_mode = WAL');
  migrate(drizzle(sqlite), { migrationsFolder: old });
  expect((sqlite.prepare('pragma table_info(slips)').all() as Array<{ name: string }>).map((c) => c.name)).not.toContain('token_wrap');
  sqlite.prepare(`insert into settings (key, value) values ('short-code-pepper', ?)`).run(PEPPER);
  sqlite.prepare(`insert into meetings (id, title, unit, kind, status, form_ids, created_by) values ('m1', '旧测评', '旧村', 'village', 'open', '["village-annual-review"]', 'admin')`).run();
  const subject = sqlite.prepare(`insert into subjects (id, meeting_id, position, name, kind, title, is_head) values (?, 'm1', ?, ?, ?, null, 0)`);
  subject.run('s0', 0, '旧村党总支', 'organisation');
  subject.run('s1', 1, '旧村两委班子', 'team');
  subject.run('s2', 2, '张三', 'person');
  sqlite.prepare(`insert into slip_batches (id, meeting_id, category, count, first_serial, created_by) values ('b1', 'm1', null, 12, 1, 'admin')`).run();
  const slip = sqlite.prepare(`insert into slips (token_hash, short_code_hash, meeting_id, batch_id, category, serial, status, nonce_hash) values (?, ?, 'm1', 'b1', null, ?, ?, ?)`);
  const ballot = sqlite.prepare(`insert into ballots (id, meeting_id, category, source, answers, valid, breaches) values (?, 'm1', null, 'phone', ?, 1, '[]')`);
  for (let i = 0; i < 12; i++) {
    const status = i < 8 ? 'used' : i < 11 ? 'issued' : 'voided';
    const nonce = status === 'used' ? randomBytes(16).toString('base64url') : null;
    const s = { token: generateToken(), code: generateShortCode(), status, nonce } as const;
    slips.push(s);
    slip.run(sha256Hex(s.token), hmacHex(PEPPER, s.code), i + 1, status, nonce ? sha256Hex(`nonce:${nonce}`) : null);
    if (status === 'used') {
      legacyComments.push(`legacy-${i}`);
      ballot.run(randomBytes(12).toString('base64url'), JSON.stringify({ 'village-annual-review': { comments: `legacy-${i}` } }));
    }
  }
  sqlite.close();
}

const start = async () => {
  const a = await buildApp(loadConfig({ CEPING_DB: dbPath, PUBLIC_URL: 'http://vote.test', CEPING_ADMIN_USER: ADMIN.username, CEPING_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'silent' }));
  await a.ready();
  return a;
};

beforeAll(async () => {
  buildOldDatabase();
  app = await start();
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const comments = async () => (await meetingBallots({ db: app.db }, 'm1')).map((b) => b.answers['village-annual-review']?.comments as string);

describe('upgrading a database written before the ballot box', () => {
  it('moves every JSON ballot into the box and empties the old table and the slips\u2019 use', async () => {
    expect((await comments()).sort()).toEqual([...legacyComments].sort());
    const main = app.db.$client;
    expect((main.prepare('select count(*) as n from ballots').get() as { n: number }).n).toBe(0);
    expect((main.prepare(`select count(*) as n from slips where status = 'used' or nonce_hash is not null`).get() as { n: number }).n).toBe(0);
    expect(await app.ballotWriter.counts('m1')).toEqual({ used: 8, cast: 8, valid: 8 });
  });

  it('keeps used slips used (a retry with the old nonce is told "counted") and voided ones voided', async () => {
    const used = slips[0]!;
    expect((await app.inject({ method: 'GET', url: `/api/ballot/${used.token}` })).json().error.code).toBe('TOKEN_USED');
    expect((await app.inject({ method: 'GET', url: `/api/ballot/${formatShortCode(used.code)}` })).json().error.code).toBe('TOKEN_USED');
    const retry = await app.inject({ method: 'POST', url: `/api/ballot/${used.token}`, payload: { answers: {}, nonce: used.nonce } });
    expect(retry.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/api/ballot/${slips[11]!.token}` })).json().error.code).toBe('TOKEN_VOIDED');
  });

  it('lets an old unused slip vote once, by token or by short code, beside the moved ballots', async () => {
    const form = (await app.inject({ method: 'GET', url: `/api/ballot/${slips[8]!.token}` })).json();
    const byToken = await app.inject({ method: 'POST', url: `/api/ballot/${slips[8]!.token}`, payload: { answers: fullBallot(form) } });
    expect(byToken.statusCode, byToken.body).toBe(201);
    const byCode = await app.inject({ method: 'POST', url: `/api/ballot/${formatShortCode(slips[9]!.code)}`, payload: { answers: fullBallot(form) } });
    expect(byCode.statusCode, byCode.body).toBe(201);
    const again = await app.inject({ method: 'POST', url: `/api/ballot/${slips[9]!.token}`, payload: { answers: fullBallot(form) } });
    expect(again.json().error.code).toBe('TOKEN_USED');
    expect(await app.ballotWriter.counts('m1')).toEqual({ used: 10, cast: 10, valid: 10 });
  });

  it('moves nothing twice across a restart', async () => {
    await app.close();
    app = await start();
    expect((await comments()).filter((c) => c?.startsWith('legacy-')).sort()).toEqual([...legacyComments].sort());
    expect(await app.ballotWriter.counts('m1')).toEqual({ used: 10, cast: 10, valid: 10 });
  });
});
