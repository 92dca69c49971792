// A closed meeting's ballots as the exports read them: first the slot keys and the counts by category, in the
// export's read transaction; then the records by key, a page at a time, so that an export of 100,000 ballots
// never holds more than a page or two of them. A filled slot is never written again (box-store.ts), so keys taken
// once name the same ballots for as long as an export takes to be read.
import type { Conn } from '../db/client.js';
import type { BallotAnswers } from '../domain/ballot.js';
import { RECORD_FORMAT, wholeRecordMarks } from '../domain/ballot-record.js';
import { ballotBoxOf } from './box.js';
import { decodeRecord, decodeRecordTexts, type RecordFormat } from './ballot-record.js';
import { meetingRecordFormat } from './ballots.repository.js';

/** Ballots read at a time when no page size is given: at most about 2 MB of village records. */
export const BALLOT_PAGE_SIZE = 1000;

export interface BallotPages {
  /** How the meeting's records read: its layout (null: older records only) and its category keys in order. */
  readonly format: RecordFormat;
  /** Slot keys of the meeting's ballots, in key order: random within the meeting, nothing about arrival. */
  readonly keys: Float64Array;
  /** The ballots by the category key they were cast under (null: none). */
  readonly byCategory: ReadonlyMap<string | null, number>;
  /**
   * The records in these slots (some or all of `keys`, in the order given), `pageSize` at a time; for a ballot
   * with no text answer and no breached rule, its head alone (`format.layout.headSize` bytes, see wholeRecordMarks).
   */
  records(keys: Float64Array, pageSize?: number): AsyncGenerator<Buffer[]>;
  /** Only the validity and the text answers of the ballots in these slots (decodeRecordTexts), `pageSize` at a time. */
  texts(keys: Float64Array, pageSize?: number): AsyncGenerator<Array<{ valid: boolean; answers: BallotAnswers }>>;
}

/**
 * The ballots of a meeting, ready to be read page by page. Call it in the read transaction that also tallies them,
 * so that the tally and the pages count the same ballots.
 */
export async function meetingBallotPages({ db }: { db: Conn }, meetingId: string): Promise<BallotPages> {
  const format = await meetingRecordFormat({ db }, meetingId);
  const { keys, categories, otherRecords, recordsAt } = await ballotBoxOf(db).reader(meetingId, RECORD_FORMAT);
  const byCategory = new Map<string | null, number>();
  const count = (key: string | null, n: number) => byCategory.set(key, (byCategory.get(key) ?? 0) + n);
  // A compact record's category byte: 0 none, else its position + 1 (an unknown position reads as none, as
  // decodeRecord reads it).
  for (const [byte, n] of categories) count(byte === 0 ? null : (format.categories[byte - 1] ?? null), n);
  // A record in the older JSON format tells its category only when decoded (ballots stored before their meeting
  // froze its layout: few, and only in meetings that old).
  for (const record of otherRecords) count(decodeRecord(record, format).category, 1);

  // Both readers below need no more than a record's head where its texts are blank and it breaks no rule.
  const heads = format.layout ? { size: format.layout.headSize, format: RECORD_FORMAT, marks: wholeRecordMarks(format.layout) } : undefined;
  async function* pages<T>(order: Float64Array, pageSize: number, decode: (record: Buffer) => T): AsyncGenerator<T[]> {
    const size = Math.max(1, Math.floor(pageSize));
    // A copy of the page's keys: a view would send its whole buffer to the thread.
    const read = (from: number) => {
      const p = recordsAt(order.slice(from, from + size), heads);
      // Read ahead: should the reader stop early, its failure is nobody's to handle.
      p.catch(() => undefined);
      return p;
    };
    // The next page is asked for before this one is decoded: the box's thread reads while this one decodes.
    let next = order.length > 0 ? read(0) : undefined;
    for (let from = 0; next; from += size) {
      const records = await next;
      next = from + size < order.length ? read(from + size) : undefined;
      yield records.map(decode);
    }
  }

  return {
    format,
    keys,
    byCategory,
    records: (order, pageSize = BALLOT_PAGE_SIZE) => pages(order, pageSize, (r) => r),
    texts: (order, pageSize = BALLOT_PAGE_SIZE) => pages(order, pageSize, (r) => decodeRecordTexts(r, format)),
  };
}
