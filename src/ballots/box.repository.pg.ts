// Every statement of the PostgreSQL ballot box (src/ballots/box-store.pg.ts) on its tables `box_markers` and
// `box_ballots` (src/db/schema.pg.ts). A group of rows travels as arrays and is taken apart by `unnest`, so a group is
// one statement whatever its size, and the rows are written in the order of the arrays (which the store shuffles).
import type pg from 'pg';

import type { PgConn } from '../db/postgres.js';

export type { PgConn };

export interface BoxMarkerRow {
  key: Buffer;
  meetingId: string;
  batchId: string;
  used: boolean;
  nonceHash: Buffer | null;
}

const MARKER_COLUMNS = 'key, meeting_id as "meetingId", batch_id as "batchId", used, nonce_hash as "nonceHash"';

/** Creates unused markers in the order given; a marker that exists already is left as it is. Returns how many were new. */
export async function insertMarkers({ db }: { db: PgConn }, rows: ReadonlyArray<{ key: Buffer; meetingId: string; batchId: string }>): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await db.query({
    name: 'box-insert-markers',
    text: `insert into box_markers (key, meeting_id, batch_id)
      select * from unnest($1::bytea[], $2::text[], $3::text[])
      on conflict (key) do nothing`,
    values: [rows.map((x) => x.key), rows.map((x) => x.meetingId), rows.map((x) => x.batchId)],
  });
  return r.rowCount ?? 0;
}

/**
 * Moves the markers that slips' issuing left in `slip_markers` (src/slips/slips.repository.ts, the same table as on
 * SQLite) into the box, in a random order, and deletes them there. Returns how many were moved. Two groups moving at
 * once do not move a marker twice: the second's delete waits for the first and then finds the rows gone.
 */
export async function movePendingMarkers({ db }: { db: PgConn }): Promise<number> {
  const r = await db.query({
    name: 'box-move-pending-markers',
    text: `with moved as (delete from slip_markers returning marker_key, meeting_id, batch_id)
      insert into box_markers (key, meeting_id, batch_id)
      select decode(marker_key, 'hex'), meeting_id, batch_id from moved order by random()
      on conflict (key) do nothing`,
  });
  return r.rowCount ?? 0;
}

/**
 * Locks the markers with these keys (those that exist) until the transaction ends, in key order, and returns them as
 * they are once locked: a vote of another instance on one of them is either committed before (seen as used here) or
 * waits for this transaction. Always the same order, so two groups sharing markers cannot deadlock.
 */
export async function lockMarkers({ db }: { db: PgConn }, keys: readonly Buffer[]): Promise<BoxMarkerRow[]> {
  const r = await db.query<BoxMarkerRow>({
    name: 'box-lock-markers',
    text: `select ${MARKER_COLUMNS} from box_markers where key = any($1::bytea[]) order by key for update`,
    values: [keys],
  });
  return r.rows;
}

/** Flips unused markers to used with their nonce hashes (null for none). Returns how many were flipped. */
export async function useMarkers({ db }: { db: PgConn }, keys: readonly Buffer[], nonceHashes: ReadonlyArray<Buffer | null>): Promise<number> {
  const r = await db.query({
    name: 'box-use-markers',
    text: `update box_markers m set used = true, nonce_hash = u.nonce_hash
      from unnest($1::bytea[], $2::bytea[]) as u(key, nonce_hash)
      where m.key = u.key and not m.used`,
    values: [keys, nonceHashes],
  });
  return r.rowCount ?? 0;
}

export async function findMarker({ db }: { db: PgConn }, key: Buffer): Promise<BoxMarkerRow | undefined> {
  const r = await db.query<BoxMarkerRow>({ name: 'box-find-marker', text: `select ${MARKER_COLUMNS} from box_markers where key = $1`, values: [key] });
  return r.rows[0];
}

/** Stores ballots, in the order given. */
export async function insertBallots(
  { db }: { db: PgConn },
  rows: ReadonlyArray<{ key: Buffer; meetingId: string; valid: boolean; head: Buffer | null; record: Buffer }>,
): Promise<number> {
  const r = await db.query({
    name: 'box-insert-ballots',
    text: `insert into box_ballots (key, meeting_id, valid, head, record)
      select * from unnest($1::bytea[], $2::text[], $3::boolean[], $4::bytea[], $5::bytea[])`,
    values: [rows.map((x) => x.key), rows.map((x) => x.meetingId), rows.map((x) => x.valid), rows.map((x) => x.head), rows.map((x) => x.record)],
  });
  return r.rowCount ?? 0;
}

/** The records of a meeting's ballots, in the order of their random keys. */
export async function ballotRecords({ db }: { db: PgConn }, meetingId: string): Promise<Buffer[]> {
  const r = await db.query<{ record: Buffer }>({ name: 'box-records', text: 'select record from box_ballots where meeting_id = $1 order by key', values: [meetingId] });
  return r.rows.map((x) => x.record);
}

/** The heads of a meeting's ballots, in the order of their random keys (null for a ballot without one). */
export async function ballotHeads({ db }: { db: PgConn }, meetingId: string): Promise<Array<Buffer | null>> {
  const r = await db.query<{ head: Buffer | null }>({ name: 'box-heads', text: 'select head from box_ballots where meeting_id = $1 order by key', values: [meetingId] });
  return r.rows.map((x) => x.head);
}

export async function ballotCounts({ db }: { db: PgConn }, meetingId: string): Promise<{ cast: number; valid: number }> {
  const r = await db.query<{ cast: string; valid: string }>({
    name: 'box-ballot-counts',
    text: 'select count(*) as cast, count(*) filter (where valid) as valid from box_ballots where meeting_id = $1',
    values: [meetingId],
  });
  return { cast: Number(r.rows[0]!.cast), valid: Number(r.rows[0]!.valid) };
}

/**
 * What a group's vote re-checks in its own transaction, after its lock (src/ballots/ballot-box.pg.ts): which of these
 * meetings are no longer open, and which of these slips (by token hash) are voided.
 */
export async function refusals({ db }: { db: PgConn }, meetingIds: readonly string[], tokenHashes: readonly string[]): Promise<{ notOpen: Set<string>; voided: Set<string> }> {
  const [meetings, slips] = [
    await db.query<{ id: string }>({ name: 'box-meetings-not-open', text: "select id from meetings where id = any($1::text[]) and status <> 'open'", values: [meetingIds] }),
    await db.query<{ tokenHash: string }>({ name: 'box-slips-voided', text: "select token_hash as \"tokenHash\" from slips where token_hash = any($1::text[]) and status = 'voided'", values: [tokenHashes] }),
  ];
  return { notOpen: new Set(meetings.rows.map((r) => r.id)), voided: new Set(slips.rows.map((r) => r.tokenHash)) };
}

/**
 * What an export reads before the records: a meeting's ballot keys in key order, with each record's first byte
 * (its format) and third (its category).
 */
export async function ballotIndexRows({ db }: { db: PgConn }, meetingId: string): Promise<Array<{ key: Buffer; format: number; category: number }>> {
  const r = await db.query<{ key: Buffer; format: number; category: number }>({
    name: 'box-ballot-index',
    text: 'select key, get_byte(record, 0) as format, case when length(record) > 2 then get_byte(record, 2) else 0 end as category from box_ballots where meeting_id = $1 order by key',
    values: [meetingId],
  });
  return r.rows;
}

/** The head and record of the ballots with these keys, in no particular order. */
export async function ballotsByKey({ db }: { db: PgConn }, keys: readonly Buffer[]): Promise<Array<{ key: Buffer; head: Buffer | null; record: Buffer }>> {
  const r = await db.query<{ key: Buffer; head: Buffer | null; record: Buffer }>({ name: 'box-ballots-by-key', text: 'select key, head, record from box_ballots where key = any($1::bytea[])', values: [keys] });
  return r.rows;
}

/** Used markers of a meeting by batch. */
export async function usedMarkersByBatch({ db }: { db: PgConn }, meetingId: string): Promise<Array<[string, number]>> {
  const r = await db.query<{ batchId: string; n: string }>({
    name: 'box-used-by-batch',
    text: 'select batch_id as "batchId", count(*) as n from box_markers where meeting_id = $1 and used group by batch_id order by batch_id',
    values: [meetingId],
  });
  return r.rows.map((x) => [x.batchId, Number(x.n)]);
}

/**
 * Takes, for the rest of the transaction, the lock a vote takes on the box's tables (ROW EXCLUSIVE, which any number
 * of votes hold together): a vote then waits for a close that is rewriting, and a close for the votes in flight.
 */
export async function lockForVote({ db }: { db: PgConn }): Promise<void> {
  await db.query('lock table box_markers, box_ballots in row exclusive mode');
}

/**
 * Takes the close's lock (SHARE ROW EXCLUSIVE: it waits for the votes in flight, holds new ones back until the
 * transaction ends, and lets only one close rewrite at a time).
 */
export async function lockForClose({ db }: { db: PgConn }): Promise<void> {
  await db.query('lock table box_markers, box_ballots in share row exclusive mode');
}

export async function ballotKeys({ db }: { db: PgConn }, meetingId: string): Promise<Buffer[]> {
  return (await db.query<{ key: Buffer }>('select key from box_ballots where meeting_id = $1', [meetingId])).rows.map((x) => x.key);
}

export async function markerKeys({ db }: { db: PgConn }, meetingId: string): Promise<Buffer[]> {
  return (await db.query<{ key: Buffer }>('select key from box_markers where meeting_id = $1', [meetingId])).rows.map((x) => x.key);
}

/**
 * Deletes a meeting's ballots and writes them anew in one statement: `oldKeys[i]` becomes `newKeys[i]`, and rows are
 * written in the order of the arrays. Returns how many were written.
 */
export async function rewriteBallots({ db }: { db: PgConn }, meetingId: string, oldKeys: readonly Buffer[], newKeys: readonly Buffer[]): Promise<number> {
  const r = await db.query(
    `with old as (delete from box_ballots where meeting_id = $1 returning key, meeting_id, valid, head, record)
    insert into box_ballots (key, meeting_id, valid, head, record)
    select p.new_key, old.meeting_id, old.valid, old.head, old.record
    from old join unnest($2::bytea[], $3::bytea[]) with ordinality as p(old_key, new_key, place) on p.old_key = old.key
    order by p.place`,
    [meetingId, oldKeys, newKeys],
  );
  return r.rowCount ?? 0;
}

/** Deletes a meeting's markers and writes them anew, unchanged, in the order of `keys`. Returns how many were written. */
export async function rewriteMarkers({ db }: { db: PgConn }, meetingId: string, keys: readonly Buffer[]): Promise<number> {
  const r = await db.query(
    `with old as (delete from box_markers where meeting_id = $1 returning key, meeting_id, batch_id, used, nonce_hash)
    insert into box_markers (key, meeting_id, batch_id, used, nonce_hash)
    select old.key, old.meeting_id, old.batch_id, old.used, old.nonce_hash
    from old join unnest($2::bytea[]) with ordinality as p(key, place) on p.key = old.key
    order by p.place`,
    [meetingId, keys],
  );
  return r.rowCount ?? 0;
}

/** A notice of VACUUM VERBOSE, as node-postgres hands it over. */
export interface VacuumNotice {
  message?: string;
  detail?: string;
  routine?: string;
}

/**
 * Rewrites both tables into new files (VACUUM FULL), keeping only the row versions some snapshot can still see.
 * Cannot run inside a transaction. Gives up with PostgreSQL's lock_not_available (55P03) if it cannot take its
 * exclusive lock within `lockTimeoutMs` (a long transaction on the tables: votes queue behind the waiting lock).
 * Returns VERBOSE's notices, which say how many dead row versions had to be kept.
 */
export async function vacuumFull({ db }: { db: pg.ClientBase }, lockTimeoutMs: number): Promise<VacuumNotice[]> {
  const notices: VacuumNotice[] = [];
  const listen = (n: VacuumNotice) => notices.push(n);
  db.on('notice', listen);
  try {
    await db.query(`set lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    await db.query('vacuum (full, verbose) box_ballots, box_markers');
  } finally {
    db.off('notice', listen);
    await db.query('reset lock_timeout');
  }
  return notices;
}
