// Every statement on the ballot box's own SQLite file (`<db>.ballots`, written by src/ballots/box-store.ts in the
// box's thread).
//
// Sizes never change in place. A slot is created empty at its final size (`f` = 0, `v` = 0, `r` = zeros of
// the meeting's record size) and a vote overwrites it with `f` = 1, `v` = 0 or 1 and a record of the same size;
// SQLite stores the integers 0 and 1 in zero bytes, so the row keeps its size and SQLite rewrites the cell where
// it is. A marker is created unused (`u` = 0, `n` = 32 zero bytes) and a vote flips it to `u` = 1 with the nonce
// hash in `n`. No index covers a column a vote changes, so no index entry moves either.
//
// Where a meeting's records have heads (the bytes the tally reads, kept apart in `heads` under the slot's key), a
// ballot without free text (its record all zeros past the head) is written into its head alone: its slot stays
// empty, one page fewer to journal and sync per ballot. The view `ballots` is every ballot whichever way it was
// written, its record whole; every reader of ballots reads it, never `slots` alone.
import type Database from 'better-sqlite3';

export type BoxDb = Database.Database;

/**
 * Whether the compact record whose head is `h.h` is valid: byte 1 of a record holds its flags, 1 = valid, 2 = paper
 * (src/domain/ballot-record.ts).
 */
const HEAD_VALID = "hex(substr(h.h, 2, 1)) in ('01', '03')";

export const BOX_SCHEMA = `
create table if not exists slots (
  k integer primary key,
  m text not null,
  f integer not null,
  v integer not null,
  r blob not null
);
create index if not exists slots_meeting on slots (m);
create table if not exists markers (
  k blob primary key,
  m text not null,
  b text not null,
  u integer not null,
  n blob not null
) without rowid;
create table if not exists sizes (m text primary key, size integer not null) without rowid;
create table if not exists heads (
  k integer primary key,
  m text not null,
  f integer not null,
  h blob not null
);
create index if not exists heads_meeting on heads (m);
create table if not exists head_sizes (m text primary key, size integer not null) without rowid;
create table if not exists state (key text primary key, value integer not null) without rowid;
create view if not exists ballots as
  select s.k as k, s.m as m,
    case when s.f = 1 then s.v else ${HEAD_VALID} end as v,
    case when s.f = 1 then s.r else cast(h.h || zeroblob(length(s.r) - length(h.h)) as blob) end as r
  from slots s left join heads h on h.k = s.k
  where s.f = 1 or h.f = 1;
`;

const prepared = new WeakMap<BoxDb, Map<string, Database.Statement>>();
function q(db: BoxDb, sql: string): Database.Statement {
  let m = prepared.get(db);
  if (!m) prepared.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

/**
 * Where to read every ballot of a box file opened by another process (a backup's copy, a move to PostgreSQL): the view,
 * or the filled slots in a file that no server of this version has opened (it has neither the view nor a ballot
 * written into its head alone).
 */
export function ballotsSource(db: BoxDb): string {
  return db.prepare("select 1 from sqlite_master where type = 'view' and name = 'ballots'").get() ? 'ballots' : '(select * from slots where f = 1)';
}

export function createBoxSchema({ db }: { db: BoxDb }): void {
  db.exec(BOX_SCHEMA);
}

export function readState({ db }: { db: BoxDb }, key: string): number | undefined {
  return (q(db, 'select value from state where key = ?').get(key) as { value: number } | undefined)?.value;
}

export function writeState({ db }: { db: BoxDb }, key: string, value: number): void {
  q(db, 'insert into state (key, value) values (?, ?) on conflict (key) do update set value = excluded.value').run(key, value);
}

export function recordSizes({ db }: { db: BoxDb }): Array<{ m: string; size: number }> {
  return q(db, 'select m, size from sizes').all() as Array<{ m: string; size: number }>;
}

export function setRecordSize({ db }: { db: BoxDb }, meetingId: string, size: number): void {
  q(db, 'insert into sizes (m, size) values (?, ?) on conflict (m) do update set size = excluded.size').run(meetingId, size);
}

/** Markers by meeting, batch and state: the counters the box keeps in memory, read once at start. */
export function markerCounts({ db }: { db: BoxDb }): Array<{ m: string; b: string; u: number; n: number }> {
  return q(db, 'select m, b, u, count(*) as n from markers group by m, b, u').all() as Array<{ m: string; b: string; u: number; n: number }>;
}

/**
 * Every slot's meeting, state and size, read once at start (free lists, counts of ballots): `f` is 1 when it holds a
 * ballot, written whole or into its head alone.
 */
export function slotStates({ db }: { db: BoxDb }): Array<{ k: number; m: string; f: number; v: number; size: number }> {
  const sql = `select s.k as k, s.m as m, s.f = 1 or h.f is 1 as f, case when s.f = 1 then s.v else coalesce(${HEAD_VALID}, 0) end as v,
    length(s.r) as size from slots s left join heads h on h.k = s.k`;
  return q(db, sql).all() as Array<{ k: number; m: string; f: number; v: number; size: number }>;
}

export function findMarker({ db }: { db: BoxDb }, key: Buffer): { m: string; b: string; u: number; n: Buffer } | undefined {
  return q(db, 'select m, b, u, n from markers where k = ?').get(key) as { m: string; b: string; u: number; n: Buffer } | undefined;
}

/** The keys of used markers, in key order (random: the keys derive from tokens). */
export function usedMarkerKeys({ db }: { db: BoxDb }): Buffer[] {
  return q(db, 'select k from markers where u = 1').pluck().all() as Buffer[];
}

/** Creates an unused marker (nothing happens if it exists: taking in the same markers twice is harmless). */
export function insertMarker({ db }: { db: BoxDb }, key: Buffer, meetingId: string, batchId: string, used = false, nonceHash: Buffer | null = null): boolean {
  return q(db, 'insert or ignore into markers (k, m, b, u, n) values (?, ?, ?, ?, ?)').run(key, meetingId, batchId, used ? 1 : 0, nonceHash ?? Buffer.alloc(32)).changes === 1;
}

/** Flips an unused marker to used, in place; false when it was used already. */
export function useMarker({ db }: { db: BoxDb }, key: Buffer, nonceHash: Buffer | null): boolean {
  return q(db, 'update markers set u = 1, n = ? where k = ? and u = 0').run(nonceHash ?? Buffer.alloc(32), key).changes === 1;
}

/** Creates an empty slot of `size` bytes under key `k`; false if the key is taken (the caller draws another). */
export function insertEmptySlot({ db }: { db: BoxDb }, k: number, meetingId: string, size: number): boolean {
  return q(db, 'insert or ignore into slots (k, m, f, v, r) values (?, ?, 0, 0, zeroblob(?))').run(k, meetingId, size).changes === 1;
}

/** Writes a ballot into an empty slot, in place (same size); false if the slot was not empty. */
export function fillSlot({ db }: { db: BoxDb }, k: number, valid: boolean, record: Uint8Array): boolean {
  return q(db, 'update slots set f = 1, v = ?, r = ? where k = ? and f = 0').run(valid ? 1 : 0, record, k).changes === 1;
}

/** The head sizes of meetings whose records are compact (each slot has a head row under the same key). */
export function headSizes({ db }: { db: BoxDb }): Array<{ m: string; size: number }> {
  return q(db, 'select m, size from head_sizes').all() as Array<{ m: string; size: number }>;
}

export function setHeadSize({ db }: { db: BoxDb }, meetingId: string, size: number): void {
  q(db, 'insert into head_sizes (m, size) values (?, ?) on conflict (m) do update set size = excluded.size').run(meetingId, size);
}

/** Creates the empty head of slot `k` (same key, created with the slot, in the same random order). */
export function insertEmptyHead({ db }: { db: BoxDb }, k: number, meetingId: string, size: number): void {
  q(db, 'insert into heads (k, m, f, h) values (?, ?, 0, zeroblob(?))').run(k, meetingId, size);
}

/** Writes a ballot's head into its slot's empty head, in place (same size); false if there is no such head empty. */
export function fillHead({ db }: { db: BoxDb }, k: number, head: Uint8Array): boolean {
  return q(db, 'update heads set f = 1, h = ? where k = ? and f = 0 and length(h) = ?').run(head, k, head.length).changes === 1;
}

/** How many of a meeting's heads hold a ballot. */
export function countFilledHeads({ db }: { db: BoxDb }, meetingId: string): number {
  return (q(db, 'select count(*) as n from heads where m = ? and f = 1').get(meetingId) as { n: number }).n;
}

/**
 * The heads of a meeting's ballots side by side in one buffer (`count` × `size` bytes, in key order), when there are
 * exactly `count` of them, each `size` bytes starting with `format`; undefined otherwise. SQLite joins them itself
 * (hex, concatenated, unhexed: half the time of handing over a hundred thousand small buffers one by one), reading
 * the meeting's key region [`from`, `to`) in key order rather than through the meeting's index where it can.
 */
export function packedHeads({ db }: { db: BoxDb }, meetingId: string, keys: { from: number; to: number }, size: number, format: number, count: number): Buffer | undefined {
  const joined = "select unhex(group_concat(hex(h), '')) as b, count(*) as n, sum(length(h) = ?) as sized from heads";
  type Joined = { b: Buffer | null; n: number; sized: number | null };
  let row = q(db, `${joined} where k >= ? and k < ? and +m = ? and f = 1`).get(size, keys.from, keys.to, meetingId) as Joined;
  // Slots created before meetings had key regions lie anywhere: then through the meeting's index.
  if (row.n !== count) row = q(db, `${joined} where m = ? and f = 1`).get(size, meetingId) as Joined;
  if (row.n !== count || (row.sized ?? 0) !== count) return undefined;
  const out = row.b ?? Buffer.alloc(0);
  if (out.length !== count * size) return undefined;
  for (let at = 0; at < out.length; at += size) if (out[at] !== format) return undefined;
  return out;
}

/** Creates a slot already holding a ballot (the one-time move of ballots written before the box). */
export function insertFilledSlot({ db }: { db: BoxDb }, k: number, meetingId: string, valid: boolean, record: Uint8Array): boolean {
  return q(db, 'insert or ignore into slots (k, m, f, v, r) values (?, ?, 1, ?, ?)').run(k, meetingId, valid ? 1 : 0, record).changes === 1;
}

/** The records of a meeting's ballots, in the order of their random slot keys (which says nothing about arrival). */
export function filledRecords({ db }: { db: BoxDb }, meetingId: string): Buffer[] {
  return (q(db, 'select r from ballots where m = ? order by k').all(meetingId) as Array<{ r: Buffer }>).map((x) => x.r);
}

/**
 * The slot keys of a meeting's ballots in key order, from the heads kept apart when `fromHeads` (a tenth of the
 * reading when every ballot has one), else from the slots.
 */
export function filledKeys({ db }: { db: BoxDb }, meetingId: string, fromHeads: boolean): number[] {
  const sql = fromHeads ? 'select k from heads where m = ? and f = 1 order by k' : 'select k from ballots where m = ? order by k';
  return q(db, sql).pluck(true).all(meetingId) as number[];
}

/**
 * A meeting's ballots counted by the first and third bytes of their records (a compact record's format and
 * category), from the heads kept apart when `fromHeads`, else from the records.
 */
export function countByHeader({ db }: { db: BoxDb }, meetingId: string, fromHeads: boolean): Array<[Buffer, Buffer, number]> {
  const sql = fromHeads
    ? 'select substr(h, 1, 1), substr(h, 3, 1), count(*) from heads where m = ? and f = 1 group by 1, 2'
    : 'select substr(r, 1, 1), substr(r, 3, 1), count(*) from ballots where m = ? group by 1, 2';
  return q(db, sql).raw(true).all(meetingId) as Array<[Buffer, Buffer, number]>;
}

/** The slot keys of a meeting's ballots whose record does not start with `format` (older JSON records). */
export function keysNotInFormat({ db }: { db: BoxDb }, meetingId: string, format: number): number[] {
  return q(db, 'select k from ballots where m = ? and substr(r, 1, 1) != ? order by k').pluck(true).all(meetingId, Buffer.from([format])) as number[];
}

/** The head kept apart for the ballot in slot `k` of the meeting (undefined when there is none). */
export function filledHead({ db }: { db: BoxDb }, meetingId: string, k: number): Buffer | undefined {
  return (q(db, 'select h from heads where k = ? and m = ? and f = 1').pluck(true).get(k, meetingId) as Buffer | undefined) ?? undefined;
}

/** The record of the ballot in slot `k` of the meeting (undefined when that slot holds no ballot of it). */
export function filledRecord({ db }: { db: BoxDb }, meetingId: string, k: number): Buffer | undefined {
  return (q(db, 'select r from ballots where k = ? and m = ?').pluck(true).get(k, meetingId) as Buffer | undefined) ?? undefined;
}

/**
 * The first `headSize` bytes of each of a meeting's ballot records, when every one of them is a compact record of
 * `recordSize` bytes (byte 0 = `format`); undefined when any is not (ballots stored before the meeting's layout).
 * The tally reads only the heads: the padded free text stays in SQLite.
 */
export function recordHeads({ db }: { db: BoxDb }, meetingId: string, layout: { recordSize: number; headSize: number; format: number }): Buffer[] | undefined {
  const rows = q(db, 'select substr(r, 1, ?) as h, length(r) as n from ballots where m = ?').all(layout.headSize, meetingId) as Array<{ h: Buffer; n: number }>;
  const heads: Buffer[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.n !== layout.recordSize || row.h[0] !== layout.format) return undefined;
    heads[i] = row.h;
  }
  return heads;
}
