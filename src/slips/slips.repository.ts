import { and, eq, sql } from 'drizzle-orm';
import type { Conn } from '../db/client.js';
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

export function findSlipByTokenHash({ db }: { db: Conn }, tokenHash: string): SlipRow | undefined {
  return db.select().from(slips).where(eq(slips.tokenHash, tokenHash)).get();
}

export function findSlipByShortCodeHash({ db }: { db: Conn }, shortCodeHash: string): SlipRow | undefined {
  return db.select().from(slips).where(eq(slips.shortCodeHash, shortCodeHash)).get();
}

/** Marks an issued slip used; returns false when it was not in the `issued` state (already used or voided). */
export function consumeSlip({ db }: { db: Conn }, tokenHash: string, nonceHash: string | null): boolean {
  const res = db
    .update(slips)
    .set({ status: 'used', nonceHash })
    .where(and(eq(slips.tokenHash, tokenHash), eq(slips.status, 'issued')))
    .run();
  return res.changes === 1;
}
