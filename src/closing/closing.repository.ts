import { desc, eq, sql } from 'drizzle-orm';
import { tablesOf, first, type Conn } from '../db/client.js';
import type { closingReports } from '../db/schema.js';

export type ClosingReportRow = typeof closingReports.$inferSelect;

export async function insertClosingReport({ db }: { db: Conn }, row: typeof closingReports.$inferInsert): Promise<void> {
  const { closingReports } = tablesOf(db);
  await db.insert(closingReports).values(row);
}

/** The closing reports of a meeting, newest first (a reopened and re-closed poll has several). */
export async function listClosingReports({ db }: { db: Conn }, meetingId: string): Promise<Array<Pick<ClosingReportRow, 'id' | 'closedAt' | 'closedBy'>>> {
  const { closingReports } = tablesOf(db);
  return await db
    .select({ id: closingReports.id, closedAt: closingReports.closedAt, closedBy: closingReports.closedBy })
    .from(closingReports)
    .where(eq(closingReports.meetingId, meetingId))
    .orderBy(desc(closingReports.closedAt));
}

/** A report by id (of that meeting, when one is given), or the meeting's latest when no id is given. */
export async function findClosingReport({ db }: { db: Conn }, meetingId: string | undefined, reportId?: string): Promise<ClosingReportRow | undefined> {
  const { closingReports } = tablesOf(db);
  if (reportId !== undefined) {
    const row = await first(db.select().from(closingReports).where(eq(closingReports.id, reportId)));
    return row && (meetingId === undefined || row.meetingId === meetingId) ? row : undefined;
  }
  if (meetingId === undefined) return undefined;
  return first(db.select().from(closingReports).where(eq(closingReports.meetingId, meetingId)).orderBy(desc(closingReports.closedAt)).limit(1));
}

export async function updateClosingReport({ db }: { db: Conn }, id: string, report: Record<string, unknown>): Promise<void> {
  const { closingReports } = tablesOf(db);
  await db.update(closingReports).set({ report }).where(eq(closingReports.id, id));
}

/** Reports whose exports may still be unarchived: the JSON says which (closing.usecases.ts). */
export async function pendingClosingReports({ db }: { db: Conn }): Promise<ClosingReportRow[]> {
  const { closingReports } = tablesOf(db);
  // Filtered here rather than in SQL, which reads JSON differently on each engine: closing reports are few.
  return (await db.select().from(closingReports)).filter((r) => (r.report as { pending?: unknown }).pending === true);
}
