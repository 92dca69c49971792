import { desc, eq, sql } from 'drizzle-orm';
import type { Conn } from '../db/client.js';
import { closingReports } from '../db/schema.js';

export type ClosingReportRow = typeof closingReports.$inferSelect;

export function insertClosingReport({ db }: { db: Conn }, row: typeof closingReports.$inferInsert): void {
  db.insert(closingReports).values(row).run();
}

/** The closing reports of a meeting, newest first (a reopened and re-closed poll has several). */
export function listClosingReports({ db }: { db: Conn }, meetingId: string): Array<Pick<ClosingReportRow, 'id' | 'closedAt' | 'closedBy'>> {
  return db
    .select({ id: closingReports.id, closedAt: closingReports.closedAt, closedBy: closingReports.closedBy })
    .from(closingReports)
    .where(eq(closingReports.meetingId, meetingId))
    .orderBy(desc(closingReports.closedAt))
    .all();
}

/** A report by id (of that meeting, when one is given), or the meeting's latest when no id is given. */
export function findClosingReport({ db }: { db: Conn }, meetingId: string | undefined, reportId?: string): ClosingReportRow | undefined {
  if (reportId !== undefined) {
    const row = db.select().from(closingReports).where(eq(closingReports.id, reportId)).get();
    return row && (meetingId === undefined || row.meetingId === meetingId) ? row : undefined;
  }
  if (meetingId === undefined) return undefined;
  return db.select().from(closingReports).where(eq(closingReports.meetingId, meetingId)).orderBy(desc(closingReports.closedAt)).limit(1).get();
}

export function updateClosingReport({ db }: { db: Conn }, id: string, report: Record<string, unknown>): void {
  db.update(closingReports).set({ report }).where(eq(closingReports.id, id)).run();
}

/** Reports whose exports may still be unarchived: the JSON says which (closing.usecases.ts). */
export function pendingClosingReports({ db }: { db: Conn }): ClosingReportRow[] {
  return db.select().from(closingReports).where(sql`json_extract(${closingReports.report}, '$.pending') = 1`).all();
}
