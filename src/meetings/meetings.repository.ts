import { asc, eq, inArray, sql } from 'drizzle-orm';
import { statement, type Conn } from '../db/client.js';
import { assessmentLinks, categories, meetingAssessors, meetings, slipBatches, subjects } from '../db/schema.js';

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

/**
 * The meetings a user may see, whole, in four queries whatever their number (one per table), oldest first.
 * `assessorId` limits the list to the meetings that assessor is assigned to.
 */
export function listMeetingRecords({ db }: { db: Conn }, filter: { assessorId?: string }): MeetingRecord[] {
  const rows = filter.assessorId
    ? db
        .select({ meeting: meetings })
        .from(meetings)
        .innerJoin(meetingAssessors, eq(meetingAssessors.meetingId, meetings.id))
        .where(eq(meetingAssessors.userId, filter.assessorId))
        .orderBy(asc(meetings.createdAt))
        .all()
        .map((r) => r.meeting)
    : db.select().from(meetings).orderBy(asc(meetings.createdAt)).all();
  if (rows.length === 0) return [];
  const ids = rows.map((m) => m.id);
  const group = <T extends { meetingId: string }>(list: T[]) => {
    const by = new Map<string, T[]>();
    for (const r of list) (by.get(r.meetingId) ?? by.set(r.meetingId, []).get(r.meetingId)!).push(r);
    return by;
  };
  const subjectsBy = group(db.select().from(subjects).where(inArray(subjects.meetingId, ids)).orderBy(asc(subjects.position)).all());
  const categoriesBy = group(db.select().from(categories).where(inArray(categories.meetingId, ids)).orderBy(asc(categories.position)).all());
  const assessorsBy = group(db.select().from(meetingAssessors).where(inArray(meetingAssessors.meetingId, ids)).all());
  return rows.map((meeting) => ({
    meeting,
    subjects: subjectsBy.get(meeting.id) ?? [],
    categories: categoriesBy.get(meeting.id) ?? [],
    assessorIds: (assessorsBy.get(meeting.id) ?? []).map((a) => a.userId),
  }));
}

/**
 * Every write to a meeting or to what hangs off it (subjects, categories, assessors) bumps its version, here in
 * the repository, so cached records (loadMeetingCached) are never stale whoever writes.
 */
function bumpVersion(db: Conn, id: string): void {
  db.update(meetings)
    .set({ version: sql`${meetings.version} + 1` })
    .where(eq(meetings.id, id))
    .run();
}

export function updateMeeting({ db }: { db: Conn }, id: string, patch: Partial<Omit<typeof meetings.$inferInsert, 'id' | 'version'>>): void {
  db.update(meetings)
    .set({ ...patch, version: sql`${meetings.version} + 1` })
    .where(eq(meetings.id, id))
    .run();
}

export function setAssessors({ db }: { db: Conn }, meetingId: string, userIds: string[]): void {
  db.delete(meetingAssessors).where(eq(meetingAssessors.meetingId, meetingId)).run();
  for (const userId of userIds) db.insert(meetingAssessors).values({ meetingId, userId }).run();
  bumpVersion(db, meetingId);
}

export function isMeetingOpen({ db }: { db: Conn }, meetingId: string): boolean {
  return statement(db, "select 1 from meetings where id = ? and status = 'open'").get(meetingId) !== undefined;
}

/** The meeting's version, bumped by every change to it (see updateMeeting): the key of cached meeting records. */
export function meetingVersion({ db }: { db: Conn }, meetingId: string): number | undefined {
  return (statement(db, 'select version from meetings where id = ?').get(meetingId) as { version: number } | undefined)?.version;
}

/** True once any slip (phone or paper) has been issued for the meeting, used or not, voided or not. */
export function hasIssuedSlips({ db }: { db: Conn }, meetingId: string): boolean {
  return db.select({ id: slipBatches.id }).from(slipBatches).where(eq(slipBatches.meetingId, meetingId)).limit(1).get() !== undefined;
}

/** True when an assessment round feeds a score from this meeting (the link would dangle after a delete). */
export function isLinkedToRound({ db }: { db: Conn }, meetingId: string): boolean {
  return db.select({ id: assessmentLinks.meetingId }).from(assessmentLinks).where(eq(assessmentLinks.meetingId, meetingId)).limit(1).get() !== undefined;
}

/**
 * Replace a draft's subjects: a row given with an existing id is updated in place (its id, which ballots and slips
 * never saw yet, stays), others are inserted, the rest deleted.
 */
export function replaceSubjects({ db }: { db: Conn }, meetingId: string, rows: Array<typeof subjects.$inferInsert>): void {
  const keep = new Set(rows.map((r) => r.id));
  const existing = db.select({ id: subjects.id }).from(subjects).where(eq(subjects.meetingId, meetingId)).all();
  for (const e of existing) if (!keep.has(e.id)) db.delete(subjects).where(eq(subjects.id, e.id)).run();
  const present = new Set(existing.map((e) => e.id));
  for (const r of rows) {
    if (present.has(r.id)) {
      db.update(subjects).set({ position: r.position, name: r.name, kind: r.kind, title: r.title, isHead: r.isHead }).where(eq(subjects.id, r.id)).run();
    } else {
      db.insert(subjects).values(r).run();
    }
  }
  bumpVersion(db, meetingId);
}

export function replaceCategories({ db }: { db: Conn }, meetingId: string, rows: Array<typeof categories.$inferInsert>): void {
  db.delete(categories).where(eq(categories.meetingId, meetingId)).run();
  if (rows.length > 0) db.insert(categories).values(rows).run();
  bumpVersion(db, meetingId);
}

/** A spelling fix of one subject's name or 职务: nothing a ballot answered (answers are keyed by the subject's id). */
export function correctSubject({ db }: { db: Conn }, meetingId: string, subjectId: string, patch: { name?: string; title?: string | null }): void {
  db.update(subjects).set(patch).where(eq(subjects.id, subjectId)).run();
  bumpVersion(db, meetingId);
}

/** Delete a meeting; its subjects, categories and assessors go with it (ON DELETE CASCADE). */
export function deleteMeeting({ db }: { db: Conn }, meetingId: string): void {
  db.delete(meetings).where(eq(meetings.id, meetingId)).run();
}
