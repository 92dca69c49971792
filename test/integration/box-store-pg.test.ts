// The PostgreSQL ballot box (src/ballots/box-store.pg.ts) on a real PostgreSQL server (test/helpers/postgres.ts),
// used by two "instances" (two pools, as two Ceping processes would hold): a slip votes exactly once however its
// submissions are spread over them, records and heads come back as encoded, and the close seals only when no
// snapshot can still see the old row versions.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBoxStore } from '../../src/ballots/box-store.pg.js';
import type { CastResult as StoreResult } from '../../src/ballots/box.js';
import { migratePostgres } from '../../src/db/postgres.js';
import { markerKey } from '../../src/slips/credentials.js';
import { startTestPostgres, testPool, type TestPostgres } from '../helpers/postgres.js';
import { positionOf, villageFormat, villageJob, villageRecord } from '../helpers/village-records.js';

let server: TestPostgres;
let poolA: pg.Pool;
let poolB: pg.Pool;
let a: PgBoxStore;
let b: PgBoxStore;

/** Connections per pool: two pools and a few more stay within the test server's 40. */
const POOL_SIZE = 16;
const newMarkers = (meetingId: string, n: number, batchId = 'batch-1') => Array.from({ length: n }, () => ({ key: markerKey(randomBytes(32).toString('base64url')), meetingId, batchId }));
const nonce = () => randomBytes(32);
const kinds = (rs: StoreResult[]) => rs.map((r) => r.kind);

beforeAll(async () => {
  server = await startTestPostgres();
  await migratePostgres(server.url);
  poolA = testPool({ connectionString: server.url, max: POOL_SIZE });
  poolB = testPool({ connectionString: server.url, max: POOL_SIZE });
  // Connect every client now: the race below wants them all running at once, not still logging in.
  for (const pool of [poolA, poolB]) (await Promise.all(Array.from({ length: POOL_SIZE }, () => pool.connect()))).forEach((c) => c.release());
  a = new PgBoxStore(poolA);
  b = new PgBoxStore(poolB, { sealLockTimeoutMs: 300 });
});

afterAll(async () => {
  await poolA?.end();
  await poolB?.end();
  await server?.stop();
});

describe('a group of ballots', () => {
  it('stores each ballot once with its marker used; unknown slips, slips of another meeting and repeats in the group are refused', async () => {
    const [m1, m2, m3] = newMarkers('g1', 3);
    const [other] = newMarkers('g1-other', 1);
    expect(await a.registerMarkers([m1!, m2!, m3!, other!])).toBe(4);
    expect(await a.registerMarkers([m1!])).toBe(0);
    const n1 = nonce();
    const jobs = [
      villageJob('g1', m1!.key, 1, n1),
      villageJob('g1', m2!.key, 2, null),
      villageJob('g1', m1!.key, 3, n1), // the same phone again, in the same group
      villageJob('g1', markerKey('never issued'), 4),
      villageJob('g1', other!.key, 5), // a slip of another meeting
      villageJob('g1', m2!.key, 6, nonce()),
    ];
    const results = await b.writeGroup(jobs);
    // Of two jobs of one slip in a group, one (drawn at random) is stored and the other is told "used".
    expect(results.filter((r, i) => [0, 2].includes(i) && r.kind === 'stored')).toHaveLength(1);
    expect(results.filter((r, i) => [1, 5].includes(i) && r.kind === 'stored')).toHaveLength(1);
    expect(results[[0, 2].find((i) => results[i]!.kind === 'used')!]).toEqual({ kind: 'used', nonceMatches: true });
    expect(results.slice(3, 5)).toEqual([{ kind: 'unknown' }, { kind: 'unknown' }]);

    const records = await a.records('g1');
    expect(records.map(positionOf).sort((x, y) => x - y)).toEqual([results[0]!.kind === 'stored' ? 1 : 3, results[1]!.kind === 'stored' ? 2 : 6].sort((x, y) => x - y));
    for (const r of records) expect(r).toEqual(villageRecord(positionOf(r)).record);
    const heads = await a.heads('g1');
    expect(heads!.map((h) => h.length)).toEqual([villageFormat.layout!.headSize, villageFormat.layout!.headSize]);
    expect(heads).toEqual(records.map((r) => r.subarray(0, villageFormat.layout!.headSize)));
    expect((await a.counts('g1')).cast).toBe(2);
    expect((await a.counts('g1')).used).toBe(2);
    expect((await a.marker(m1!.key))!.nonceHash).toEqual(n1);
    expect((await a.marker(m3!.key))!.used).toBe(false);
    expect((await a.marker(other!.key))!.used).toBe(false);
  });

  it('tells a retry "used", with whether it carries the nonce of the vote that was stored', async () => {
    const [m] = newMarkers('g2', 1);
    await a.registerMarkers([m!]);
    const n = nonce();
    expect(await a.writeGroup([villageJob('g2', m!.key, 1, n)])).toEqual([{ kind: 'stored', valid: villageRecord(1).valid }]);
    expect(await b.writeGroup([villageJob('g2', m!.key, 1, n)])).toEqual([{ kind: 'used', nonceMatches: true }]);
    expect(await b.writeGroup([villageJob('g2', m!.key, 2, nonce())])).toEqual([{ kind: 'used', nonceMatches: false }]);
    expect(await b.writeGroup([villageJob('g2', m!.key, 2, null)])).toEqual([{ kind: 'used', nonceMatches: false }]);
    expect(await a.records('g2')).toHaveLength(1);
  });

  it('stores nothing of a group when one record does not fit its size', async () => {
    const [m1, m2] = newMarkers('g3', 2);
    await a.registerMarkers([m1!, m2!]);
    const bad = { ...villageJob('g3', m2!.key, 2), record: Buffer.alloc(10) };
    await expect(a.writeGroup([villageJob('g3', m1!.key, 1), bad])).rejects.toThrow(/does not fit/);
    expect(await a.records('g3')).toEqual([]);
    expect((await a.marker(m1!.key))!.used).toBe(false);
  });

  it('keeps no head for older JSON records: heads() is undefined for their meeting', async () => {
    const [m] = newMarkers('g4', 1);
    await a.registerMarkers([m!]);
    const job = { ...villageJob('g4', m!.key, 1), headSize: 0 };
    expect(kinds(await a.writeGroup([job]))).toEqual(['stored']);
    expect(await a.heads('g4')).toBeUndefined();
    expect(await a.records('g4')).toHaveLength(1);
  });
});

describe('exactly once across two instances', () => {
  it('50 concurrent groups carrying the same slip, split across two pools: exactly one stored, 49 refused', async () => {
    const [m] = newMarkers('once', 1);
    await a.registerMarkers([m!]);
    const nonces = Array.from({ length: 50 }, nonce);
    // A third connection holds the marker's row until all the groups the two pools can run at once are waiting on
    // it, so that they all race for it at the same moment.
    const holder = await poolA.connect();
    await holder.query('begin');
    await holder.query('select 1 from box_markers where key = $1 for update', [m!.key]);
    let all: Promise<StoreResult[][]>;
    let waiting = 0;
    try {
      all = Promise.all(nonces.map((n, i) => (i % 2 === 0 ? a : b).writeGroup([villageJob('once', m!.key, i, n)])));
      for (const deadline = Date.now() + 20_000; Date.now() < deadline && waiting < 2 * POOL_SIZE - 1; ) {
        await new Promise((r) => setTimeout(r, 20));
        waiting = Number((await holder.query<{ n: string }>(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0]!.n);
      }
    } finally {
      await holder.query('commit');
      holder.release();
    }
    // Every connection of both pools but the holder's was waiting for the marker.
    expect(waiting).toBe(2 * POOL_SIZE - 1);
    const flat = (await all).map((r) => r[0]!);
    expect(flat.filter((r) => r.kind === 'stored')).toHaveLength(1);
    expect(flat.filter((r) => r.kind === 'used')).toHaveLength(49);
    // Each refused one was told its nonce is not the stored one's.
    expect(flat.filter((r) => r.kind === 'used' && r.nonceMatches)).toHaveLength(0);
    const records = await a.records('once');
    expect(records).toHaveLength(1);
    const winner = flat.findIndex((r) => r.kind === 'stored');
    expect(positionOf(records[0]!)).toBe(winner);
    expect((await b.marker(m!.key))!.nonceHash).toEqual(nonces[winner]);
  });

  it('many slips at once, in groups sharing slips in opposite orders across two pools: every slip stored once, no deadlock', async () => {
    const markers = newMarkers('many', 400, 'b1').concat(newMarkers('many', 200, 'b2'));
    await b.registerMarkers(markers);
    // 120 groups of 10 slips: each slip is in two groups (one per pool), placed at random in each.
    const groups: number[][] = [];
    for (let copy = 0; copy < 2; copy++) {
      const order = markers.map((_, i) => i).sort(() => Math.random() - 0.5);
      for (let g = 0; g < order.length; g += 10) groups.push(order.slice(g, g + 10));
    }
    const settled = await Promise.allSettled(groups.map((g, k) => (k < 60 ? a : b).writeGroup(g.map((i) => villageJob('many', markers[i]!.key, i)))));
    expect(settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
    const results = settled.flatMap((s, k) => (s as PromiseFulfilledResult<StoreResult[]>).value.map((r, j) => ({ slip: groups[k]![j]!, r })));
    const stored = results.filter((x) => x.r.kind === 'stored').map((x) => x.slip);
    expect(stored.sort((x, y) => x - y)).toEqual(markers.map((_, i) => i));
    expect(results.filter((x) => x.r.kind === 'used')).toHaveLength(markers.length);
    const records = await a.records('many');
    expect(records.map(positionOf).sort((x, y) => x - y)).toEqual(markers.map((_, i) => i));
    expect(await a.counts('many')).toMatchObject({ cast: 600, used: 600, usedByBatch: [['b1', 400], ['b2', 200]] });
  });
});

describe('the close', () => {
  it('rewrites the meeting in one transaction and seals; a snapshot older than the close keeps old versions until it ends', async () => {
    const markers = newMarkers('close-1', 40);
    await a.registerMarkers(markers);
    for (let i = 0; i < 40; i += 4) await a.writeGroup(markers.slice(i, i + 4).map((m, j) => villageJob('close-1', m.key, i + j)));
    const before = (await a.records('close-1')).map(positionOf).sort((x, y) => x - y);

    // Another connection holds a snapshot taken before the close (a report running, a forgotten psql session).
    const holder = await poolA.connect();
    await holder.query('begin isolation level repeatable read');
    // Its snapshot is taken by its first statement; it reads another table, so it holds no lock on the box's.
    await holder.query('select count(*) from pg_class');
    try {
      const closed = await b.closeMeeting('close-1');
      expect(closed).toMatchObject({ ballots: 40, markers: 40, sealed: false });
      // Every old version of the meeting: 40 ballots and 40 markers.
      expect(closed.keptDeadVersions).toBe(80);
    } finally {
      await holder.query('commit');
      holder.release();
    }
    const again = await b.seal();
    expect(again).toMatchObject({ sealed: true, keptDeadVersions: 0 });

    expect((await a.records('close-1')).map(positionOf).sort((x, y) => x - y)).toEqual(before);
    const xmins = await poolA.query<{ x: string; n: string }>(`select xmin::text as x, count(*) as n from (select xmin from box_ballots where meeting_id = 'close-1' union all select xmin from box_markers where meeting_id = 'close-1') t group by 1`);
    expect(xmins.rows).toHaveLength(1);
    expect(xmins.rows[0]!.n).toBe('80');
    // A slip that voted is still used after the close.
    expect(kinds(await a.writeGroup([villageJob('close-1', markers[0]!.key, 99)]))).toEqual(['used']);
  });

  it('gives up, unsealed, when a transaction holds the tables longer than its lock timeout; votes go on', async () => {
    const markers = newMarkers('close-2', 4);
    await a.registerMarkers(markers);
    await a.writeGroup([villageJob('close-2', markers[0]!.key, 0)]);
    const reader = await poolA.connect();
    await reader.query('begin');
    await reader.query('select count(*) from box_ballots');
    try {
      const result = await b.closeMeeting('close-2');
      expect(result).toMatchObject({ ballots: 1, sealed: false, keptDeadVersions: null });
      expect(result.ms).toBeGreaterThanOrEqual(250);
    } finally {
      await reader.query('commit');
      reader.release();
    }
    expect(kinds(await a.writeGroup([villageJob('close-2', markers[1]!.key, 1)]))).toEqual(['stored']);
    expect((await b.seal()).sealed).toBe(true);
  });
});
