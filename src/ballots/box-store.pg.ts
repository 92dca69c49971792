// The ballot box on PostgreSQL: markers of slips and ballot records in two tables (`box_markers`, `box_ballots`,
// src/db/schema.pg.ts), shared by every Ceping instance on the database. Same records as the SQLite box
// (src/ballots/box-store.ts): the fixed-size bytes of src/domain/ballot-record.ts, encoded by the caller, and their
// head. The server reaches it through ./ballot-box.pg.ts. test/adversarial/linkability-pg.test.ts measures what it
// hides and what it cannot; docs/security.md "On PostgreSQL" gives the figures.
//
// Why this design and not the SQLite box's slots:
// - PostgreSQL cannot keep arrival order out of a table while a poll is open. Every row version carries the id of
//   the transaction that wrote it (`xmin`, readable by any role that may SELECT the table), and those ids grow with
//   time; an UPDATE writes a new row version rather than overwriting in place (with the page's next line pointer,
//   on the same page if it fits), and leaves the old one behind until VACUUM; the WAL holds every change in commit
//   order. Slots created in advance and filled in place, which hide order in SQLite, hide little here: measured on
//   600 pre-allocated slots, xmin still orders the filled ones (rho 1.0) and so does their order within each page
//   (1.0), whatever the fillfactor; only their place in the table is less related (0.06-0.28). They would also double
//   the rows and leave a dead version per vote. So a vote simply inserts its ballot (xmin 1.0, ctid 0.97-0.99).
// - What the tables can do is forget at the close. `rewriteMeeting` rewrites the meeting's ballots (under new random
//   keys) and markers in one transaction, each table in a random order: every row of the meeting then has the same
//   xmin and a place drawn by lot. `seal` then runs VACUUM FULL, which writes both tables into new files holding only
//   the live rows. A plain VACUUM is not enough: it marks the old versions' space free but leaves their bytes, xmins
//   included, in the pages until overwritten (measured: 97% of them still readable, in order, after it). VACUUM FULL
//   keeps the versions that a snapshot older than the close may still see, and says so: `seal` reports them (from
//   its VERBOSE notices), to be sealed again once that snapshot is gone. It locks both tables while it runs (votes
//   of every meeting wait: 23-42 ms for 1,800 ballots and 2,000 markers). Waiting for its lock behind a long
//   transaction on the tables, it holds votes back too, so it gives up after a lock timeout (5 s unless set).
// - A slip votes exactly once across instances: a group locks its markers (row locks, in key order, so two groups
//   never deadlock) and flips those still unused, in the same transaction as its ballots. Row locks serialise only
//   votes of the same slip; votes of different slips from any number of instances run side by side. A vote holds
//   the tables' ROW EXCLUSIVE lock (shared by all votes), so a close's rewrite waits for the votes in flight and the
//   votes after it wait for the rewrite.
// - Within a group, ballots are inserted in a random order, independent of the markers' (key order): the place of a
//   ballot among its group's says nothing about which marker is its. The group itself is not hidden while the poll
//   is open: its ballots and its markers share one xmin, so a ballot written alone is tied to its slip's marker, and
//   through it to the slip's token (docs/security.md "On PostgreSQL").
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import {
  ballotCounts,
  ballotHeads,
  ballotKeys,
  ballotRecords,
  findMarker,
  insertBallots,
  insertMarkers,
  lockForClose,
  lockForVote,
  lockMarkers,
  markerKeys,
  rewriteBallots,
  movePendingMarkers,
  refusals,
  rewriteMarkers,
  useMarkers,
  usedMarkersByBatch,
  vacuumFull,
  type BoxMarkerRow,
  type PgConn,
  type VacuumNotice,
} from './box.repository.pg.js';
import { shuffle, type MeetingCounts, type StoreJob } from './box-store.js';
import type { CastResult } from './box.js';

/** Bytes of a ballot's random key. */
const BALLOT_KEY_BYTES = 16;

export interface PgMarker {
  key: Uint8Array;
  meetingId: string;
  batchId: string;
}

export interface SealResult {
  /** True when both tables were rewritten and no dead row version had to be kept. */
  sealed: boolean;
  /**
   * Dead row versions VACUUM FULL had to keep because a snapshot taken before the close can still see them (null
   * when it did not run: it could not take its lock in time, or the server did not say).
   */
  keptDeadVersions: number | null;
  /** How long the tables were locked (or waited for), in milliseconds. */
  ms: number;
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null) => a !== null && b !== null && Buffer.compare(a, b) === 0;
const bytes = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * How many dead row versions VACUUM FULL kept, from its VERBOSE notices (routine copy_table_data, whose detail starts
 * with the number in every translation of "%.0f dead row versions cannot be removed yet"); null if none said.
 */
export function keptDeadVersions(notices: readonly VacuumNotice[]): number | null {
  const counts = notices.filter((n) => n.routine === 'copy_table_data' && n.detail).map((n) => /^\s*(\d+)/.exec(n.detail!)?.[1]);
  if (counts.length === 0 || counts.some((c) => c === undefined)) return null;
  return counts.reduce((sum, c) => sum + Number(c), 0);
}

export class PgBoxStore {
  constructor(
    readonly pool: pg.Pool,
    private readonly options: { sealLockTimeoutMs?: number } = {},
  ) {}

  /**
   * Runs `fn` in one transaction on one client of the pool. The callback is async (node-postgres sends one statement
   * at a time on its client, so nothing else runs inside the transaction); any error rolls it all back.
   */
  private async transaction<T>(fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    try {
      await db.query('begin');
      const out = await fn(db);
      await db.query('commit');
      return out;
    } catch (err) {
      await db.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }

  /** Takes in slips' markers (unused), in a random order. Markers already there are left as they are. */
  async registerMarkers(markers: readonly PgMarker[]): Promise<number> {
    const rows = shuffle(markers.map((m) => ({ key: bytes(m.key), meetingId: m.meetingId, batchId: m.batchId })));
    return this.transaction((db) => insertMarkers({ db }, rows));
  }

  /** Whether the slip with this marker has voted (and with which nonce). */
  async marker(key: Uint8Array): Promise<BoxMarkerRow | undefined> {
    return findMarker({ db: this.pool }, bytes(key));
  }

  /**
   * Writes a group of ballots in one transaction: each job whose marker is unused flips it and stores its record;
   * a job whose marker was used (by an earlier vote, by another instance at the same moment, or by another job of
   * this group) is answered `used`, one whose marker does not exist for its meeting `unknown`. Throws, with nothing
   * of the group stored, on a database error or a record that does not fit its meeting's size.
   */
  async writeGroup(jobs: readonly StoreJob[], guards?: ReadonlyArray<{ slipRef: string }>): Promise<CastResult[]> {
    const results: CastResult[] = new Array(jobs.length);
    for (const job of jobs) if (job.record.length !== job.recordSize) throw new Error('ballot box: a record does not fit its slots');
    // A slip twice in one group: one of its jobs, drawn at random, goes on; the others follow its fate.
    const first = new Map<string, number>();
    const repeats: number[] = [];
    for (const i of shuffle(jobs.map((_, i) => i))) {
      const hex = Buffer.from(jobs[i]!.markerKey).toString('hex');
      if (first.has(hex)) repeats.push(i);
      else first.set(hex, i);
    }
    if (first.size === 0) return results;

    const byKey = new Map<string, BoxMarkerRow>();
    await this.transaction(async (db) => {
      await lockForVote({ db });
      // Slips issued since the last group (of any instance) have their markers waiting in slip_markers: in they
      // come first, before any marker is locked, so that the locks below are still taken in one key order.
      await movePendingMarkers({ db });
      for (const m of await lockMarkers({ db }, [...first.keys()].map((hex) => Buffer.from(hex, 'hex')))) byKey.set(m.key.toString('hex'), m);
      // The guards, read after the lock: a close that committed before it is seen; one that comes after waits for us.
      const refused = guards && (await refusals({ db }, [...new Set(jobs.map((j) => j.meetingId))], [...new Set(guards.map((g) => g.slipRef))]));
      const accepted: number[] = [];
      for (const [hex, i] of first) {
        const job = jobs[i]!;
        const m = byKey.get(hex);
        if (!m || m.meetingId !== job.meetingId) results[i] = { kind: 'unknown' };
        // A slip that has voted is told so first (its retry is "counted" even after the close), as on SQLite.
        else if (m.used) results[i] = { kind: 'used', nonceMatches: sameBytes(job.nonceHash, m.nonceHash) };
        else if (refused?.notOpen.has(job.meetingId)) results[i] = { kind: 'closed' };
        else if (refused?.voided.has(guards![i]!.slipRef)) results[i] = { kind: 'voided' };
        else accepted.push(i);
      }
      if (accepted.length === 0) return;
      // Markers in key order (as locked), ballots in an independent random order.
      const flips = accepted.map((i) => jobs[i]!).sort((a, b) => Buffer.compare(a.markerKey, b.markerKey));
      const flipped = await useMarkers({ db }, flips.map((j) => bytes(j.markerKey)), flips.map((j) => (j.nonceHash ? bytes(j.nonceHash) : null)));
      if (flipped !== accepted.length) throw new Error('ballot box: a marker locked unused was used');
      const ballots = shuffle([...accepted]).map((i) => {
        const job = jobs[i]!;
        const record = bytes(job.record);
        return { key: randomBytes(BALLOT_KEY_BYTES), meetingId: job.meetingId, valid: job.valid, head: job.headSize > 0 ? record.subarray(0, job.headSize) : null, record };
      });
      await insertBallots({ db }, ballots);
      for (const i of accepted) results[i] = { kind: 'stored', valid: jobs[i]!.valid };
    });

    for (const i of repeats) {
      const job = jobs[i]!;
      const hex = Buffer.from(job.markerKey).toString('hex');
      const lead = first.get(hex)!;
      const led = results[lead]!;
      if (led.kind === 'stored') results[i] = { kind: 'used', nonceMatches: sameBytes(job.nonceHash, jobs[lead]!.nonceHash) };
      else if (led.kind === 'used') results[i] = { kind: 'used', nonceMatches: sameBytes(job.nonceHash, byKey.get(hex)!.nonceHash) };
      else results[i] = led;
    }
    return results;
  }

  /** The records of a meeting's ballots, in the order of their random keys. */
  records(meetingId: string): Promise<Buffer[]> {
    return ballotRecords({ db: this.pool }, meetingId);
  }

  /** The heads of a meeting's ballots, in the order of their random keys; undefined when any ballot has none (older JSON records). */
  async heads(meetingId: string): Promise<Buffer[] | undefined> {
    const heads = await ballotHeads({ db: this.pool }, meetingId);
    return heads.every((h): h is Buffer => h !== null) ? heads : undefined;
  }

  /** Ballots cast and valid, slips used (by batch). */
  async counts(meetingId: string, db: PgConn = this.pool): Promise<MeetingCounts> {
    // One after the other: `db` may be a transaction's client, which runs one statement at a time.
    const ballots = await ballotCounts({ db }, meetingId);
    const usedByBatch = await usedMarkersByBatch({ db }, meetingId);
    return { ...ballots, used: usedByBatch.reduce((n, [, k]) => n + k, 0), usedByBatch };
  }

  /**
   * The close's rewrite, in one transaction: the meeting's ballots under new random keys and its markers, unchanged,
   * each table in a random order. Every row of the meeting then carries this transaction's id. Returns the rows written.
   */
  async rewriteMeeting(meetingId: string): Promise<{ ballots: number; markers: number }> {
    return this.transaction(async (db) => {
      await lockForClose({ db });
      return this.rewriteMeetingOn(db, meetingId);
    });
  }

  /** The rewrite on `db`, a client in a transaction that holds the close's lock (lockForClose). */
  async rewriteMeetingOn(db: PgConn, meetingId: string): Promise<{ ballots: number; markers: number }> {
    const oldKeys = shuffle(await ballotKeys({ db }, meetingId));
    const ballots = await rewriteBallots({ db }, meetingId, oldKeys, oldKeys.map(() => randomBytes(BALLOT_KEY_BYTES)));
    const keys = shuffle(await markerKeys({ db }, meetingId));
    const markers = await rewriteMarkers({ db }, meetingId, keys);
    if (ballots !== oldKeys.length || markers !== keys.length) throw new Error('ballot box: the close rewrote a different number of rows than it read');
    return { ballots, markers };
  }

  /**
   * VACUUM FULL of both tables: new files with the live rows only, in the order they lie now. Votes of every meeting
   * wait while it runs. Not sealed (run it again later) when it could not take its lock within the timeout, or when a
   * snapshot older than the close still sees old row versions (a long transaction, a replica's hot_standby_feedback).
   */
  async seal(): Promise<SealResult> {
    const started = performance.now();
    const db = await this.pool.connect();
    try {
      const notices = await vacuumFull({ db }, this.options.sealLockTimeoutMs ?? 5000);
      const kept = keptDeadVersions(notices);
      return { sealed: kept === 0, keptDeadVersions: kept, ms: performance.now() - started };
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') return { sealed: false, keptDeadVersions: null, ms: performance.now() - started };
      throw err;
    } finally {
      db.release();
    }
  }

  /** Closes a meeting's part of the box: the rewrite, then the seal (docs/security.md "On PostgreSQL"). */
  async closeMeeting(meetingId: string): Promise<{ ballots: number; markers: number } & SealResult> {
    const rewritten = await this.rewriteMeeting(meetingId);
    return { ...rewritten, ...(await this.seal()) };
  }
}
