import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { statement, type Conn } from '../db/client.js';
import { slipBatches, slips } from '../db/schema.js';

export type SlipRow = typeof slips.$inferSelect;

export function nextSerial({ db }: { db: Conn }, meetingId: string): number {
  const row = db.select({ max: sql<number | null>`max(${slips.serial})` }).from(slips).where(eq(slips.meetingId, meetingId)).get();
  return (row?.max ?? 0) + 1;
}

export function insertBatch({ db }: { db: Conn }, batch: typeof slipBatches.$inferInsert, rows: Array<typeof slips.$inferInsert>): void {
  db.insert(slipBatches).values(batch).run();
  // Chunked: SQLite limits the number of bound parameters per statement.
  for (let i = 0; i < rows.length; i += 500) db.insert(slips).values(rows.slice(i, i + 500)).run();
}

// The lookups and the update below run on every ballot page load and submit: prepared once per connection.
const SLIP_COLUMNS = `token_hash as tokenHash, short_code_hash as shortCodeHash, meeting_id as meetingId, batch_id as batchId,
  category, serial, status, nonce_hash as nonceHash, void_reason as voidReason`;

export function findSlipByTokenHash({ db }: { db: Conn }, tokenHash: string): SlipRow | undefined {
  return statement(db, `select ${SLIP_COLUMNS} from slips where token_hash = ?`).get(tokenHash) as SlipRow | undefined;
}

export function findSlipByShortCodeHash({ db }: { db: Conn }, shortCodeHash: string): SlipRow | undefined {
  return statement(db, `select ${SLIP_COLUMNS} from slips where short_code_hash = ?`).get(shortCodeHash) as SlipRow | undefined;
}

/** Marks an issued slip used; returns false when it was not in the `issued` state (already used or voided). */
export function consumeSlip({ db }: { db: Conn }, tokenHash: string, nonceHash: string | null): boolean {
  return statement(db, "update slips set status = 'used', nonce_hash = ? where token_hash = ? and status = 'issued'").run(nonceHash, tokenHash).changes === 1;
}

export type BatchRow = typeof slipBatches.$inferSelect;

export function findSlipBySerial({ db }: { db: Conn }, meetingId: string, serial: number): SlipRow | undefined {
  return db.select().from(slips).where(and(eq(slips.meetingId, meetingId), eq(slips.serial, serial))).get();
}

export function findBatch({ db }: { db: Conn }, batchId: string): BatchRow | undefined {
  return db.select().from(slipBatches).where(eq(slipBatches.id, batchId)).get();
}

export function slipsOfBatch({ db }: { db: Conn }, batchId: string): SlipRow[] {
  return db.select().from(slips).where(eq(slips.batchId, batchId)).orderBy(asc(slips.serial)).all();
}

/** Voids the given slips that are still unused; returns how many changed. */
export function voidIssuedSlips({ db }: { db: Conn }, tokenHashes: string[], reason: string): number {
  let changed = 0;
  for (let i = 0; i < tokenHashes.length; i += 500) {
    changed += db
      .update(slips)
      .set({ status: 'voided', voidReason: reason })
      .where(and(inArray(slips.tokenHash, tokenHashes.slice(i, i + 500)), eq(slips.status, 'issued')))
      .run().changes;
  }
  return changed;
}

export interface BatchCounts {
  batch: BatchRow;
  used: number;
  voided: number;
}

/** The batches of a meeting in issue order, each with its counts of used and voided slips (no secrets). */
export function batchesWithCounts({ db }: { db: Conn }, meetingId: string): BatchCounts[] {
  const batches = db.select().from(slipBatches).where(eq(slipBatches.meetingId, meetingId)).orderBy(asc(slipBatches.firstSerial)).all();
  const rows = db
    .select({ batchId: slips.batchId, status: slips.status, n: sql<number>`count(*)` })
    .from(slips)
    .where(eq(slips.meetingId, meetingId))
    .groupBy(slips.batchId, slips.status)
    .all();
  return batches.map((batch) => {
    const of = (status: string) => rows.find((r) => r.batchId === batch.id && r.status === status)?.n ?? 0;
    return { batch, used: of('used'), voided: of('voided') };
  });
}

export interface SlipCounts {
  issued: number;
  used: number;
  voided: number;
}

export function countSlips({ db }: { db: Conn }, meetingId: string): SlipCounts {
  const rows = db.select({ status: slips.status, n: sql<number>`count(*)` }).from(slips).where(eq(slips.meetingId, meetingId)).groupBy(slips.status).all();
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n])) as Partial<Record<'issued' | 'used' | 'voided', number>>;
  const used = by.used ?? 0;
  const voided = by.voided ?? 0;
  return { issued: (by.issued ?? 0) + used + voided, used, voided };
}
