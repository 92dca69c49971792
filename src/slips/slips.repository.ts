import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import { engineOf, tablesOf, affected, first, statement, type Conn } from '../db/client.js';
import type { slipBatches, slipMarkers, slips } from '../db/schema.js';

export type SlipRow = typeof slips.$inferSelect;

export async function nextSerial({ db }: { db: Conn }, meetingId: string): Promise<number> {
  const { slips } = tablesOf(db);
  const row = await first(db.select({ max: sql<number | null>`max(${slips.serial})`.mapWith(Number) }).from(slips).where(eq(slips.meetingId, meetingId)));
  return (row?.max ?? 0) + 1;
}

/** A new slip's row (its status starts as issued). */
export type NewSlipRow = Pick<typeof slips.$inferInsert, 'tokenHash' | 'shortCodeHash' | 'tokenWrap' | 'meetingId' | 'batchId' | 'category' | 'serial'>;

/** Rows per statement when a batch is written through the query builder (PostgreSQL): well under its 65,535 parameters. */
const ROWS_PER_INSERT = 1000;

export async function insertBatch({ db }: { db: Conn }, batch: typeof slipBatches.$inferInsert, rows: readonly NewSlipRow[]): Promise<void> {
  const { slipBatches, slips } = tablesOf(db);
  await db.insert(slipBatches).values(batch);
  if (engineOf(db)) {
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await db.insert(slips).values(rows.slice(i, i + ROWS_PER_INSERT).map((r) => ({ ...r, status: 'issued' as const })));
    return;
  }
  // SQLite: one prepared statement run per row: a batch of 10,000 slips built as multi-row inserts left about 7 KB of
  // garbage per slip (the query builder's objects), hundreds of MB for a large issue, collected later in long pauses.
  const insert = statement(db, "insert into slips (token_hash, short_code_hash, token_wrap, meeting_id, batch_id, category, serial, status) values (?, ?, ?, ?, ?, ?, ?, 'issued')");
  for (const r of rows) insert.run(r.tokenHash, r.shortCodeHash, r.tokenWrap ?? null, r.meetingId, r.batchId, r.category ?? null, r.serial);
}

// The lookups and the update below run on every ballot page load and submit: prepared once per connection.
const SLIP_COLUMNS = `token_hash as tokenHash, short_code_hash as shortCodeHash, token_wrap as tokenWrap, meeting_id as meetingId,
  batch_id as batchId, category, serial, status, nonce_hash as nonceHash, void_reason as voidReason`;
// Whole strings, built once: `statement` finds its prepared statement by the text, which a template built per call
// would have to assemble and hash again on every ballot.
// What the voter's path reads of a slip (SlipKeyRow), with the table's alias `t` (or none).
const keyColumns = (t = '') =>
  `${t}token_hash as tokenHash, ${t}token_wrap as tokenWrap, ${t}meeting_id as meetingId, ${t}batch_id as batchId, ${t}category as category, ${t}status as status`;
const BY_TOKEN_HASH = `select ${keyColumns()} from slips where token_hash = ?`;
const BY_SHORT_CODE_HASH = `select ${SLIP_COLUMNS} from slips where short_code_hash = ?`;

/** What the voter's path reads of a slip found by its token: no serial, no short code hash. */
export type SlipKeyRow = Pick<SlipRow, 'tokenHash' | 'tokenWrap' | 'meetingId' | 'batchId' | 'category' | 'status'>;

// The same slip with its meeting's version, in one statement: one snapshot of both, without a read transaction.
const BY_TOKEN_HASH_WITH_VERSION = `select ${keyColumns('s.')}, m.version as meetingVersion
  from slips s join meetings m on m.id = s.meeting_id where s.token_hash = ?`;

export async function findSlipByTokenHash({ db }: { db: Conn }, tokenHash: string): Promise<SlipKeyRow | undefined> {
  if (!engineOf(db)) return slipByTokenHashNow({ db }, tokenHash);
  const { slips } = tablesOf(db);
  const columns = { tokenHash: slips.tokenHash, tokenWrap: slips.tokenWrap, meetingId: slips.meetingId, batchId: slips.batchId, category: slips.category, status: slips.status };
  return first(db.select(columns).from(slips).where(eq(slips.tokenHash, tokenHash)));
}

/**
 * SQLite only: the slip with this token hash and the version of its meeting, read by one statement (so from one
 * snapshot, as a read transaction around two reads would give, without its BEGIN and COMMIT).
 */
export function slipWithMeetingVersionNow({ db }: { db: Conn }, tokenHash: string): (SlipKeyRow & { meetingVersion: number }) | undefined {
  return statement(db, BY_TOKEN_HASH_WITH_VERSION).get(tokenHash) as (SlipKeyRow & { meetingVersion: number }) | undefined;
}

/** SQLite's prepared lookup, synchronous: for the ballot box's own checks between two writes of its thread. */
export function slipByTokenHashNow({ db }: { db: Conn }, tokenHash: string): SlipKeyRow | undefined {
  return statement(db, BY_TOKEN_HASH).get(tokenHash) as SlipKeyRow | undefined;
}

export async function findSlipByShortCodeHash({ db }: { db: Conn }, shortCodeHash: string): Promise<SlipRow | undefined> {
  if (!engineOf(db)) return statement(db, BY_SHORT_CODE_HASH).get(shortCodeHash) as SlipRow | undefined;
  const { slips } = tablesOf(db);
  return first(db.select().from(slips).where(eq(slips.shortCodeHash, shortCodeHash)));
}

/**
 * The "used" markers of newly issued slips, for the ballot box to take in (src/ballots/ballot-box.ts). Each
 * batch's markers are inserted in a random order, so `seq` orders batches (as their serials do) and nothing
 * within one. The key names no slip: it derives from the token, which the database never holds.
 */
export async function insertPendingMarkers({ db }: { db: Conn }, rows: Array<{ markerKey: string; meetingId: string; batchId: string }>): Promise<void> {
  if (engineOf(db)) {
    const { slipMarkers } = tablesOf(db);
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await db.insert(slipMarkers).values(rows.slice(i, i + ROWS_PER_INSERT));
    return;
  }
  const insert = statement(db, 'insert into slip_markers (marker_key, meeting_id, batch_id) values (?, ?, ?)');
  for (const r of rows) insert.run(r.markerKey, r.meetingId, r.batchId);
}

export interface PendingMarker {
  seq: number;
  markerKey: string;
  meetingId: string;
  batchId: string;
}

/** Markers issued after `afterSeq`, in `seq` order. */
export function pendingMarkersAfter({ db }: { db: Conn }, afterSeq: number): PendingMarker[] {
  return statement(db, 'select seq, marker_key as markerKey, meeting_id as meetingId, batch_id as batchId from slip_markers where seq > ? order by seq').all(afterSeq) as PendingMarker[];
}

/** Slips issued before markers existed (no token_wrap) that can still vote or have voted: for the one-time move. */
export function legacySlips({ db }: { db: Conn }): Array<Pick<SlipRow, 'tokenHash' | 'meetingId' | 'batchId' | 'status' | 'nonceHash'>> {
  return statement(db, "select token_hash as tokenHash, meeting_id as meetingId, batch_id as batchId, status, nonce_hash as nonceHash from slips where token_wrap is null and status != 'voided'").all() as never;
}

/** After the one-time move: a slip row no longer says whether it was used (the ballot box does). */
export function forgetLegacyUse({ db }: { db: Conn }): number {
  return statement(db, "update slips set status = 'issued', nonce_hash = null where status = 'used'").run().changes;
}

export type BatchRow = typeof slipBatches.$inferSelect;

export async function findSlipBySerial({ db }: { db: Conn }, meetingId: string, serial: number): Promise<SlipRow | undefined> {
  const { slips } = tablesOf(db);
  return first(db.select().from(slips).where(and(eq(slips.meetingId, meetingId), eq(slips.serial, serial))));
}

export async function findBatch({ db }: { db: Conn }, batchId: string): Promise<BatchRow | undefined> {
  const { slipBatches } = tablesOf(db);
  return first(db.select().from(slipBatches).where(eq(slipBatches.id, batchId)));
}

export async function slipsOfBatch({ db }: { db: Conn }, batchId: string): Promise<SlipRow[]> {
  const { slips } = tablesOf(db);
  return await db.select().from(slips).where(eq(slips.batchId, batchId)).orderBy(asc(slips.serial));
}

/** Voids the given slips that are not voided yet; returns how many changed. */
export async function voidSlipRows({ db }: { db: Conn }, tokenHashes: string[], reason: string): Promise<number> {
  const { slips } = tablesOf(db);
  let changed = 0;
  for (let i = 0; i < tokenHashes.length; i += 500) {
    changed += affected(await db
      .update(slips)
      .set({ status: 'voided', voidReason: reason })
      .where(and(inArray(slips.tokenHash, tokenHashes.slice(i, i + 500)), ne(slips.status, 'voided'))));
  }
  return changed;
}

/** Slips of a meeting by state: issued (all) and voided. Whether a slip was used is the ballot box's to count. */
export async function countSlipRows({ db }: { db: Conn }, meetingId: string): Promise<{ issued: number; voided: number }> {
  const { slips } = tablesOf(db);
  const row = await first(db
    .select({ issued: sql<number>`count(*)`.mapWith(Number), voided: sql<number>`coalesce(sum(case when ${slips.status} = 'voided' then 1 else 0 end), 0)`.mapWith(Number) })
    .from(slips)
    .where(eq(slips.meetingId, meetingId)));
  return { issued: row?.issued ?? 0, voided: row?.voided ?? 0 };
}

export interface BatchCounts {
  batch: BatchRow;
  voided: number;
}

/** The batches of a meeting in issue order, each with its count of voided slips (no secrets). */
export async function batchesWithCounts({ db }: { db: Conn }, meetingId: string): Promise<BatchCounts[]> {
  const { slipBatches, slips } = tablesOf(db);
  const batches = await db.select().from(slipBatches).where(eq(slipBatches.meetingId, meetingId)).orderBy(asc(slipBatches.firstSerial));
  const rows = await db
    .select({ batchId: slips.batchId, n: sql<number>`count(*)`.mapWith(Number) })
    .from(slips)
    .where(and(eq(slips.meetingId, meetingId), eq(slips.status, 'voided')))
    .groupBy(slips.batchId);
  return batches.map((batch) => ({ batch, voided: rows.find((r) => r.batchId === batch.id)?.n ?? 0 }));
}

export interface SlipCounts {
  issued: number;
  used: number;
  voided: number;
}

export async function countSlips({ db }: { db: Conn }, meetingId: string): Promise<SlipCounts> {
  const { slips } = tablesOf(db);
  const rows = await db.select({ status: slips.status, n: sql<number>`count(*)`.mapWith(Number) }).from(slips).where(eq(slips.meetingId, meetingId)).groupBy(slips.status);
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n])) as Partial<Record<'issued' | 'used' | 'voided', number>>;
  const used = by.used ?? 0;
  const voided = by.voided ?? 0;
  return { issued: (by.issued ?? 0) + used + voided, used, voided };
}
