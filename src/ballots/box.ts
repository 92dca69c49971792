// The ballot box as the rest of the server sees it, whichever engine keeps it: a file of its own beside SQLite
// (./ballot-box.ts, written by a thread of its own) or two tables of the PostgreSQL database (./ballot-box.pg.ts),
// shared by every instance. Both take ballots in groups, one vote per slip, and keep no arrival order once the poll
// has closed; what each hides while a poll is open is in docs/security.md.
import fp from 'fastify-plugin';
import { databaseKey, engineOf, type Conn, type Db } from '../db/client.js';
import { pgPoolOf } from '../db/postgres.js';
import type { RecordFormat, StoredBallot } from './ballot-record.js';
import { SqliteBallotBox, ballotBoxPath } from './ballot-box.js';
import { PgBallotBox } from './ballot-box.pg.js';

export interface CastJob {
  meetingId: string;
  markerKey: Buffer;
  /** SHA-256 of the phone's nonce, kept in the marker so that a retry is told "counted". */
  nonceHash: Buffer | null;
  /** The record size of the meeting's layout: the size of its slots. */
  recordSize: number;
  /** The bytes of a compact record the tally counts, kept apart too (absent for the older JSON records). */
  headSize?: number;
  ballot: StoredBallot;
  /**
   * The ballot already encoded as the meeting's compact record (`recordSize` bytes). Without it the ballot is
   * written in the older JSON record format (meetings whose layout predates the compact record).
   */
  record?: Buffer;
  /**
   * What the box checks again just before the write, against the main database: the poll still open and the slip
   * not voided. `seenVersion` is the meeting's version when the slip was read: a void and a close each bump it, so
   * where it is unchanged neither has come since and nothing more is read.
   */
  guard: { seenVersion: number; slipRef: string };
}

/** Stored (valid or not); the slip had voted (with this nonce or not); no such slip; or refused by the guard. */
export type CastResult =
  | { kind: 'stored'; valid: boolean }
  | { kind: 'used'; nonceMatches: boolean }
  | { kind: 'unknown' }
  | { kind: 'closed' }
  | { kind: 'voided' };

export interface BallotBoxCounts {
  /** Slips whose marker is used: one per stored ballot. */
  used: number;
  cast: number;
  valid: number;
}

/** A byte range check for `recordsAt`: a ballot whose head has these ranges all zero is answered with its head alone. */
export interface HeadsWanted {
  size: number;
  format: number;
  marks: Array<[number, number]>;
}

/**
 * A closed meeting's ballots as an export reads them (./ballot-pages.ts): keys in key order (random, nothing about
 * arrival), counts by the category byte of compact records, the records in any other format, and the records by key.
 */
export interface BallotReader {
  keys: Float64Array;
  /** [category byte, ballots] of the compact records whose first byte is the format asked for. */
  categories: Array<[number, number]>;
  /** The records in another format (older JSON records), whose category only decoding tells. */
  otherRecords: Buffer[];
  recordsAt(keys: Float64Array, heads?: HeadsWanted): Promise<Buffer[]>;
}

export interface BallotBox {
  /** Why ballots cannot be stored now (null while they can): /healthz answers 503 then. */
  readonly failed: string | null;
  /** Groups written and ballots in them (tests and benchmarks). */
  readonly stats: { groups: number; jobs: number };
  /** False when the slip certainly has not voted (a voter's form is then sent without asking); true: ask `marker`. */
  mayHaveVoted(key: Uint8Array): boolean;
  /** Whether the slip with this marker has voted (and with which nonce). */
  marker(key: Buffer): Promise<{ used: boolean; nonceHash: Buffer | null; batchId: string } | undefined>;
  /**
   * Runs the reads a cast makes before queueing its ballot (the slip, its meeting). The SQLite box runs them in one
   * read snapshot, so that the meeting's version read there vouches for the slip's state at the group's guard; the
   * PostgreSQL box re-reads both in the vote's own transaction, so it runs them without one (a read transaction
   * would cost two more round trips per ballot).
   */
  readBeforeCast<T>(read: () => Promise<T>): Promise<T>;
  /** Queues a ballot for the next group; resolves once that group is stored (or with why it was not). */
  submit(job: CastJob): Promise<CastResult>;
  /**
   * Runs `write`, a change of the main database that the guards of queued ballots depend on (closing a poll), with
   * no ballot on its way: those acknowledged before it are stored, those after it are checked against it. With
   * `closing`, that meeting's part of the box forgets its arrival order in the same step (PostgreSQL: the close's
   * rewrite; SQLite's box keeps none to forget).
   */
  settle<T>(write: () => T | Promise<T>, closing?: string): Promise<T>;
  /** After a close has committed: what the engine does outside the transaction (PostgreSQL: VACUUM FULL). */
  sealAfterClose(meetingId: string): Promise<void>;
  counts(meetingId: string): Promise<BallotBoxCounts>;
  /** Used slips of a meeting by batch (each marker knows its batch, never its slip). */
  usedByBatch(meetingId: string): Promise<Map<string, number>>;
  /** The raw records of a meeting's ballots, in the order of their random keys. */
  records(meetingId: string): Promise<Buffer[]>;
  /** The heads of a meeting's compact records; undefined when any record is not compact. */
  heads(meetingId: string, layout: { recordSize: number; headSize: number; format: number }): Promise<Buffer[] | undefined>;
  /** The stored ballots of a meeting, decoded (compact records need the meeting's format). */
  ballots(meetingId: string, format: RecordFormat): Promise<StoredBallot[]>;
  /** What an export reads of a closed meeting's ballots (see BallotReader). */
  reader(meetingId: string, format: number): Promise<BallotReader>;
  /** Writes what is queued, then closes. */
  close(): Promise<void>;
}

const boxes = new WeakMap<object, BallotBox>();

/** The ballot box of a database (or a transaction on it), opened on first use. */
export function ballotBoxOf(db: Conn): BallotBox {
  const key = databaseKey(db);
  let box = boxes.get(key);
  if (!box) {
    const pool = pgPoolOf(db);
    if (engineOf(db) && pool) box = new PgBallotBox(db as Db, pool);
    else {
      const client = (db as unknown as { session: { client: { name: string } } }).session.client;
      // Opened with the database itself in practice (the plugin, the CLI, the benchmarks); a transaction handle
      // runs the same statements on the same connection.
      box = new SqliteBallotBox(db as Db, ballotBoxPath(client.name));
    }
    boxes.set(key, box);
  }
  return box;
}

/** Writes what is queued and closes the ballot box of `db`, if one is open. */
export async function closeBallotBox(db: Conn): Promise<void> {
  const key = databaseKey(db);
  const box = boxes.get(key);
  boxes.delete(key);
  await box?.close();
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ballot box: group commit of ballots, counters, reads. */
    ballotWriter: BallotBox;
  }
}

/** Opens the ballot box with the database at start and drains and closes it with the server. */
export const ballotBoxPlugin = fp(
  async (app) => {
    app.decorate('ballotWriter', ballotBoxOf(app.db));
    app.addHook('onClose', async () => {
      await closeBallotBox(app.db);
    });
  },
  { name: 'ceping-ballot-box', dependencies: ['ceping-db'] },
);
