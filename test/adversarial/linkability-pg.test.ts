// Linkability on PostgreSQL: what the PostgreSQL ballot box (src/ballots/box-store.pg.ts) lets an insider with the
// database read about the order in which ballots arrived, while a poll is open and after its close, measured on a
// real server (test/helpers/postgres.ts) written by two instances (two pools) at once. The figures back
// docs/security.md "On PostgreSQL".
//
// 1,800 ballots of a village meeting arrive in a known order: the first 600 one at a time (each its own group, the
// worst case), the rest in bursts of 5-60 split into up to 4 groups sent at once through both pools. Every position
// an insider can read is ranked against the true order (which only the test knows, from a number in each ballot's
// comment): each row's xmin, its ctid (block, offset in block, order within the block), its key, the order rows come
// back in; the same for the slips' used markers; the old row versions still in the table's file (read raw with
// pg_read_binary_file, no extension needed); pg_wal; a logical decoding slot; the server log and the statistics
// views. While the poll is open the test records what PostgreSQL keeps and asserts what docs/security.md says it
// keeps; after the close every position in the tables must be unrelated to arrival (|rho| < 0.1) and every row of
// the meeting carry the same xmin.
//
// The insider is the database superuser (reading files and pg_wal needs one): with CEPING_TEST_PG, connect as one.
// The test's own server starts with wal_level = logical and pg_stat_statements loaded; on a server without them,
// the logical slot, pageinspect and pg_stat_statements parts are skipped, and the log part needs the own server's log.
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBoxStore, type SealResult } from '../../src/ballots/box-store.pg.js';
import { migratePostgres } from '../../src/db/postgres.js';
import { markerKey } from '../../src/slips/credentials.js';
import { startTestPostgres, testPool, type TestPostgres } from '../helpers/postgres.js';
import { rhoBound, spearman, spearmanWithin } from '../helpers/rank-correlation.js';
import { positionOf, villageFormat, villageJob } from '../helpers/village-records.js';

const N = 1800;
const SEQUENTIAL = 600;
/** Slips issued that never vote: their markers stay unused. */
const UNUSED = 200;
const MEETING = 'pg-linkability';

let server: TestPostgres;
/** The insider: the database superuser. */
let admin: pg.Pool;
let poolA: pg.Pool;
let poolB: pg.Pool;
let storeA: PgBoxStore;
let storeB: PgBoxStore;
const caps = { superuser: false, pageinspect: false, logical: false, statements: false };
/** voters[pos]: the slip that arrived pos-th (its marker key) and its phone's nonce hash. */
const voters: Array<{ key: Buffer; nonceHash: Buffer }> = [];
const posOfMarker = new Map<string, number>();
/** Ballots written in a group of their own. */
let alone = 0;
let walStart = '';
/** What the test prints at the end: every figure, for docs/security.md. */
const figures: string[] = [];
const note = (line: string) => figures.push(line);

const q = async <T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []) => (await admin.query<T>(text, values)).rows;

interface Attack {
  name: string;
  rho: number;
  n: number;
}
const fmt = (a: Attack) => `rho ${a.rho.toFixed(3).padStart(6)}  ${a.name} (n=${a.n})`;

/** The rank of each hex string in byte order (a key compared as an attacker would sort it). */
const hexRanks = (hex: string[]) => {
  const sorted = [...hex].sort();
  const at = new Map(sorted.map((h, i) => [h, i]));
  return hex.map((h) => at.get(h)!);
};

interface Row {
  key: Buffer;
  xmin: number;
  block: number;
  off: number;
}

async function ballotRows(): Promise<Array<Row & { pos: number }>> {
  const rows = await q<Row & { record: Buffer; xmin: string }>(
    `select key, xmin::text as xmin, (ctid::text::point)[0]::int as block, (ctid::text::point)[1]::int as off, record from box_ballots where meeting_id = $1`,
    [MEETING],
  );
  return rows.map((r) => ({ key: r.key, xmin: Number(r.xmin), block: r.block, off: r.off, pos: positionOf(r.record) }));
}

async function markerRows(): Promise<Array<Row & { used: boolean; pos: number | undefined }>> {
  const rows = await q<Row & { used: boolean; xmin: string }>(
    `select key, xmin::text as xmin, (ctid::text::point)[0]::int as block, (ctid::text::point)[1]::int as off, used from box_markers where meeting_id = $1`,
    [MEETING],
  );
  return rows.map((r) => ({ key: r.key, xmin: Number(r.xmin), block: r.block, off: r.off, used: r.used, pos: posOfMarker.get(r.key.toString('hex')) }));
}

/** Every position of the live rows, ranked against arrival. */
async function tableAttacks(): Promise<{ attacks: Attack[]; ballots: Array<Row & { pos: number }>; markers: Array<Row & { used: boolean; pos: number | undefined }> }> {
  const ballots = await ballotRows();
  const markers = await markerRows();
  const used = markers.filter((m) => m.used);
  expect(ballots).toHaveLength(N);
  expect(used).toHaveLength(N);
  expect(used.every((m) => m.pos !== undefined)).toBe(true);
  const attacks: Attack[] = [];
  const rank = (name: string, rows: Array<Row & { pos?: number }>, feature: (r: Row, i: number) => number) =>
    attacks.push({ name, rho: spearman(rows.map(feature), rows.map((r) => r.pos!)), n: rows.length });
  const within = (name: string, rows: Array<Row & { pos?: number }>) =>
    attacks.push({ name, rho: spearmanWithin(rows.map((r) => r.block), rows.map((r) => r.off), rows.map((r) => r.pos!)), n: rows.length });
  for (const [what, rows] of [
    ['ballot', ballots],
    ['used marker', used],
  ] as const) {
    rank(`${what}: xmin`, rows, (r) => r.xmin);
    rank(`${what}: ctid (block, then offset)`, rows, (r) => r.block * 65536 + r.off);
    rank(`${what}: ctid block`, rows, (r) => r.block);
    within(`${what}: order within its block (pooled rho)`, rows);
    const keyRank = hexRanks(rows.map((r) => r.key.toString('hex')));
    rank(`${what}: key`, rows, (_r, i) => keyRank[i]!);
    rank(`${what}: order rows come back in`, rows, (_r, i) => i);
  }
  return { attacks, ballots, markers };
}

/** Ballots whose xmin they share with exactly one used marker: each tied to its slip's marker. */
function xminLinks(ballots: Array<Row & { pos: number }>, markers: Array<Row & { used: boolean; pos: number | undefined }>): { linked: number; right: number } {
  const byXmin = new Map<number, Array<number | undefined>>();
  for (const m of markers.filter((m) => m.used)) byXmin.set(m.xmin, [...(byXmin.get(m.xmin) ?? []), m.pos]);
  const ballotsPerXmin = new Map<number, number>();
  for (const b of ballots) ballotsPerXmin.set(b.xmin, (ballotsPerXmin.get(b.xmin) ?? 0) + 1);
  let linked = 0;
  let right = 0;
  for (const b of ballots) {
    const ms = byXmin.get(b.xmin) ?? [];
    if (ms.length === 1 && ballotsPerXmin.get(b.xmin) === 1) {
      linked++;
      if (ms[0] === b.pos) right++;
    }
  }
  return { linked, right };
}

/**
 * Every place in `haystack` where one of `needles` (each at least 4 bytes) occurs: one pass, looking each 4-byte
 * window up among the needles' first four bytes.
 */
function findAll(haystack: Buffer, needles: readonly Buffer[]): number[][] {
  const byPrefix = new Map<number, number[]>();
  needles.forEach((n, i) => byPrefix.set(n.readUInt32LE(0), [...(byPrefix.get(n.readUInt32LE(0)) ?? []), i]));
  const found = needles.map(() => [] as number[]);
  for (let at = 0; at + 4 <= haystack.length; at++) {
    const candidates = byPrefix.get(haystack.readUInt32LE(at));
    if (!candidates) continue;
    for (const i of candidates) {
      const n = needles[i]!;
      if (at + n.length <= haystack.length && haystack.compare(n, 0, n.length, at, at + n.length) === 0) found[i]!.push(at);
    }
  }
  return found;
}

/**
 * The xmin of the heap tuple whose first column (a 16-byte bytea, stored with a 1-byte header) starts at `keyAt`,
 * read from the tuple header in front of it (23 bytes, MAXALIGNed to t_hoff = 24); undefined if the bytes there are
 * not such a header.
 */
function rawXmin(page: Buffer, keyAt: number): number | undefined {
  const tuple = keyAt - 1 - 24;
  if (tuple < 0 || page[keyAt - 1] !== ((16 + 1) << 1) + 1 || page[tuple + 22] !== 24) return undefined;
  return page.readUInt32LE(tuple);
}

/** The table's file as it is on disk (after a checkpoint): what a superuser, or a copy of the data directory, reads. */
async function relationFile(table: string): Promise<Buffer> {
  await q('checkpoint');
  return (await q<{ b: Buffer }>(`select pg_read_binary_file(pg_relation_filepath($1)) as b`, [table]))[0]!.b;
}

/** pg_wal from `fromLsn` to now, or every file in it (recycled segments keep their old bytes under new names). */
async function walBytes(fromLsn: string | null): Promise<Buffer> {
  const names = (
    await q<{ name: string }>(
      fromLsn === null
        ? `select name from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$' order by name`
        : `select name from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$' and name between pg_walfile_name($1) and pg_walfile_name(pg_current_wal_lsn()) order by name`,
      fromLsn === null ? [] : [fromLsn],
    )
  ).map((r) => r.name);
  const parts: Buffer[] = [];
  for (const name of names) parts.push((await q<{ b: Buffer }>(`select pg_read_binary_file('pg_wal/' || $1) as b`, [name]))[0]!.b);
  return Buffer.concat(parts);
}

/** The rho of where each of `needles` first appears in `haystack` against `truth`, over those found. */
function offsetRho(name: string, haystack: Buffer, needles: Buffer[], truth: number[]): Attack & { found: number } {
  const at = findAll(haystack, needles).map((o) => (o.length > 0 ? o[0]! : -1));
  const found = at.map((o, i) => [o, truth[i]!] as const).filter(([o]) => o >= 0);
  return { name, rho: found.length > 2 ? spearman(found.map(([o]) => o), found.map(([, t]) => t)) : 0, n: found.length, found: found.length };
}

let open: Awaited<ReturnType<typeof tableAttacks>>;
let openLinks: { linked: number; right: number };
let openWal: Attack[] = [];
let preCloseKeys: Buffer[] = [];
let preCloseTruth: number[] = [];
let rewrittenFile: { found: number; rho: number };
let vacuumedFile: { found: number; rho: number };
let rewrittenLive: Attack[] = [];
let sealed: SealResult;
let closeXid = 0;
/** The tables' files before the seal. */
let oldFiles: string[] = [];
let closed: Awaited<ReturnType<typeof tableAttacks>>;
let closedLinks: { linked: number; right: number };

/** Where the old versions of the meeting's ballots are in a table file: how many of the old keys, and rho of the xmins read in front of them. */
function oldVersionsIn(file: Buffer): { found: number; rho: number } {
  const at = findAll(file, preCloseKeys);
  const pairs: Array<[number, number]> = [];
  at.forEach((offsets, i) => {
    for (const o of offsets) {
      const x = rawXmin(file, o);
      if (x !== undefined) pairs.push([x, preCloseTruth[i]!]);
    }
  });
  return { found: at.filter((o) => o.length > 0).length, rho: pairs.length > 2 ? spearman(pairs.map(([x]) => x), pairs.map(([, t]) => t)) : 0 };
}

beforeAll(async () => {
  server = await startTestPostgres({ settings: { wal_level: 'logical', shared_preload_libraries: 'pg_stat_statements', max_wal_size: '1GB' } });
  await migratePostgres(server.url);
  admin = testPool({ connectionString: server.url, max: 2 });
  poolA = testPool({ connectionString: server.url, max: 6 });
  poolB = testPool({ connectionString: server.url, max: 6 });
  storeA = new PgBoxStore(poolA);
  storeB = new PgBoxStore(poolB);
  caps.superuser = (await q<{ s: boolean }>('select rolsuper as s from pg_roles where rolname = current_user'))[0]!.s;
  caps.logical = (await q<{ wal_level: string }>('show wal_level'))[0]!.wal_level === 'logical' && caps.superuser;
  caps.pageinspect = await q('create extension if not exists pageinspect').then(
    () => true,
    () => false,
  );
  caps.statements = await q('create extension if not exists pg_stat_statements').then(
    () => q('select 1 from pg_stat_statements limit 1').then(() => true),
    () => false,
  );
  if (caps.logical) await q(`select pg_create_logical_replication_slot('ceping_probe', 'test_decoding')`);
  note(`capabilities: ${JSON.stringify(caps)}; server ${(await q<{ v: string }>('select version() as v'))[0]!.v.split(' on ')[0]}`);

  // The slips, issued in two batches; their markers taken in (in a random order, by the store).
  const slips = Array.from({ length: N + UNUSED }, (_, i) => ({ key: markerKey(randomBytes(32).toString('base64url')), meetingId: MEETING, batchId: i % 2 === 0 ? 'b1' : 'b2' }));
  await storeA.registerMarkers(slips);
  // The voters' order of arrival: a random subset of the slips, in a random order.
  const order = slips.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const k of order.slice(0, N)) voters.push({ key: slips[k]!.key, nonceHash: randomBytes(32) });
  voters.forEach((v, pos) => posOfMarker.set(v.key.toString('hex'), pos));

  walStart = (await q<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'))[0]!.lsn;
  const job = (pos: number) => villageJob(MEETING, voters[pos]!.key, pos, voters[pos]!.nonceHash);
  const expectStored = (results: Array<{ kind: string }>) => expect(results.map((r) => r.kind)).toEqual(results.map(() => 'stored'));
  let pos = 0;
  for (; pos < SEQUENTIAL; pos++) {
    expectStored(await (pos % 2 === 0 ? storeA : storeB).writeGroup([job(pos)]));
    alone++;
  }
  while (pos < N) {
    const size = Math.min(5 + randomInt(56), N - pos);
    const parts = 1 + randomInt(4);
    const groups: number[][] = Array.from({ length: parts }, () => []);
    for (let i = 0; i < size; i++) groups[Math.floor((i * parts) / size)]!.push(pos + i);
    const sent = groups.filter((g) => g.length > 0);
    alone += sent.filter((g) => g.length === 1).length;
    const results = await Promise.all(sent.map((g) => (randomInt(2) === 0 ? storeA : storeB).writeGroup(g.map(job))));
    for (const r of results) expectStored(r);
    pos += size;
  }

  // While the poll is open.
  open = await tableAttacks();
  openLinks = xminLinks(open.ballots, open.markers);
  preCloseKeys = open.ballots.map((b) => b.key);
  preCloseTruth = open.ballots.map((b) => b.pos);
  const walOpen = await walBytes(walStart);
  openWal = [
    offsetRho('pg_wal: where each ballot (its key) was written', walOpen, preCloseKeys, preCloseTruth),
    offsetRho("pg_wal: where each slip's used marker (its nonce hash) was written", walOpen, voters.map((v) => v.nonceHash), voters.map((_, p) => p)),
  ];
  // The raw-header reading is right: on the live file it gives each row's xmin as SQL shows it.
  const liveFile = await relationFile('box_ballots');
  const sample = open.ballots.slice(0, 50);
  expect(findAll(liveFile, sample.map((b) => b.key)).map((o, i) => rawXmin(liveFile, o[0]!) === sample[i]!.xmin)).toEqual(sample.map(() => true));

  // The close, in its steps: the rewrite; what a plain VACUUM would leave; VACUUM FULL (the seal).
  await storeB.rewriteMeeting(MEETING);
  rewrittenLive = (await tableAttacks()).attacks;
  rewrittenFile = oldVersionsIn(await relationFile('box_ballots'));
  await q('vacuum box_ballots, box_markers');
  vacuumedFile = oldVersionsIn(await relationFile('box_ballots'));
  oldFiles = (await q<{ p: string }>(`select pg_relation_filepath('box_ballots') as p union all select pg_relation_filepath('box_markers')`)).map((r) => r.p);
  sealed = await storeA.seal();
  closed = await tableAttacks();
  closedLinks = xminLinks(closed.ballots, closed.markers);
  closeXid = closed.ballots[0]!.xmin;
}, 600_000);

afterAll(async () => {
  console.log(`  PostgreSQL linkability, ${N} ballots (${alone} written alone):\n${figures.map((f) => `    ${f}`).join('\n')}`);
  if (caps.logical) await q(`select pg_drop_replication_slot('ceping_probe')`).catch(() => undefined);
  await admin?.end();
  await poolA?.end();
  await poolB?.end();
  await server?.stop();
});

describe('while the poll is open', () => {
  it("each ballot's xmin, and its used marker's, follows arrival; its key and the markers' keys do not", () => {
    for (const a of open.attacks) note(`open: ${fmt(a)}`);
    const rho = (name: string) => open.attacks.find((a) => a.name === name)!.rho;
    // docs/security.md "On PostgreSQL": transaction ids grow with time; new rows are appended.
    expect(rho('ballot: xmin')).toBeGreaterThan(0.9);
    expect(rho('used marker: xmin')).toBeGreaterThan(0.9);
    expect(rho('ballot: ctid (block, then offset)')).toBeGreaterThan(0.9);
    expect(Math.abs(rho('ballot: key'))).toBeLessThan(rhoBound(N));
    expect(Math.abs(rho('used marker: key'))).toBeLessThan(rhoBound(N));
  });

  it('xmin needs no superuser: a role that may only SELECT the table reads it', async () => {
    const db = await admin.connect();
    try {
      await db.query('begin');
      await db.query('create role box_reader nologin');
      await db.query('grant select on box_ballots to box_reader');
      await db.query('set local role box_reader');
      const rows = (await db.query<{ xmin: string }>('select xmin::text as xmin from box_ballots limit 5')).rows;
      expect(rows).toHaveLength(5);
      note(`a role with SELECT only reads xmin (${rows.map((r) => r.xmin).join(', ')}, ...)`);
    } finally {
      await db.query('rollback');
      db.release();
    }
  });

  it('a ballot written alone shares its xmin with its slip\'s marker only: tied to the slip', () => {
    note(`open: ${openLinks.linked} of ${N} ballots share their xmin with exactly one used marker (${openLinks.right} of them rightly); ${alone} were written alone`);
    expect(openLinks.linked).toBe(alone);
    expect(openLinks.right).toBe(alone);
  });

  it('pg_wal holds every ballot and every used marker in the order they were written', () => {
    for (const a of openWal) note(`open: ${fmt(a)}`);
    for (const a of openWal) {
      // A few are not found whole: a WAL page header (every 8 kB) cuts through them.
      expect(a.n, a.name).toBeGreaterThan(N * 0.95);
      expect(a.rho, a.name).toBeGreaterThan(0.9);
    }
  });

  it('the box uses no sequence, and no record went out of line into TOAST', async () => {
    const sequences = await q(`select c.relname from pg_depend d join pg_class c on c.oid = d.objid
      where c.relkind = 'S' and d.refobjid in ('box_ballots'::regclass, 'box_markers'::regclass)`);
    expect(sequences).toEqual([]);
    const toast = await q<{ n: string }>(`select count(*) as n from pg_class c join pg_class t on t.oid = c.reltoastrelid where c.relname = 'box_ballots' and pg_relation_size(t.oid) > 0`);
    const compressed = await q<{ c: string | null; n: string; size: string }>(`select pg_column_compression(record) as c, count(*) as n, avg(pg_column_size(record))::int as size from box_ballots group by 1`);
    note(`records of ${villageFormat.layout!.recordSize} bytes stored as: ${compressed.map((c) => `${c.n} ${c.c ?? 'uncompressed'} (${c.size} bytes on average)`).join(', ')}; TOAST table in use: ${toast[0]!.n !== '0'}`);
    expect(toast[0]!.n).toBe('0');
  });
});

describe('the close', () => {
  it('rewrites the meeting in one transaction: the live rows are in a random order at once, but their old versions stay in the file', () => {
    for (const a of rewrittenLive.filter((a) => a.name.startsWith('ballot'))) note(`rewritten, before any VACUUM: ${fmt(a)}`);
    for (const a of rewrittenLive) if (!a.name.endsWith('xmin')) expect(Math.abs(a.rho), a.name).toBeLessThan(rhoBound(a.n));
    note(`rewritten, before any VACUUM: the table file still holds ${rewrittenFile.found} of ${N} old ballot versions; their xmins (read raw) rho ${rewrittenFile.rho.toFixed(3)}`);
    // Nearly all: reading a page prunes its dead versions and compacts what lives there over them, which erases old
    // versions only on the page the old and the new rows share.
    expect(rewrittenFile.found).toBeGreaterThan(N * 0.9);
    expect(rewrittenFile.rho).toBeGreaterThan(0.9);
  });

  it('a plain VACUUM does not erase the old versions: their bytes stay readable in the file', () => {
    note(`after a plain VACUUM: the table file still holds ${vacuumedFile.found} of ${N} old ballot versions; their xmins (read raw) rho ${vacuumedFile.rho.toFixed(3)}`);
    expect(vacuumedFile.found).toBeGreaterThan(N * 0.9);
    expect(vacuumedFile.rho).toBeGreaterThan(0.9);
  });

  it('after the seal (VACUUM FULL) no position in the tables follows arrival, and every row of the meeting has the same xmin', () => {
    note(`seal: ${JSON.stringify({ ...sealed, ms: Math.round(sealed.ms) })}`);
    expect(sealed).toMatchObject({ sealed: true, keptDeadVersions: 0 });
    for (const a of closed.attacks) note(`closed: ${fmt(a)}`);
    for (const a of closed.attacks) expect(Math.abs(a.rho), a.name).toBeLessThan(rhoBound(a.n));
    expect(new Set(closed.ballots.map((b) => b.xmin))).toEqual(new Set([closeXid]));
    expect(new Set(closed.markers.map((m) => m.xmin))).toEqual(new Set([closeXid]));
    note(`closed: ${closedLinks.linked} ballots share their xmin with exactly one used marker`);
    expect(closedLinks.linked).toBe(0);
    expect(new Set(closed.ballots.map((b) => b.key.toString('hex'))).size).toBe(N);
    expect(closed.ballots.some((b) => preCloseKeys.some((k) => k.equals(b.key)))).toBe(false);
  });

  it('after the seal the files hold no old version: no old ballot key, each marker once, every tuple of the close (read raw, no extension)', async () => {
    const ballots = await relationFile('box_ballots');
    const markers = await relationFile('box_markers');
    const old = oldVersionsIn(ballots);
    const markerAt = findAll(markers, closed.markers.map((m) => m.key));
    const xmins = new Set([...findAll(ballots, closed.ballots.map((b) => b.key)).flat().map((o) => rawXmin(ballots, o)), ...markerAt.flat().map((o) => rawXmin(markers, o))]);
    note(`closed: table files hold ${old.found} old ballot versions; marker keys found ${new Set(markerAt.map((o) => o.length)).size === 1 ? `${markerAt[0]!.length} time(s) each` : 'unevenly'}; raw xmins ${[...xmins].join(', ')}`);
    expect(old.found).toBe(0);
    expect(markerAt.every((o) => o.length === 1)).toBe(true);
    expect(xmins).toEqual(new Set([closeXid]));
  });

  it('after the seal (and a checkpoint) the old files are gone', async () => {
    await q('checkpoint');
    const sizes = await q<{ size: string | null }>(`select (pg_stat_file(p, true)).size::text as size from unnest($1::text[]) as p`, [oldFiles]);
    note(`closed: the tables' files before the seal: ${oldFiles.join(', ')}; now ${sizes.map((s) => s.size ?? 'gone').join(', ')}`);
    expect(sizes.map((s) => s.size ?? '0')).toEqual(['0', '0']);
  });

  it("pageinspect finds no tuple but the close's in either table", async (ctx) => {
    // pageinspect ships with PostgreSQL (contrib) and with the embedded binaries; a server without it skips this.
    if (!caps.pageinspect) ctx.skip();
    for (const table of ['box_ballots', 'box_markers']) {
      const items = await q<{ lp_flags: number; t_xmin: string | null; t_xmax: string | null }>(
        `select lp_flags, t_xmin::text, t_xmax::text from generate_series(0, pg_relation_size($1::regclass) / current_setting('block_size')::int - 1) as b,
          lateral heap_page_items(get_raw_page($1::text, b::int))`,
        [table],
      );
      const normal = items.filter((i) => i.lp_flags === 1);
      note(`closed: pageinspect on ${table}: ${items.length} line pointers, ${normal.length} tuples, xmins ${[...new Set(normal.map((i) => i.t_xmin))].join(', ')}, xmax set on ${normal.filter((i) => i.t_xmax !== '0').length}`);
      expect(items).toHaveLength(table === 'box_ballots' ? N : N + UNUSED);
      expect(new Set(normal.map((i) => Number(i.t_xmin)))).toEqual(new Set([closeXid]));
      expect(normal.filter((i) => i.t_xmax !== '0')).toEqual([]);
    }
  });

  it('pg_wal still holds the order of the votes after the close; the close\'s own writes are in a random order', async () => {
    const wal = await walBytes(walStart);
    const old = offsetRho('pg_wal after the close: the votes\' ballots (old keys)', wal, preCloseKeys, preCloseTruth);
    const rewrite = offsetRho("pg_wal after the close: the close's rewrite (new keys)", wal, closed.ballots.map((b) => b.key), closed.ballots.map((b) => b.pos));
    for (const a of [old, rewrite]) note(`closed: ${fmt(a)}`);
    expect(old.n).toBe(N);
    expect(old.rho).toBeGreaterThan(0.9);
    expect(rewrite.n).toBe(N);
    expect(Math.abs(rewrite.rho)).toBeLessThan(rhoBound(N));
  });
});

describe('what else keeps the order', () => {
  it('a logical decoding slot streams each vote with its marker beside its ballot, and keeps the order after the close', async (ctx) => {
    // Needs wal_level = logical (a restart) and a superuser or replication role: a server set up otherwise skips it.
    if (!caps.logical) ctx.skip();
    const changes = await q<{ xid: string; data: string }>(`select xid::text, data from pg_logical_slot_peek_changes('ceping_probe', null, null)`);
    const truthOfKey = new Map(preCloseKeys.map((k, i) => [k.toString('hex'), preCloseTruth[i]!]));
    const inserted = new Map<string, number>(); // record (hex) -> place in the stream of its vote's insert
    const voteAt: Array<[number, number]> = [];
    const perXid = new Map<string, { markers: string[]; ballots: string[] }>();
    const closeInserts: Array<{ key: string; record: string }> = [];
    changes.forEach((c, i) => {
      const ballot = /^table public\.box_ballots: INSERT: key\[bytea\]:'\\x([0-9a-f]+)' .*record\[bytea\]:'\\x([0-9a-f]+)'$/.exec(c.data);
      const marker = /^table public\.box_markers: UPDATE: key\[bytea\]:'\\x([0-9a-f]+)'/.exec(c.data);
      if (!perXid.has(c.xid)) perXid.set(c.xid, { markers: [], ballots: [] });
      if (marker) perXid.get(c.xid)!.markers.push(marker[1]!);
      if (!ballot) return;
      const truth = truthOfKey.get(ballot[1]!);
      if (truth !== undefined) {
        voteAt.push([i, truth]);
        inserted.set(ballot[2]!, i);
        perXid.get(c.xid)!.ballots.push(ballot[1]!);
      } else closeInserts.push({ key: ballot[1]!, record: ballot[2]! });
    });
    const stream = { name: 'logical decoding: place of each vote in the stream', rho: spearman(voteAt.map(([i]) => i), voteAt.map(([, t]) => t)), n: voteAt.length };
    let linked = 0;
    let right = 0;
    for (const { markers, ballots } of perXid.values()) {
      if (markers.length !== 1 || ballots.length !== 1) continue;
      linked++;
      if (posOfMarker.get(markers[0]!) === truthOfKey.get(ballots[0]!)) right++;
    }
    // After the close: each rewritten ballot found by its bytes among the votes' inserts.
    const truthNow = new Map(closed.ballots.map((b) => [b.key.toString('hex'), b.pos]));
    const recovered = closeInserts.filter((c) => truthNow.has(c.key) && inserted.has(c.record)).map((c) => [inserted.get(c.record)!, truthNow.get(c.key)!] as const);
    const after = { name: "logical decoding after the close: each closed ballot's vote, found by its bytes", rho: spearman(recovered.map(([i]) => i), recovered.map(([, t]) => t)), n: recovered.length };
    note(`${fmt(stream)}`);
    note(`logical decoding: ${linked} transactions carry exactly one marker and one ballot (${right} rightly paired)`);
    note(`${fmt(after)}`);
    expect(stream.n).toBe(N);
    expect(stream.rho).toBeGreaterThan(0.9);
    expect(right).toBe(alone);
    expect(after.n).toBe(N);
    expect(after.rho).toBeGreaterThan(0.9);
  });

  it('the statistics views hold statement texts with placeholders, never a value', async () => {
    const hexOf = new Set([...voters.flatMap((v) => [v.key.toString('hex'), v.nonceHash.toString('hex')]), ...preCloseKeys.map((k) => k.toString('hex'))]);
    const holdsValue = (text: string) => [...text.matchAll(/[0-9a-f]{32,}/g)].some((m) => [...hexOf].some((h) => m[0].includes(h)));
    const activity = await q<{ query: string }>(`select query from pg_stat_activity where datname = current_database() and query ~ 'box_'`);
    note(`pg_stat_activity: ${activity.length} sessions show a box statement; one holds a value: ${activity.some((a) => holdsValue(a.query))}`);
    expect(activity.length).toBeGreaterThan(0);
    expect(activity.filter((a) => holdsValue(a.query))).toEqual([]);
    if (caps.statements) {
      const statements = await q<{ query: string; calls: string }>(`select query, calls::text from pg_stat_statements where query ~ 'box_'`);
      note(`pg_stat_statements: ${statements.length} box statements (calls: ${statements.map((s) => s.calls).join(', ')}); one holds a value: ${statements.some((s) => holdsValue(s.query))}`);
      expect(statements.length).toBeGreaterThan(0);
      expect(statements.filter((s) => holdsValue(s.query))).toEqual([]);
    }
  });

  it('the server log holds every vote in order with log_statement = all or log_min_duration_statement = 0, and nothing with the recommended settings', async (ctx) => {
    if (!server.logFile) ctx.skip();
    const url = await server.freshDatabase();
    await migratePostgres(url);
    const configs: Array<[string, string]> = [
      ['the defaults', ''],
      ["log_statement = 'all'", '-c log_statement=all'],
      ['log_min_duration_statement = 0', '-c log_min_duration_statement=0'],
      ["recommended (log_statement = 'ddl', log_min_duration_statement = -1, log_parameter_max_length[_on_error] = 0, log_min_error_statement = panic)", '-c log_statement=ddl -c log_min_duration_statement=-1 -c log_parameter_max_length=0 -c log_parameter_max_length_on_error=0 -c log_min_error_statement=panic'],
    ];
    const found: Record<string, number> = {};
    for (const [k, [name, options]] of configs.entries()) {
      const pool = testPool({ connectionString: url, max: 1, options });
      try {
        const store = new PgBoxStore(pool);
        const meetingId = `log-${k}`;
        const slips = Array.from({ length: 30 }, () => ({ key: markerKey(randomBytes(32).toString('base64url')), meetingId, batchId: 'b' }));
        const start = statSync(server.logFile!).size;
        await store.registerMarkers(slips);
        const nonces = slips.map(() => randomBytes(32));
        for (const [i, s] of slips.entries()) await store.writeGroup([villageJob(meetingId, s.key, i, nonces[i]!)]);
        // A failing statement too: its text and parameters go to the log unless the settings keep them out.
        await expect(store.registerMarkers([{ key: randomBytes(16), meetingId: null as unknown as string, batchId: 'b' }])).rejects.toThrow(/null value/);
        await new Promise((r) => setTimeout(r, 200));
        const log = readFileSync(server.logFile!).subarray(start).toString('latin1');
        const at = nonces.map((n) => log.indexOf(n.toString('hex')));
        const keys = slips.filter((s) => log.includes(s.key.toString('hex'))).length;
        const seen = at.map((o, i) => [o, i] as const).filter(([o]) => o >= 0);
        found[name] = seen.length;
        note(`server log with ${name}: ${seen.length} of 30 votes' nonce hashes, ${keys} of 30 marker keys${seen.length > 2 ? `, rho of their place ${spearman(seen.map(([o]) => o), seen.map(([, i]) => i)).toFixed(3)}` : ''}; ${log.split('\n').filter(Boolean).length} lines`);
      } finally {
        await pool.end();
      }
    }
    expect(Object.values(found)).toEqual([0, 30, 30, 0]);
  });

  it('pre-allocated slots filled by UPDATE, as the SQLite box does, are ordered by their xmin all the same', async () => {
    const url = await server.freshDatabase();
    const pool = testPool({ connectionString: url, max: 1 });
    const n = 600;
    try {
      for (const fillfactor of [100, 50]) {
        await pool.query(`create table slots_${fillfactor} (key bytea primary key, filled boolean not null, record bytea not null) with (fillfactor = ${fillfactor})`);
        const keys = Array.from({ length: n }, () => randomBytes(16));
        await pool.query(`insert into slots_${fillfactor} select k, false, $2::bytea from unnest($1::bytea[]) as k`, [keys, Buffer.alloc(villageFormat.layout!.recordSize)]);
        const free = [...keys];
        for (let pos = 0; pos < n; pos++) {
          const [key] = free.splice(randomInt(free.length), 1);
          await pool.query(`update slots_${fillfactor} set filled = true, record = $2 where key = $1`, [key, villageJob('x', key!, pos).record]);
        }
        const rows = (
          await pool.query<{ xmin: string; block: number; off: number; record: Buffer }>(
            `select xmin::text as xmin, (ctid::text::point)[0]::int as block, (ctid::text::point)[1]::int as off, record from slots_${fillfactor} where filled`,
          )
        ).rows.map((r) => ({ ...r, pos: positionOf(r.record) }));
        const truth = rows.map((r) => r.pos);
        const attacks: Attack[] = [
          { name: 'xmin', rho: spearman(rows.map((r) => Number(r.xmin)), truth), n },
          { name: 'ctid (block, then offset)', rho: spearman(rows.map((r) => r.block * 65536 + r.off), truth), n },
          { name: 'order within its block (pooled rho)', rho: spearmanWithin(rows.map((r) => r.block), rows.map((r) => r.off), truth), n },
        ];
        for (const a of attacks) note(`pre-allocated slots, fillfactor ${fillfactor}, open: ${fmt(a)}`);
        expect(attacks[0]!.rho).toBeGreaterThan(0.9);
      }
    } finally {
      await pool.end();
    }
  });

  it('checkpoints after the close recycle the old WAL segments; what they keep of the votes is measured', async () => {
    if (caps.logical) await q(`select pg_drop_replication_slot('ceping_probe')`);
    caps.logical = false;
    const before = findAll(await walBytes(null), preCloseKeys).filter((o) => o.length > 0).length;
    for (let i = 0; i < 3; i++) {
      await q('create table if not exists wal_tick (n int)');
      await q('insert into wal_tick values (1)');
      await q('select pg_switch_wal()');
      await q('checkpoint');
    }
    const files = await q<{ n: string }>(`select count(*) as n from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$'`);
    const after = findAll(await walBytes(null), preCloseKeys).filter((o) => o.length > 0).length;
    const settings = await q<{ name: string; setting: string }>(`select name, setting from pg_settings where name in ('wal_recycle', 'min_wal_size', 'max_wal_size', 'wal_keep_size', 'archive_mode')`);
    note(`pg_wal after the close: ${before} of ${N} votes' ballot keys; after 3 switches and checkpoints: ${after} in ${files[0]!.n} segment files (${settings.map((s) => `${s.name}=${s.setting}`).join(', ')})`);
    expect(before).toBe(N);
  });
});
