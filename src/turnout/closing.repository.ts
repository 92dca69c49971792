import { desc, eq } from 'drizzle-orm';
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

export function findClosingReport({ db }: { db: Conn }, meetingId: string, reportId?: string): ClosingReportRow | undefined {
  const q = db.select().from(closingReports).where(eq(closingReports.meetingId, meetingId));
  if (reportId === undefined) return q.orderBy(desc(closingReports.closedAt)).limit(1).get();
  return q.all().find((r) => r.id === reportId);
}
