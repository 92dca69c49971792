// The legacy `ballots` table of the main database, which only ever holds ballots written before the ballot box
// existed, and what the main database says about how a meeting's records read. The box's own statements are in
// box.repository.ts.
import { asc, eq } from 'drizzle-orm';
import { engineOf, first, statement, tablesOf, type Conn } from '../db/client.js';
import { ballots } from '../db/schema.js';
import { storedLayout, type RecordFormat } from './ballot-record.js';

// ── The legacy `ballots` table of the main database ───────────────────────────────────────────────────────────

export type LegacyBallotRow = typeof ballots.$inferSelect;

export function legacyBallots({ db }: { db: Conn }): LegacyBallotRow[] {
  return db.select().from(ballots).all();
}

export function deleteLegacyBallots({ db }: { db: Conn }): number {
  return statement(db, 'delete from ballots').run().changes;
}

// ── Reads for the tally and the exports ───────────────────────────────────────────────────────────────────────

/** How the records of a meeting read: its frozen layout (null before its first open, or for older meetings) and its category keys in order. */
export async function meetingRecordFormat({ db }: { db: Conn }, meetingId: string): Promise<RecordFormat> {
  if (!engineOf(db)) return meetingRecordFormatNow({ db }, meetingId);
  const { meetings, categories } = tablesOf(db);
  const row = await first(db.select({ layout: meetings.ballotLayout }).from(meetings).where(eq(meetings.id, meetingId)));
  const keys = await db.select({ key: categories.key }).from(categories).where(eq(categories.meetingId, meetingId)).orderBy(asc(categories.position));
  return { layout: storedLayout(row?.layout ?? null), categories: keys.map((c) => c.key) };
}

/** `meetingRecordFormat` on SQLite, answered at once (the SQLite ballot box's own synchronous reads). */
export function meetingRecordFormatNow({ db }: { db: Conn }, meetingId: string): RecordFormat {
  const row = statement(db, 'select ballot_layout as layout from meetings where id = ?').get(meetingId) as { layout: string | null } | undefined;
  const categories = (statement(db, 'select key from categories where meeting_id = ? order by position').all(meetingId) as Array<{ key: string }>).map((c) => c.key);
  return { layout: storedLayout(row?.layout ?? null), categories };
}

/** Meetings whose poll is open now: their slots are prepared as soon as the ballot box sees them. */
export function openMeetingIds({ db }: { db: Conn }): string[] {
  return (statement(db, "select id from meetings where status = 'open'").all() as Array<{ id: string }>).map((r) => r.id);
}
