// What other modules may use of ballots: the ballot box's counts and reads, and the plugin that opens it.
import type { Conn } from '../db/client.js';
import { ballotBoxOf } from './box.js';
import type { StoredBallot } from './ballot-record.js';
import { meetingRecordFormat } from './ballots.repository.js';

export { ballotBoxPath } from './ballot-box.js';
export { ballotsSource } from './box.repository.js';
export { readSqliteBox, writePostgresBox, type BoxContents } from './box-copy.js';
export { ballotBoxPlugin, type BallotBox, type BallotBoxCounts } from './box.js';
export { meetingRecordFormat } from './ballots.repository.js';
export { meetingBallotPages, type BallotPages } from './ballot-pages.js';
export { decodeRecord, isCompactRecord, type RecordFormat, type StoredBallot } from './ballot-record.js';

/** The ballots of a meeting, in the order of their random slot keys (which says nothing about arrival). */
export async function meetingBallots({ db }: { db: Conn }, meetingId: string): Promise<StoredBallot[]> {
  return ballotBoxOf(db).ballots(meetingId, await meetingRecordFormat({ db }, meetingId));
}

/** The raw records of a meeting's ballots. */
export function meetingRecords({ db }: { db: Conn }, meetingId: string): Promise<Buffer[]> {
  return ballotBoxOf(db).records(meetingId);
}

/**
 * The first `headSize` bytes of each of a meeting's ballot records when every one is a compact record (undefined
 * when any is not): the tally reads only these.
 */
export function meetingRecordHeads({ db }: { db: Conn }, meetingId: string, layout: { recordSize: number; headSize: number; format: number }): Promise<Buffer[] | undefined> {
  return ballotBoxOf(db).heads(meetingId, layout);
}

/** Ballots cast and valid, and slips used, for one meeting: counters of the ballot box, no scan. */
export function ballotCounts({ db }: { db: Conn }, meetingId: string): Promise<{ cast: number; valid: number; used: number }> {
  return ballotBoxOf(db).counts(meetingId);
}

/**
 * Runs a write of the main database (one transaction) that decides whether queued ballots may still be stored (closing
 * a poll) with no group of ballots on its way: those handed over before it are stored, those after it are checked
 * against it.
 */
export function settleBallots<T>({ db }: { db: Conn }, write: () => T | Promise<T>, closing?: string): Promise<T> {
  return ballotBoxOf(db).settle(write, closing);
}

/** After a poll's close has committed: what the engine does outside any transaction to forget (ballot-box.pg.ts). */
export function sealBallotsAfterClose({ db }: { db: Conn }, meetingId: string): Promise<void> {
  return ballotBoxOf(db).sealAfterClose(meetingId);
}

/** Slips used per batch of a meeting (each marker knows its batch, never its slip). */
export function usedSlipsByBatch({ db }: { db: Conn }, meetingId: string): Promise<Map<string, number>> {
  return ballotBoxOf(db).usedByBatch(meetingId);
}
export { castBallot, ballotView, formForVoter, findSlip, type CastOutcome } from './ballots.usecases.js';
export { BallotFormView, CastBody, QuestionView } from './ballots.schemas.js';
export type { BallotBox as BallotWriter } from './box.js';
