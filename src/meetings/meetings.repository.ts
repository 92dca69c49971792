import { asc, eq, inArray, sql } from 'drizzle-orm';
import { statement, type Conn } from '../db/client.js';
import { categories, meetingAssessors, meetings, subjects } from '../db/schema.js';
import { ballotCounts } from '../ballots/index.js';
import { countSlipRows } from '../slips/index.js';

export type MeetingRow = typeof meetings.$inferSelect;
export type SubjectRow = typeof subjects.$inferSelect;
export type CategoryRow = typeof categories.$inferSelect;

export interface MeetingRecord {
  meeting: MeetingRow;
  subjects: SubjectRow[];
  categories: CategoryRow[];
  assessorIds: string[];
}

export function insertMeeting(
  { db }: { db: Conn },
  rec: { meeting: typeof meetings.$inferInsert; subjects: Array<typeof subjects.$inferInsert>; categories: Array<typeof categories.$inferInsert>; assessorIds: string[] },
): void {
  db.insert(meetings).values(rec.meeting).run();
  if (rec.subjects.length > 0) db.insert(subjects).values(rec.subjects).run();
  if (rec.categories.length > 0) db.insert(categories).values(rec.categories).run();
  for (const userId of rec.assessorIds) db.insert(meetingAssessors).values({ meetingId: rec.meeting.id, userId }).run();
}

export function findMeeting({ db }: { db: Conn }, id: string): MeetingRecord | undefined {
  const meeting = db.select().from(meetings).where(eq(meetings.id, id)).get();
  if (!meeting) return undefined;
  return {
    meeting,
    subjects: db.select().from(subjects).where(eq(subjects.meetingId, id)).orderBy(asc(subjects.position)).all(),
    categories: db.select().from(categories).where(eq(categories.meetingId, id)).orderBy(asc(categories.position)).all(),
    assessorIds: db.select({ userId: meetingAssessors.userId }).from(meetingAssessors).where(eq(meetingAssessors.meetingId, id)).all().map((r) => r.userId),
  };
}

export function listMeetings({ db }: { db: Conn }, filter: { assessorId?: string }): MeetingRow[] {
  if (filter.assessorId) {
    const ids = db.select({ id: meetingAssessors.meetingId }).from(meetingAssessors).where(eq(meetingAssessors.userId, filter.assessorId)).all().map((r) => r.id);
    if (ids.length === 0) return [];
    return db.select().from(meetings).where(inArray(meetings.id, ids)).orderBy(asc(meetings.createdAt)).all();
  }
  return db.select().from(meetings).orderBy(asc(meetings.createdAt)).all();
}

export function updateMeeting({ db }: { db: Conn }, id: string, patch: Partial<typeof meetings.$inferInsert>): void {
  db.update(meetings)
    .set({ ...patch, version: sql`${meetings.version} + 1` })
    .where(eq(meetings.id, id))
    .run();
}

export interface SlipCounts {
  issued: number;
  used: number;
  voided: number;
}

/** Slips issued and voided come from the slip rows; slips used from the ballot box (no slip row says it was used). */
export function countSlips({ db }: { db: Conn }, meetingId: string): SlipCounts {
  const rows = countSlipRows({ db }, meetingId);
  return { issued: rows.issued, used: ballotCounts({ db }, meetingId).used, voided: rows.voided };
}

export function countBallots({ db }: { db: Conn }, meetingId: string): { cast: number; valid: number } {
  const c = ballotCounts({ db }, meetingId);
  return { cast: c.cast, valid: c.valid };
}

export function setAssessors({ db }: { db: Conn }, meetingId: string, userIds: string[]): void {
  db.delete(meetingAssessors).where(eq(meetingAssessors.meetingId, meetingId)).run();
  for (const userId of userIds) db.insert(meetingAssessors).values({ meetingId, userId }).run();
}

export function isMeetingOpen({ db }: { db: Conn }, meetingId: string): boolean {
  return statement(db, "select 1 from meetings where id = ? and status = 'open'").get(meetingId) !== undefined;
}

/** The meeting's version, bumped by every change to it (see updateMeeting): the key of cached meeting records. */
export function meetingVersion({ db }: { db: Conn }, meetingId: string): number | undefined {
  return (statement(db, 'select version from meetings where id = ?').get(meetingId) as { version: number } | undefined)?.version;
}
