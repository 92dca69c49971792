import { eq, sql } from 'drizzle-orm';
import { statement, type Conn } from '../db/client.js';
import { ballots } from '../db/schema.js';

export type BallotRow = typeof ballots.$inferSelect;

export function insertBallot({ db }: { db: Conn }, b: typeof ballots.$inferInsert): void {
  // Prepared once per connection: this runs for every ballot (see BENCHMARKS.md).
  statement(db, 'insert into ballots (id, meeting_id, category, source, answers, valid, breaches) values (?, ?, ?, ?, ?, ?, ?)').run(
    b.id,
    b.meetingId,
    b.category ?? null,
    b.source,
    JSON.stringify(b.answers),
    b.valid ? 1 : 0,
    JSON.stringify(b.breaches),
  );
}

/** The ballots of a meeting, in the order of their random ids (which says nothing about arrival). */
export function meetingBallots({ db }: { db: Conn }, meetingId: string): Array<Pick<BallotRow, 'category' | 'valid' | 'answers' | 'source' | 'breaches'>> {
  return db
    .select({ category: ballots.category, valid: ballots.valid, answers: ballots.answers, source: ballots.source, breaches: ballots.breaches })
    .from(ballots)
    .where(eq(ballots.meetingId, meetingId))
    .all();
}

export function countBallots({ db }: { db: Conn }, meetingId: string): { cast: number; valid: number } {
  const row = db
    .select({ cast: sql<number>`count(*)`, valid: sql<number>`coalesce(sum(${ballots.valid}), 0)` })
    .from(ballots)
    .where(eq(ballots.meetingId, meetingId))
    .get();
  return { cast: row?.cast ?? 0, valid: row?.valid ?? 0 };
}
