// What other modules may use of ballots: the ballot box's counts and reads, and the plugin that opens it.
import type { Conn } from '../db/client.js';
import { ballotBoxOf } from './ballot-box.js';

export { ballotBoxPlugin, ballotBoxPath, type BallotBox, type BallotBoxCounts } from './ballot-box.js';
export { meetingBallots, meetingRecordFormat, meetingRecordHeads, meetingRecords } from './ballots.repository.js';
export type { StoredBallot } from './ballot-record.js';

/** Ballots cast and valid, and slips used, for one meeting: counters of the ballot box, no scan. */
export function ballotCounts({ db }: { db: Conn }, meetingId: string): { cast: number; valid: number; used: number } {
  return ballotBoxOf(db).counts(meetingId);
}

/** Slips used per batch of a meeting (each marker knows its batch, never its slip). */
export function usedSlipsByBatch({ db }: { db: Conn }, meetingId: string): Map<string, number> {
  return ballotBoxOf(db).usedByBatch(meetingId);
}
export { castBallot, ballotView, formForVoter, findSlip, type CastOutcome } from './ballots.usecases.js';
export { BallotFormView, CastBody, QuestionView } from './ballots.schemas.js';
export type { BallotBox as BallotWriter } from './ballot-box.js';
