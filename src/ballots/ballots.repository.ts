import { eq } from 'drizzle-orm';
import type { Conn } from '../db/client.js';
import { ballots } from '../db/schema.js';

export type BallotRow = typeof ballots.$inferSelect;

export function insertBallot({ db }: { db: Conn }, ballot: typeof ballots.$inferInsert): void {
  db.insert(ballots).values(ballot).run();
}

/** The ballots of a meeting, in the order of their random ids (which says nothing about arrival). */
export function meetingBallots({ db }: { db: Conn }, meetingId: string): Array<Pick<BallotRow, 'category' | 'valid' | 'answers' | 'source' | 'breaches'>> {
  return db
    .select({ category: ballots.category, valid: ballots.valid, answers: ballots.answers, source: ballots.source, breaches: ballots.breaches })
    .from(ballots)
    .where(eq(ballots.meetingId, meetingId))
    .all();
}
