import { asc, eq, inArray, sql } from 'drizzle-orm';
import { engineOf, tablesOf, first, statement, type Conn } from '../db/client.js';
import type { assessmentLinks, categories, meetingAssessors, meetings, slipBatches, subjects } from '../db/schema.js';

export type MeetingRow = typeof meetings.$inferSelect;
export type SubjectRow = typeof subjects.$inferSelect;
export type CategoryRow = typeof categories.$inferSelect;

export interface MeetingRecord {
  meeting: MeetingRow;
  subjects: SubjectRow[];
  categories: CategoryRow[];
  assessorIds: string[];
}

export async function insertMeeting(
  { db }: { db: Conn },
  rec: { meeting: typeof meetings.$inferInsert; subjects: Array<typeof subjects.$inferInsert>; categories: Array<typeof categories.$inferInsert>; assessorIds: string[] },
): Promise<void> {
  const { categories, meetingAssessors, meetings, subjects } = tablesOf(db);
  await db.insert(meetings).values(rec.meeting);
  if (rec.subjects.length > 0) await db.insert(subjects).values(rec.subjects);
  if (rec.categories.length > 0) await db.insert(categories).values(rec.categories);
  for (const userId of rec.assessorIds) await db.insert(meetingAssessors).values({ meetingId: rec.meeting.id, userId });
}

export async function findMeeting({ db }: { db: Conn }, id: string): Promise<MeetingRecord | undefined> {
  const { categories, meetingAssessors, meetings, subjects } = tablesOf(db);
  const meeting = await first(db.select().from(meetings).where(eq(meetings.id, id)));
  if (!meeting) return undefined;
  return {
    meeting,
    subjects: await db.select().from(subjects).where(eq(subjects.meetingId, id)).orderBy(asc(subjects.position)),
    categories: await db.select().from(categories).where(eq(categories.meetingId, id)).orderBy(asc(categories.position)),
    assessorIds: (await db.select({ userId: meetingAssessors.userId }).from(meetingAssessors).where(eq(meetingAssessors.meetingId, id))).map((r) => r.userId),
  };
}

/**
 * The meetings a user may see, whole, in four queries whatever their number (one per table), oldest first.
 * `assessorId` limits the list to the meetings that assessor is assigned to.
 */
export async function listMeetingRecords({ db }: { db: Conn }, filter: { assessorId?: string }): Promise<MeetingRecord[]> {
  const { categories, meetingAssessors, meetings, subjects } = tablesOf(db);
  const rows = filter.assessorId
    ? (await db
        .select({ meeting: meetings })
        .from(meetings)
        .innerJoin(meetingAssessors, eq(meetingAssessors.meetingId, meetings.id))
        .where(eq(meetingAssessors.userId, filter.assessorId))
        .orderBy(asc(meetings.createdAt)))
        .map((r) => r.meeting)
    : await db.select().from(meetings).orderBy(asc(meetings.createdAt));
  if (rows.length === 0) return [];
  const ids = rows.map((m) => m.id);
  const group = <T extends { meetingId: string }>(list: T[]) => {
    const by = new Map<string, T[]>();
    for (const r of list) (by.get(r.meetingId) ?? by.set(r.meetingId, []).get(r.meetingId)!).push(r);
    return by;
  };
  const subjectsBy = group(await db.select().from(subjects).where(inArray(subjects.meetingId, ids)).orderBy(asc(subjects.position)));
  const categoriesBy = group(await db.select().from(categories).where(inArray(categories.meetingId, ids)).orderBy(asc(categories.position)));
  const assessorsBy = group(await db.select().from(meetingAssessors).where(inArray(meetingAssessors.meetingId, ids)));
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
async function bumpVersion(db: Conn, id: string): Promise<void> {
  const { meetings } = tablesOf(db);
  await db.update(meetings)
    .set({ version: sql`${meetings.version} + 1` })
    .where(eq(meetings.id, id));
}

export async function updateMeeting({ db }: { db: Conn }, id: string, patch: Partial<Omit<typeof meetings.$inferInsert, 'id' | 'version'>>): Promise<void> {
  const { meetings } = tablesOf(db);
  await db.update(meetings)
    .set({ ...patch, version: sql`${meetings.version} + 1` })
    .where(eq(meetings.id, id));
}

export async function setAssessors({ db }: { db: Conn }, meetingId: string, userIds: string[]): Promise<void> {
  const { meetingAssessors } = tablesOf(db);
  await db.delete(meetingAssessors).where(eq(meetingAssessors.meetingId, meetingId));
  for (const userId of userIds) await db.insert(meetingAssessors).values({ meetingId, userId });
  await bumpVersion(db, meetingId);
}

export function isMeetingOpen({ db }: { db: Conn }, meetingId: string): boolean {
  return statement(db, "select 1 from meetings where id = ? and status = 'open'").get(meetingId) !== undefined;
}

/** The meeting's version, bumped by every change to it (see updateMeeting): the key of cached meeting records. */
export async function meetingVersionOf({ db }: { db: Conn }, meetingId: string): Promise<number | undefined> {
  if (!engineOf(db)) return meetingVersion({ db }, meetingId);
  const { meetings } = tablesOf(db);
  return (await first(db.select({ version: meetings.version }).from(meetings).where(eq(meetings.id, meetingId))))?.version;
}

/** `meetingVersionOf` on SQLite, answered at once (the SQLite ballot box's guards). */
export function meetingVersion({ db }: { db: Conn }, meetingId: string): number | undefined {
  return (statement(db, 'select version from meetings where id = ?').get(meetingId) as { version: number } | undefined)?.version;
}

/** True once any slip (phone or paper) has been issued for the meeting, used or not, voided or not. */
export async function hasIssuedSlips({ db }: { db: Conn }, meetingId: string): Promise<boolean> {
  const { slipBatches } = tablesOf(db);
  return (await first(db.select({ id: slipBatches.id }).from(slipBatches).where(eq(slipBatches.meetingId, meetingId)).limit(1))) !== undefined;
}

/** True when an assessment round feeds a score from this meeting (the link would dangle after a delete). */
export async function isLinkedToRound({ db }: { db: Conn }, meetingId: string): Promise<boolean> {
  const { assessmentLinks } = tablesOf(db);
  return (await first(db.select({ id: assessmentLinks.meetingId }).from(assessmentLinks).where(eq(assessmentLinks.meetingId, meetingId)).limit(1))) !== undefined;
}

/**
 * Replace a draft's subjects: a row given with an existing id is updated in place (its id, which ballots and slips
 * never saw yet, stays), others are inserted, the rest deleted.
 */
export async function replaceSubjects({ db }: { db: Conn }, meetingId: string, rows: Array<typeof subjects.$inferInsert>): Promise<void> {
  const { subjects } = tablesOf(db);
  const keep = new Set(rows.map((r) => r.id));
  const existing = await db.select({ id: subjects.id }).from(subjects).where(eq(subjects.meetingId, meetingId));
  for (const e of existing) if (!keep.has(e.id)) await db.delete(subjects).where(eq(subjects.id, e.id));
  const present = new Set(existing.map((e) => e.id));
  for (const r of rows) {
    if (present.has(r.id)) {
      await db.update(subjects).set({ position: r.position, name: r.name, kind: r.kind, title: r.title, isHead: r.isHead }).where(eq(subjects.id, r.id));
    } else {
      await db.insert(subjects).values(r);
    }
  }
  await bumpVersion(db, meetingId);
}

export async function replaceCategories({ db }: { db: Conn }, meetingId: string, rows: Array<typeof categories.$inferInsert>): Promise<void> {
  const { categories } = tablesOf(db);
  await db.delete(categories).where(eq(categories.meetingId, meetingId));
  if (rows.length > 0) await db.insert(categories).values(rows);
  await bumpVersion(db, meetingId);
}

/** A spelling fix of one subject's name or 职务: nothing a ballot answered (answers are keyed by the subject's id). */
export async function correctSubject({ db }: { db: Conn }, meetingId: string, subjectId: string, patch: { name?: string; title?: string | null }): Promise<void> {
  const { subjects } = tablesOf(db);
  await db.update(subjects).set(patch).where(eq(subjects.id, subjectId));
  await bumpVersion(db, meetingId);
}

/** Delete a meeting; its subjects, categories and assessors go with it (ON DELETE CASCADE). */
export async function deleteMeeting({ db }: { db: Conn }, meetingId: string): Promise<void> {
  const { meetings } = tablesOf(db);
  await db.delete(meetings).where(eq(meetings.id, meetingId));
}
