// Every write of the API is all or nothing: no statement of a use case runs outside the transaction it belongs to
// (STYLE.md, "A use case that writes owns one synchronous transaction"; the async-callback trap of better-sqlite3,
// where statements after an `await` or outside `db.transaction` commit on their own).
//
// Each write route of the real app has a scenario below (a route without one fails the first test). A scenario sets
// up what the write needs through the API, then:
// 1. with a fault at its audit entry the write answers 500 and the database is unchanged, row for row; the same
//    write then succeeds and adds exactly the audit entries expected;
// 2. a fault at every other kind of statement it ran (table and insert/update/delete, traced on that success)
//    also answers 500 and leaves the database unchanged: a statement after the audit entry cannot escape either.
// Writes that by design record no audit entry say why and are proven the same way from their own statements; the
// voter's writes and the live ticket must not write this database at all, and succeed with every table frozen.
//
// The engine-specific part is `faults` below: SQLite's TEMP triggers on the app's own connection, or PostgreSQL's
// triggers (this file runs in vitest's `postgres` project too, on a database of its own).
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_ACTION_LABELS } from '../../src/audit/audit.labels.js';
import { ADMIN, fullBallot, makeTestApp, testEngine, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
let faults: Faults;
beforeAll(async () => {
  t = await makeTestApp();
  faults = testEngine === 'postgres' ? await postgresFaults(t.config.databaseUrl!) : sqliteFaults(t.app.db.$client);
});
afterAll(async () => {
  await faults?.close();
  await t.close();
});

// ── Faults

type Op = 'insert' | 'update' | 'delete';
interface Fault {
  table: string;
  op: Op;
  /** A condition on the row (SQL), to fail only some statements. */
  when?: string;
}
const faultName = (f: Fault, i: number) => `ceping_fault_${f.table}_${f.op}_${i}`;

interface Faults {
  /** Makes every matching statement fail. */
  install(...faults: Fault[]): Promise<void>;
  remove(): Promise<void>;
  /** Records which tables a write changes and how (every row, in order); `stop()` returns each pair once. */
  trace(): Promise<{ stop: () => Promise<Fault[]> }>;
  /** The app's tables (not the tests' own). */
  tables(): Promise<string[]>;
  /** The rows of a table, each as JSON. */
  rows(table: string): Promise<string[]>;
  /** A query's first column. */
  column(sql: string, ...params: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

/** SQLite: TEMP triggers on the app's own connection, seen by no other connection. */
function sqliteFaults(db: Database.Database): Faults {
  const remove = async () => {
    const names = db.prepare(`select name from sqlite_temp_master where type = 'trigger' and name like 'ceping\\_%' escape '\\'`).pluck().all() as string[];
    for (const n of names) db.exec(`drop trigger temp."${n}"`);
  };
  const tables = async () => db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`).pluck().all() as string[];
  return {
    install: async (...fs) => fs.forEach((f, i) => db.exec(`create temp trigger ${faultName(f, i)} before ${f.op} on "${f.table}" ${f.when ? `when ${f.when}` : ''} begin select raise(abort, 'injected fault'); end`)),
    remove,
    trace: async () => {
      db.exec('create temp table ceping_writes (tbl text, op text)');
      for (const table of await tables()) {
        for (const op of ['insert', 'update', 'delete'] as const) {
          db.exec(`create temp trigger ceping_trace_${table}_${op} after ${op} on "${table}" begin insert into temp.ceping_writes values ('${table}', '${op}'); end`);
        }
      }
      return {
        stop: async () => {
          const rows = db.prepare('select tbl as "table", op from temp.ceping_writes group by tbl, op order by min(rowid)').all() as Fault[];
          await remove();
          db.exec('drop table temp.ceping_writes');
          return rows;
        },
      };
    },
    tables,
    rows: async (table) => (db.prepare(`select * from "${table}"`).raw().all() as unknown[][]).map((r) => JSON.stringify(r)),
    column: async (sql, ...params) => db.prepare(sql).pluck().all(...params),
    close: async () => {},
  };
}

/**
 * PostgreSQL: triggers on the tables, calling functions that raise (or record), from a connection of the test's own;
 * the database is this file's alone. `when` conditions are SQL on `new`, as in SQLite.
 */
async function postgresFaults(url: string): Promise<Faults> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`create or replace function ceping_fault() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`);
  const triggers = async () =>
    (await c.query<{ name: string; table: string }>(`select tgname as name, tgrelid::regclass::text as table from pg_trigger where tgname like 'ceping\\_%' and not tgisinternal`)).rows;
  const remove = async () => {
    for (const tr of await triggers()) await c.query(`drop trigger "${tr.name}" on ${tr.table}`);
  };
  const tables = async () =>
    (await c.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'ceping\\_%' order by table_name`)).rows.map((r) => r.name);
  return {
    install: async (...fs) => {
      for (const [i, f] of fs.entries()) {
        await c.query(`create trigger ${faultName(f, i)} before ${f.op} on "${f.table}" for each row ${f.when ? `when (${f.when})` : ''} execute procedure ceping_fault()`);
      }
    },
    remove,
    trace: async () => {
      await c.query('create table ceping_writes (n bigserial, tbl text, op text)');
      await c.query(`create or replace function ceping_trace() returns trigger language plpgsql as $$ begin insert into ceping_writes (tbl, op) values (tg_table_name, lower(tg_op)); return null; end $$`);
      for (const table of await tables()) {
        for (const op of ['insert', 'update', 'delete'] as const) await c.query(`create trigger ceping_trace_${table}_${op} after ${op} on "${table}" for each row execute procedure ceping_trace()`);
      }
      return {
        stop: async () => {
          const rows = (await c.query<Fault>('select tbl as "table", op from ceping_writes group by tbl, op order by min(n)')).rows;
          await remove();
          await c.query('drop table ceping_writes');
          return rows;
        },
      };
    },
    tables,
    rows: async (table) => (await c.query({ text: `select * from "${table}"`, rowMode: 'array' })).rows.map((r) => JSON.stringify(r)),
    column: async (sql, ...params) => (await c.query({ text: sql.replace(/\?/g, (_, i: number) => `$${sql.slice(0, i).split('?').length}`), values: params, rowMode: 'array' })).rows.map((r: unknown[]) => r[0]),
    close: () => c.end(),
  };
}

// ── The database as rows

/** Every table: its row count and a hash of its rows (sorted, so that storage order does not count). */
async function snapshot(except: readonly string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of await faults.tables()) {
    if (except.includes(table)) continue;
    const rows = (await faults.rows(table)).sort();
    out[table] = `${rows.length} rows ${createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16)}`;
  }
  return out;
}

const lastAuditSeq = async () => Number((await faults.column('select coalesce(max(seq), 0) from audit_log'))[0]);
const auditSince = async (seq: number) => (await faults.column('select action from audit_log where seq > ? order by seq', seq)) as string[];

/**
 * The ballot box's tables, on PostgreSQL in this database (a vote writes them, and moves the markers waiting in
 * slip_markers into them); on SQLite the box is a file of its own and these names are not tables here.
 */
const BOX_TABLES = ['box_markers', 'box_ballots', 'slip_markers'];

// ── Requests

/** A write to perform: as the admin unless `token` names another session (null: no session, as a voter). */
interface Write {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  payload?: unknown;
  token?: string | null;
}

async function perform(w: Write) {
  const token = w.token === undefined ? t.adminToken : w.token;
  const res = await t.app.inject({
    method: w.method,
    url: w.url,
    ...(w.payload !== undefined ? { payload: w.payload as InjectOptions['payload'] } : {}),
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.statusCode, body: res.headers['content-type']?.toString().includes('json') ? res.json() : res.body };
}

/** A setup step through the API: fails the test with the answer when it does not go as planned. */
async function ok(method: InjectOptions['method'], url: string, payload?: unknown, status = method === 'POST' ? 201 : 200) {
  const res = await t.api(method, url, payload);
  expect(res.status, `${method} ${url}: ${JSON.stringify(res.body).slice(0, 400)}`).toBe(status);
  return res.body;
}

// ── What the scenarios set up

let serial = 0;
const unique = (prefix: string) => `${prefix}${++serial}`;
const note = { note: '依据考核组核实情况录入', evidence: '考核办〔2026〕12号台账' };

const draft = () => ok('POST', '/api/meetings', villageMeeting());
async function withSlips() {
  const m = await draft();
  const slips = await ok('POST', `/api/meetings/${m.id}/slips`, { count: 3 });
  return { ...m, tokens: slips.tokens as string[], shortCodes: slips.shortCodes as string[] };
}
async function openPoll() {
  const m = await withSlips();
  await ok('POST', `/api/meetings/${m.id}/open`, {}, 200);
  return m;
}
async function user(role: 'admin' | 'assessor' = 'assessor') {
  const u = { username: unique('user'), password: 'assessor-password-1' };
  const { id } = await ok('POST', '/api/users', { ...u, role });
  return { id: id as string, ...u };
}
async function login(username: string, password: string) {
  return (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } }));
}
const session = async (u: { username: string; password: string } = ADMIN) => (await login(u.username, u.password)).json().token as string;

/** A 党建工作成效考核 round (001) with one unit in the 县（区） domain. */
async function partyBuildingRound() {
  const round = await ok('POST', '/api/rounds', { title: unique('2026年度党建工作成效考核'), schemeId: 'party-building-001' });
  const [unit] = (await ok('POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'county', name: '甲镇' }] })).units;
  return { roundId: round.id as string, unitId: unit.id as string };
}
/** A round of county cadres (004) with one unit and its team's score. */
async function cadreRound() {
  const round = await ok('POST', '/api/rounds', { title: unique('2026年度县管干部考核'), schemeId: 'cadres-004' });
  const [unit] = (await ok('POST', `/api/rounds/${round.id}/units`, { units: [{ domain: 'county-team', name: '甲镇' }] })).units;
  await ok('PUT', `/api/rounds/${round.id}/units/${unit.id}/inputs/team-evaluation`, { value: 88, ...note });
  return { roundId: round.id as string, unitId: unit.id as string };
}

// ── The scenarios, one or more per write route ("METHOD /path" as Fastify registers it)

interface Scenario {
  route: string;
  /** Told apart from other scenarios of the same route. */
  variant?: string;
  /** Builds what the write needs; called again for each fault, so each run starts afresh. */
  setup: () => Promise<Write>;
  /** The status of the write when nothing fails. */
  status: number;
  /** The audit entries the write adds, in order; empty only with `why`. */
  audit: string[];
  /** Why a write records no audit entry. */
  why?: string;
  /** The voter's writes and a few reads by POST: they must not write this database at all. */
  writesNothing?: true;
  /** Writes of a later transaction of the same request, committed after the first by design (proven apart). */
  later?: { writes: Array<Pick<Fault, 'table' | 'op'>>; why: string };
}

const scenarios: Scenario[] = [
  // Sessions and users
  {
    route: 'POST /api/auth/login',
    variant: 'success, after a failure from the same address (the success clears that counter)',
    setup: async () => {
      const u = await user();
      expect((await login(u.username, 'not-the-password')).statusCode).toBe(401);
      return { method: 'POST', url: '/api/auth/login', payload: { username: u.username, password: u.password }, token: null };
    },
    status: 200,
    audit: ['auth.login'],
  },
  {
    route: 'POST /api/auth/login',
    variant: 'wrong password (audited and counted)',
    setup: async () => {
      const u = await user();
      return { method: 'POST', url: '/api/auth/login', payload: { username: u.username, password: 'not-the-password' }, token: null };
    },
    status: 401,
    audit: ['auth.login-failed'],
  },
  { route: 'POST /api/auth/logout', setup: async () => ({ method: 'POST', url: '/api/auth/logout', token: await session() }), status: 204, audit: ['auth.logout'] },
  {
    route: 'POST /api/auth/renew',
    setup: async () => {
      // A session ended long ago, whose row the renewal sweeps away: no request can make one, so it is written here.
      await faults.column('insert into revoked_sessions (jti, expires_at) values (?, 1) returning jti', unique('expired-session-'));
      return { method: 'POST', url: '/api/auth/renew', token: await session() };
    },
    status: 200,
    audit: [],
    why: 'a renewal extends a session already audited at its login; the console renews every few minutes',
  },
  {
    route: 'PUT /api/auth/password',
    setup: async () => {
      const u = await user();
      return { method: 'PUT', url: '/api/auth/password', payload: { currentPassword: u.password, newPassword: 'second-password-of-42' }, token: await session(u) };
    },
    status: 200,
    audit: ['user.password'],
  },
  {
    route: 'POST /api/users',
    setup: async () => ({ method: 'POST', url: '/api/users', payload: { username: unique('new'), password: 'assessor-password-1', role: 'assessor' } }),
    status: 201,
    audit: ['user.create'],
  },
  { route: 'PATCH /api/users/:id', setup: async () => ({ method: 'PATCH', url: `/api/users/${(await user()).id}`, payload: { displayName: '孙主任', disabled: true } }), status: 200, audit: ['user.update'] },
  {
    route: 'PUT /api/users/:id/password',
    setup: async () => ({ method: 'PUT', url: `/api/users/${(await user()).id}/password`, payload: { password: 'reset-password-of-45' } }),
    status: 204,
    audit: ['user.password'],
  },
  {
    route: 'DELETE /api/security/lockouts',
    setup: async () => {
      expect((await login('nobody', 'not-the-password')).statusCode).toBe(401);
      return { method: 'DELETE', url: '/api/security/lockouts' };
    },
    status: 200,
    audit: ['security.clear-lockouts'],
  },

  // Meetings, slips, turnout, closing
  { route: 'POST /api/meetings', setup: async () => ({ method: 'POST', url: '/api/meetings', payload: villageMeeting() }), status: 201, audit: ['meeting.create'] },
  { route: 'PATCH /api/meetings/:id', setup: async () => ({ method: 'PATCH', url: `/api/meetings/${(await draft()).id}`, payload: { title: '改正后的标题' } }), status: 200, audit: ['meeting.update'] },
  { route: 'DELETE /api/meetings/:id', setup: async () => ({ method: 'DELETE', url: `/api/meetings/${(await draft()).id}` }), status: 200, audit: ['meeting.delete'] },
  {
    route: 'PATCH /api/meetings/:id/subjects/:subjectId',
    setup: async () => {
      const m = await openPoll();
      return { method: 'PATCH', url: `/api/meetings/${m.id}/subjects/${m.subjects[2].id}`, payload: { name: '张建华', reason: '名单错字' } };
    },
    status: 200,
    audit: ['meeting.subject.correct'],
  },
  { route: 'POST /api/meetings/:id/open', setup: async () => ({ method: 'POST', url: `/api/meetings/${(await withSlips()).id}/open`, payload: {} }), status: 200, audit: ['meeting.open'] },
  { route: 'PUT /api/meetings/:id/attendance', setup: async () => ({ method: 'PUT', url: `/api/meetings/${(await draft()).id}/attendance`, payload: { signedIn: 80, interviews: 40 } }), status: 200, audit: ['meeting.attendance'] },
  {
    route: 'PUT /api/meetings/:id/assessors',
    setup: async () => ({ method: 'PUT', url: `/api/meetings/${(await draft()).id}/assessors`, payload: { assessorIds: [(await user()).id] } }),
    status: 200,
    audit: ['meeting.assessors'],
  },
  {
    route: 'PUT /api/meetings/:id/minimum',
    setup: async () => ({ method: 'PUT', url: `/api/meetings/${(await draft()).id}/minimum`, payload: { minRespondents: 50, reason: '本村常住人口较少，经镇党委同意' } }),
    status: 200,
    audit: ['meeting.minimum'],
  },
  { route: 'POST /api/meetings/:id/slips', setup: async () => ({ method: 'POST', url: `/api/meetings/${(await draft()).id}/slips`, payload: { count: 3 } }), status: 201, audit: ['slips.issue'] },
  {
    route: 'POST /api/meetings/:id/slips/void',
    setup: async () => ({ method: 'POST', url: `/api/meetings/${(await withSlips()).id}/slips/void`, payload: { serials: [1], reason: '遗失' } }),
    status: 200,
    audit: ['slips.void'],
  },
  {
    route: 'POST /api/meetings/:id/paper-ballots/print',
    setup: async () => ({ method: 'POST', url: `/api/meetings/${(await draft()).id}/paper-ballots/print`, payload: { count: 1 } }),
    status: 201,
    audit: ['slips.issue'],
  },
  {
    route: 'POST /api/meetings/:id/close',
    setup: async () => ({ method: 'POST', url: `/api/meetings/${(await openPoll()).id}/close`, payload: {} }),
    status: 200,
    audit: ['meeting.close', 'meeting.closing-report'],
    later: {
      writes: [{ table: 'closing_reports', op: 'update' }],
      why: 'the exports are archived with the report in a transaction of their own once the close has committed (closing.usecases.ts)',
    },
  },
  {
    route: 'POST /api/meetings/:id/live-ticket',
    setup: async () => ({ method: 'POST', url: `/api/meetings/${(await openPoll()).id}/live-ticket` }),
    status: 200,
    audit: [],
    why: 'a ticket is signed, not stored: it writes nothing',
    writesNothing: true,
  },
  {
    route: 'POST /api/ballot/:token',
    setup: async () => {
      const m = await openPoll();
      const form = await ok('GET', `/api/ballot/${m.tokens[0]}`);
      return { method: 'POST', url: `/api/ballot/${m.tokens[0]}`, payload: { answers: fullBallot(form) }, token: null };
    },
    status: 201,
    audit: [],
    why: 'a ballot goes to the ballot box, a file of its own with its own tests; an audit entry would date a vote',
    writesNothing: true,
  },
  {
    route: 'POST /api/meetings/:id/paper-ballots',
    setup: async () => {
      const m = await openPoll();
      const form = await ok('GET', `/api/meetings/${m.id}/paper-ballots/form`);
      return { method: 'POST', url: `/api/meetings/${m.id}/paper-ballots`, payload: { code: m.shortCodes[0], answers: fullBallot(form) } };
    },
    status: 201,
    audit: [],
    why: 'a key-in casts a ballot like a phone: into the ballot box, undated',
    writesNothing: true,
  },

  // Assessment rounds
  { route: 'POST /api/rounds', setup: async () => ({ method: 'POST', url: '/api/rounds', payload: { title: unique('2026年度党建工作成效考核'), schemeId: 'party-building-001' } }), status: 201, audit: ['assessment.round.create'] },
  {
    route: 'POST /api/rounds/:id/units',
    setup: async () => ({ method: 'POST', url: `/api/rounds/${(await partyBuildingRound()).roundId}/units`, payload: { units: [{ domain: 'county', name: '乙镇' }] } }),
    status: 201,
    audit: ['assessment.units.add'],
  },
  {
    route: 'PUT /api/rounds/:id/units/:unitId/facts',
    setup: async () => {
      const r = await partyBuildingRound();
      return { method: 'PUT', url: `/api/rounds/${r.roundId}/units/${r.unitId}/facts`, payload: { ineffective: true, ...note } };
    },
    status: 200,
    audit: ['assessment.facts.set'],
  },
  {
    route: 'PUT /api/rounds/:id/units/:unitId/inputs/:input',
    setup: async () => {
      const r = await partyBuildingRound();
      return { method: 'PUT', url: `/api/rounds/${r.roundId}/units/${r.unitId}/inputs/report-review`, payload: { value: 90, ...note } };
    },
    status: 200,
    audit: ['assessment.input.enter'],
  },
  {
    route: 'POST /api/rounds/:id/units/:unitId/deductions',
    setup: async () => {
      const r = await partyBuildingRound();
      return { method: 'POST', url: `/api/rounds/${r.roundId}/units/${r.unitId}/deductions`, payload: { indicatorId: '2', ruleId: '2.2', ...note } };
    },
    status: 201,
    audit: ['assessment.deduction.add'],
  },
  {
    route: 'DELETE /api/rounds/:id/units/:unitId/deductions/:deductionId',
    setup: async () => {
      const r = await partyBuildingRound();
      const added = await ok('POST', `/api/rounds/${r.roundId}/units/${r.unitId}/deductions`, { indicatorId: '2', ruleId: '2.2', ...note });
      return { method: 'DELETE', url: `/api/rounds/${r.roundId}/units/${r.unitId}/deductions/${added.units[0].deductions[0].id}`, payload: { reason: '复核后撤销：问题已在年内整改' } };
    },
    status: 200,
    audit: ['assessment.deduction.withdraw'],
  },
  {
    route: 'PUT /api/rounds/:id/units/:unitId/links/:component',
    setup: async () => {
      const r = await partyBuildingRound();
      return { method: 'PUT', url: `/api/rounds/${r.roundId}/units/${r.unitId}/links/report-review`, payload: { meetingId: (await draft()).id, formId: 'village-secretary-report' } };
    },
    status: 200,
    audit: ['assessment.meeting.link'],
  },
  {
    route: 'DELETE /api/rounds/:id/units/:unitId/links/:component',
    setup: async () => {
      const r = await partyBuildingRound();
      const url = `/api/rounds/${r.roundId}/units/${r.unitId}/links/report-review`;
      await ok('PUT', url, { meetingId: (await draft()).id, formId: 'village-secretary-report' });
      return { method: 'DELETE', url, payload: { reason: '考核委员会决定采用纸质述职评议结果' } };
    },
    status: 200,
    audit: ['assessment.meeting.unlink'],
  },
  {
    route: 'POST /api/rounds/:id/units/:unitId/cadres',
    setup: async () => {
      const r = await cadreRound();
      return { method: 'POST', url: `/api/rounds/${r.roundId}/units/${r.unitId}/cadres`, payload: { cadres: [{ name: '吴书记', title: '党委书记', isHead: true, score: 95 }, { name: '冯副书记', score: 90 }] } };
    },
    status: 201,
    audit: ['assessment.cadres.add'],
  },
  {
    route: 'PUT /api/rounds/:id/cadres/:cadreId',
    setup: async () => {
      const r = await cadreRound();
      const added = await ok('POST', `/api/rounds/${r.roundId}/units/${r.unitId}/cadres`, { cadres: [{ name: '冯副书记', score: 90 }] });
      return { method: 'PUT', url: `/api/rounds/${r.roundId}/cadres/${added.units[0].cadres[0].id}`, payload: { score: 92, partyRole: 'party-building-deputy' } };
    },
    status: 200,
    audit: ['assessment.cadre.edit'],
  },
  {
    route: 'PUT /api/rounds/:id/units/:unitId/party-building',
    setup: async () => {
      const r = await cadreRound();
      const pb = await partyBuildingRound();
      return { method: 'PUT', url: `/api/rounds/${r.roundId}/units/${r.unitId}/party-building`, payload: { partyBuildingUnitId: pb.unitId } };
    },
    status: 200,
    audit: ['assessment.party-building.link'],
  },
  {
    route: 'PUT /api/rounds/:id/grades',
    setup: async () => {
      const r = await partyBuildingRound();
      await ok('PUT', `/api/rounds/${r.roundId}/units/${r.unitId}/inputs/report-review`, { value: 90, ...note });
      return { method: 'PUT', url: `/api/rounds/${r.roundId}/grades`, payload: { targetType: 'unit', targetId: r.unitId, grade: '较好', reason: '考核委员会研究确定' } };
    },
    status: 200,
    audit: ['assessment.grade.record'],
  },
];

// ── The write routes of the app

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * "METHOD /path" of every write route, read from Fastify's own route tree (printRoutes: each node's text follows
 * its parent's path). Each one found is checked with hasRoute, and the OpenAPI document's write operations must
 * all be among them, so a change in the tree's format cannot make routes silently disappear.
 */
function writeRoutes(app: FastifyInstance): string[] {
  const found: string[] = [];
  const pathAt: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    pathAt[depth] = (depth === 0 ? '' : pathAt[depth - 1]!) + m[2]!;
    for (const method of (m[3] ?? '').split(', ').filter((x) => WRITE_METHODS.has(x))) found.push(`${method} ${pathAt[depth]}`);
  }
  for (const r of found) {
    const [method, url] = r.split(' ') as [string, string];
    expect(app.hasRoute({ method: method as 'POST', url }), `${r} read from printRoutes is not a route`).toBe(true);
  }
  const doc = (app as unknown as { swagger: () => { paths: Record<string, Record<string, unknown>> } }).swagger();
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .map((m) => m.toUpperCase())
      .filter((m) => WRITE_METHODS.has(m))
      .map((m) => `${m} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
  expect(documented).toContain('POST /api/meetings');
  expect(documented.filter((r) => !found.includes(r)), 'documented write routes missing from printRoutes').toEqual([]);
  return [...new Set(found)].sort();
}

// ── The proofs

const label = (s: Scenario) => `${s.route}${s.variant ? ` (${s.variant})` : ''}`;
const same = (a: Pick<Fault, 'table' | 'op'>, b: Pick<Fault, 'table' | 'op'>) => a.table === b.table && a.op === b.op;
const AUDIT_ENTRY: Fault = { table: 'audit_log', op: 'insert' };

/** With `fs` installed the write answers the generic 500 and leaves every table as it was. */
async function expectNothingWritten(s: Scenario, w: Write, ...fs: Fault[]): Promise<void> {
  const before = await snapshot();
  await faults.install(...fs);
  try {
    const res = await perform(w);
    const where = `${label(s)} with a fault at ${fs.map((f) => `${f.op} on ${f.table}`).join(', ')}`;
    expect(res.status, `${where}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(500);
    expect(res.body, where).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(await snapshot(), `${where}: a statement escaped its transaction`).toEqual(before);
  } finally {
    await faults.remove();
  }
}

describe(`every write is all or nothing (${testEngine})`, () => {
  it('every write route of the app has a scenario here', () => {
    const routes = writeRoutes(t.app);
    expect(routes).toContain('POST /api/meetings');
    const covered = new Set(scenarios.map((s) => s.route));
    expect(
      routes.filter((r) => !covered.has(r)),
      'write routes without a scenario in test/http/write-atomicity.test.ts',
    ).toEqual([]);
    expect(
      [...covered].filter((r) => !routes.includes(r)),
      'scenarios of routes the app does not have',
    ).toEqual([]);
    for (const s of scenarios) expect(s.audit.length > 0 || s.why !== undefined, `${label(s)}: no audit entry and no reason`).toBe(true);
  });

  for (const s of scenarios.filter((x) => !x.writesNothing)) {
    it(label(s), async () => {
      // 1. A fault at the audit entry, then the same write without it.
      const w = await s.setup();
      if (s.audit.length > 0) await expectNothingWritten(s, w, AUDIT_ENTRY);
      const before = await snapshot();
      const seq = await lastAuditSeq();
      const trace = await faults.trace();
      let writes: Fault[] = [];
      const res = await perform(w).finally(async () => (writes = await trace.stop()));
      expect(res.status, `${label(s)}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(s.status);
      expect(await auditSince(seq), `${label(s)}: the audit entries it adds`).toEqual(s.audit);
      // The audit log page and the closing report show each entry in words: no action may reach them unnamed.
      for (const action of s.audit) expect(AUDIT_ACTION_LABELS[action], `${label(s)}: a Chinese label for ${action}`).toMatch(/\p{Script=Han}/u);
      expect(await snapshot(), `${label(s)} changed nothing`).not.toEqual(before);
      // 2. A fault at each other kind of statement it ran, each time on a fresh setup.
      const others = writes.filter((f) => !(s.audit.length > 0 && same(f, AUDIT_ENTRY)) && !s.later?.writes.some((l) => same(l, f)));
      expect(others.length + (s.audit.length > 0 ? 1 : 0), `${label(s)} traced no write`).toBeGreaterThan(0);
      for (const f of others) await expectNothingWritten(s, await s.setup(), f);
    });
  }

  for (const s of scenarios.filter((x) => x.writesNothing)) {
    it(`${label(s)} writes nothing in this database but the ballot box (${s.why})`, async () => {
      const w = await s.setup();
      const before = await snapshot(BOX_TABLES);
      // Every table frozen but the box's: any other insert, update or delete would fail the request.
      const frozen = (await faults.tables()).filter((table) => !BOX_TABLES.includes(table));
      await faults.install(...frozen.flatMap((table) => (['insert', 'update', 'delete'] as const).map((op) => ({ table, op }))));
      try {
        const res = await perform(w);
        expect(res.status, `${label(s)}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(s.status);
      } finally {
        await faults.remove();
      }
      expect(await snapshot(BOX_TABLES)).toEqual(before);
    });
  }

  it('closing: a fault while the exports are archived leaves the close and its report pending, which a read completes', async () => {
    const m = await openPoll();
    const seq = await lastAuditSeq();
    await faults.install({ table: 'audit_log', op: 'insert', when: `new.action = 'meeting.closing-report'` });
    try {
      expect((await perform({ method: 'POST', url: `/api/meetings/${m.id}/close`, payload: {} })).status).toBe(500);
    } finally {
      await faults.remove();
    }
    // The close committed on its own (its report drafted, pending its exports); nothing of the archive did.
    expect(await auditSince(seq)).toEqual(['meeting.close']);
    const reports = (await faults.column('select report from closing_reports where meeting_id = ?', m.id)).map((r) => (JSON.parse(String(r)) as { pending: boolean }).pending);
    expect(reports).toEqual([true]);
    expect((await ok('GET', `/api/meetings/${m.id}/closing-report`)).report.exports).toHaveLength(5);
    expect(await auditSince(seq)).toEqual(['meeting.close', 'meeting.closing-report']);
  });
});
