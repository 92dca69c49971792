// Reads the ballot box's raw records as an insider with both files would: compact records need their meeting's
// layout and categories, which the main database holds (meetings.ballot_layout); older JSON records need nothing.
import type Database from 'better-sqlite3';
import { decodeRecord, isCompactRecord, storedLayout, type RecordFormat, type StoredBallot } from '../../src/ballots/ballot-record.js';

/** A decoder of raw slot records for every meeting of a main database (a compact record goes to the meeting whose layout has its size). */
export function recordDecoder(main: Database.Database): (record: Uint8Array) => StoredBallot {
  const formats: RecordFormat[] = (main.prepare('select id, ballot_layout as layout from meetings where ballot_layout is not null').all() as Array<{ id: string; layout: string }>).map((m) => ({
    layout: storedLayout(m.layout),
    categories: (main.prepare('select key from categories where meeting_id = ? order by position').all(m.id) as Array<{ key: string }>).map((c) => c.key),
  }));
  return (record) => {
    if (!isCompactRecord(record)) return decodeRecord(record);
    const bySize = formats.filter((f) => f.layout!.recordSize === record.length);
    if (bySize.length !== 1) throw new Error(`no single meeting layout of ${record.length} bytes`);
    return decodeRecord(record, bySize[0]);
  };
}
