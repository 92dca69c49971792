// The ballot box on PostgreSQL as the server uses it: the group commit in front of the tables that every instance
// shares (./box-store.pg.ts holds the tables' design and what they hide; docs/security.md "On PostgreSQL").
//
// - Submissions that arrive together form a group: one transaction takes the votes' lock, re-checks each ballot's
//   guard (poll open, slip not voided) after it, flips the markers and inserts the ballots. Up to
//   `MAX_IN_FLIGHT` groups of an instance run at once; a slip voting through two instances at once is decided by its
//   marker's row lock (exactly one is stored).
// - A close (`settle` with the meeting) runs in one transaction that first takes the close's lock, which waits for
//   the groups in flight on every instance and holds new ones back; their guards then see the poll closed. The same
//   transaction rewrites the meeting's ballots and markers in random order, so no reader ever sees the closed
//   meeting's rows in arrival order; VACUUM FULL then drops the old row versions (`sealAfterClose`).
// - Counts and records are read from the tables: they include every instance's votes.
import type pg from 'pg';
import { transaction, type Db } from '../db/client.js';
import { pgConnOf } from '../db/postgres.js';
import { decodeRecord, type RecordFormat, type StoredBallot } from './ballot-record.js';
import { boxErrors, jobRecord } from './box-jobs.js';
import { PgBoxStore, type SealResult } from './box-store.pg.js';
import { ballotIndexRows, ballotsByKey, ballotHeads, ballotRecords, findMarker, lockForClose, usedMarkersByBatch } from './box.repository.pg.js';
import type { BallotBox, BallotBoxCounts, BallotReader, CastJob, CastResult, HeadsWanted } from './box.js';

/**
 * Groups written at once by this instance, each on a pooled connection: one being written and one ready to start,
 * as on SQLite, so that what arrives meanwhile forms the next group and groups grow with the server's commit time.
 */
const MAX_IN_FLIGHT = 2;

/** How long after a seal that could not finish it is tried again. */
const SEAL_RETRY_MS = 60_000;

const { closing, failed: boxFailed } = boxErrors;

interface Pending {
  job: CastJob;
  record: Buffer;
  resolve: (r: CastResult) => void;
  reject: (e: unknown) => void;
}

export class PgBallotBox implements BallotBox {
  readonly stats = { groups: 0, jobs: 0 };
  readonly store: PgBoxStore;
  /** The last close's seal (diagnostics and tests): whether it sealed, and how many old versions it had to keep. */
  lastSeal: SealResult | null = null;
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = new Set<Promise<void>>();
  private closed = false;
  private sealRetry: NodeJS.Timeout | null = null;

  constructor(
    private readonly main: Db,
    pool: pg.Pool,
    private readonly options: { maxGroup?: number } = {},
  ) {
    this.store = new PgBoxStore(pool);
  }

  /** Ballots are stored on the database server; when it does not answer, /healthz says so through the database check. */
  get failed(): string | null {
    return null;
  }

  /** Another instance may have taken the vote: always ask. */
  mayHaveVoted(): boolean {
    return true;
  }

  async marker(key: Buffer): Promise<{ used: boolean; nonceHash: Buffer | null; batchId: string } | undefined> {
    const m = await findMarker({ db: this.store.pool }, key);
    return m && { used: m.used, nonceHash: m.nonceHash, batchId: m.batchId };
  }

  /** The cast's reads as they are: the guard re-reads the poll and the slip in the vote's transaction. */
  readBeforeCast<T>(read: () => Promise<T>): Promise<T> {
    return read();
  }

  submit(job: CastJob): Promise<CastResult> {
    if (this.closed) return Promise.reject(closing());
    // A ballot too large for its meeting's record rejects here (the executor's throw), before it is queued.
    return new Promise<CastResult>((resolve, reject) => {
      this.queue.push({ job, record: jobRecord(job), resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight.size >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate lets every request already parsed in this turn of the event loop join the group.
    setImmediate(() => {
      this.scheduled = false;
      this.sendGroup();
    });
  }

  private sendGroup(): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) return;
    const group = this.queue.splice(0, this.options.maxGroup ?? 512);
    if (group.length === 0) return;
    const jobs = group.map((p) => ({
      meetingId: p.job.meetingId,
      markerKey: p.job.markerKey,
      nonceHash: p.job.nonceHash,
      recordSize: p.job.recordSize,
      headSize: p.job.record ? (p.job.headSize ?? 0) : 0,
      valid: p.job.ballot.valid,
      record: p.record,
    }));
    const sent: Promise<void> = this.store.writeGroup(jobs, group.map((p) => p.job.guard)).then(
      (results) => {
        this.inFlight.delete(sent);
        this.stats.groups++;
        this.stats.jobs += group.length;
        group.forEach((p, i) => p.resolve(results[i]!));
        this.schedule();
      },
      (err: unknown) => {
        this.inFlight.delete(sent);
        // Nothing of the group is stored (the server is gone, the disk full): say so to each of its voters.
        const error = boxFailed(err instanceof Error ? err.message : String(err));
        for (const p of group) p.reject(error);
        this.schedule();
      },
    );
    this.inFlight.add(sent);
    // More waiting than one group takes: the next starts beside this one.
    if (this.queue.length > 0) this.schedule();
  }

  /**
   * Runs `write` in one transaction of the main database that first takes the close's lock on the box's tables: it
   * waits for the groups in flight on every instance and holds new ones back until it commits, after which their
   * guards see what it wrote. With `closing`, the meeting's ballots and markers are rewritten in random order in the
   * same transaction.
   */
  async settle<T>(write: () => T | Promise<T>, closing?: string): Promise<T> {
    return transaction(this.main, async () => {
      const db = pgConnOf(this.main);
      await lockForClose({ db });
      const out = await write();
      if (closing !== undefined) await this.store.rewriteMeetingOn(db, closing);
      return out;
    });
  }

  /**
   * VACUUM FULL of the box's tables after a close (PgBoxStore.seal). When it could not drop every old row version (a
   * snapshot older than the close, a lock it could not take in time), it is tried again every `SEAL_RETRY_MS` until it
   * can, for as long as the server runs; the next close seals as well.
   */
  async sealAfterClose(): Promise<void> {
    if (this.sealRetry) clearTimeout(this.sealRetry);
    this.sealRetry = null;
    try {
      this.lastSeal = await this.store.seal();
    } catch {
      this.lastSeal = { sealed: false, keptDeadVersions: null, ms: 0 };
    }
    if (!this.lastSeal.sealed && !this.closed) {
      this.sealRetry = setTimeout(() => void this.sealAfterClose(), SEAL_RETRY_MS);
      this.sealRetry.unref();
    }
  }

  async counts(meetingId: string): Promise<BallotBoxCounts> {
    const c = await this.store.counts(meetingId, pgConnOf(this.main));
    return { used: c.used, cast: c.cast, valid: c.valid };
  }

  /** One grouped count of the used markers (the ballots need not be counted for it). */
  async usedByBatch(meetingId: string): Promise<Map<string, number>> {
    return new Map(await usedMarkersByBatch({ db: pgConnOf(this.main) }, meetingId));
  }

  records(meetingId: string): Promise<Buffer[]> {
    return ballotRecords({ db: pgConnOf(this.main) }, meetingId);
  }

  async heads(meetingId: string, layout: { recordSize: number; headSize: number; format: number }): Promise<Buffer[] | undefined> {
    const db = pgConnOf(this.main);
    const heads = await ballotHeads({ db }, meetingId);
    if (heads.every((h) => h !== null && h.length === layout.headSize && h[0] === layout.format)) return heads as Buffer[];
    // Some ballot has no head kept apart: cut them from the records, when every one is a compact record.
    const records = await ballotRecords({ db }, meetingId);
    if (!records.every((r) => r.length === layout.recordSize && r[0] === layout.format)) return undefined;
    return records.map((r) => r.subarray(0, layout.headSize));
  }

  async ballots(meetingId: string, format: RecordFormat): Promise<StoredBallot[]> {
    return (await this.records(meetingId)).map((r) => decodeRecord(r, format));
  }

  /**
   * The keys of a closed meeting's ballots stay as the close's rewrite left them, so the index read once names the
   * same ballots for as long as an export reads them. The reader's keys are places in that index.
   */
  async reader(meetingId: string, format: number): Promise<BallotReader> {
    const rows = await ballotIndexRows({ db: pgConnOf(this.main) }, meetingId);
    const byCategory = new Map<number, number>();
    const others: Buffer[] = [];
    for (const r of rows) {
      if (r.format === format) byCategory.set(r.category, (byCategory.get(r.category) ?? 0) + 1);
      else others.push(r.key);
    }
    const otherRecords = others.length > 0 ? await this.byKeys(others) : [];
    const keys = Float64Array.from(rows.keys());
    return {
      keys,
      categories: [...byCategory],
      otherRecords: otherRecords.map((r) => r.record),
      recordsAt: async (at: Float64Array, heads?: HeadsWanted) => {
        const found = await this.byKeys(Array.from(at, (i) => rows[i]!.key));
        return found.map((r) => (heads && r.head && enough(r.head, heads) ? r.head : r.record));
      },
    };
  }

  /** The ballots with these keys, in the order given. */
  private async byKeys(keys: Buffer[]): Promise<Array<{ head: Buffer | null; record: Buffer }>> {
    const found = new Map((await ballotsByKey({ db: this.store.pool }, keys)).map((r) => [r.key.toString('hex'), r]));
    return keys.map((k) => {
      const r = found.get(k.toString('hex'));
      if (!r) throw new Error('ballot box: a ballot read for an export is no longer there');
      return r;
    });
  }

  /** Stops taking ballots and waits for those queued and on their way. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.queue.length > 0 && this.inFlight.size < MAX_IN_FLIGHT) this.sendGroup();
      await Promise.race(this.inFlight);
    }
    this.closed = true;
    if (this.sealRetry) clearTimeout(this.sealRetry);
  }
}

/** A head answers for its ballot when the byte ranges that would need the whole record are all zero. */
function enough(head: Buffer, want: HeadsWanted): boolean {
  if (head.length !== want.size || head[0] !== want.format) return false;
  for (const [at, n] of want.marks) for (let j = at; j < at + n; j++) if (head[j] !== 0) return false;
  return true;
}
