// The ballot box: where ballots and the "used" markers of slips are stored, in a SQLite file of its own beside
// the main database (`<db>.ballots`). Its layout never holds the order in which ballots arrived, by construction:
//
// - One connection, held by this process for as long as it runs (locking_mode=EXCLUSIVE): no other connection
//   can open a read snapshot that would make the file keep history. A rollback journal (journal_mode=TRUNCATE)
//   holds only the pre-images of the group being written, which are empty slots and unused markers, and is cut
//   to zero bytes at each commit. secure_delete zeroes anything freed; synchronous=FULL makes a commit durable.
// - Slots are created empty, at the size of the meeting's record, in a random order under random keys, for every
//   slip of the meeting at once (when its first ballot arrives, and again for slips issued later). A vote
//   overwrites a uniformly random free slot of its meeting in place, at the same size: where a ballot lies in
//   the file (page, offset within the page, key) was fixed before anyone voted and chosen by lot.
// - A slip's "used" marker is created when the slip is issued (taken in from the main database, where the
//   issuing transaction leaves it, see slips' `slip_markers`), keyed by a value derived from the slip's token
//   that no slip row lets anyone compute, and flipped in place in the same transaction as the slot write.
// - Submissions that arrive together are written in one transaction (one journal sync, one database sync) and
//   each is answered only once that transaction is on disk. Each job is checked against the box and the main
//   database before the transaction, so there is no per-ballot SAVEPOINT; the order within a group is shuffled.
// - The main database is never written by a vote. Turnout counts come from counters kept here in memory.
//
// The 32-bit "user version" in the file header is bumped by every transaction: `ceping backup` copies the file
// raw, without a lock, and keeps the copy only if the counter did not move meanwhile (src/cli/backup.ts).
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import fp from 'fastify-plugin';
import type { Conn, Db } from '../db/client.js';
import { AppError } from '../shared/errors.js';
import { forgetLegacyUse, legacySlips, legacyMarkerKey, pendingMarkersAfter } from '../slips/index.js';
import { decodeRecord, encodeRecord, RecordTooLarge, type RecordFormat, type StoredBallot } from './ballot-record.js';
import {
  createBoxSchema,
  deleteLegacyBallots,
  fillSlot,
  filledRecords,
  findMarker,
  insertEmptySlot,
  insertFilledSlot,
  insertMarker,
  legacyBallots,
  markerCounts,
  meetingRecordFormat,
  readState,
  recordSizes,
  setRecordSize,
  slotStates,
  useMarker,
  writeState,
  type BoxDb,
} from './ballots.repository.js';

/** The ballot box of the main database at `mainPath`. */
export const ballotBoxPath = (mainPath: string) => (mainPath === ':memory:' ? ':memory:' : `${mainPath}.ballots`);

export interface CastJob {
  meetingId: string;
  markerKey: Buffer;
  /** SHA-256 of the phone's nonce, kept in the marker so that a retry is told "counted". */
  nonceHash: Buffer | null;
  /** The record size of the meeting's layout: the size of its slots. */
  recordSize: number;
  ballot: StoredBallot;
  /**
   * The ballot already encoded as the meeting's compact record (`recordSize` bytes). Without it the ballot is
   * written in the older JSON record format (meetings whose layout predates the compact record).
   */
  record?: Buffer;
  /** Re-checks, against the main database, just before the write: throws to refuse (poll closed, slip voided). */
  check: () => void;
}

export type CastResult = { kind: 'stored'; valid: boolean } | { kind: 'used'; nonceMatches: boolean } | { kind: 'unknown' };

interface Pending {
  job: CastJob;
  resolve: (r: CastResult) => void;
  reject: (e: unknown) => void;
}

interface MeetingState {
  /** Keys of the empty slots, in no particular order (a draw picks one uniformly). */
  free: number[];
  /** Record size of this meeting's slots. */
  size: number;
  cast: number;
  valid: number;
  /** Markers taken in and not yet used (slips issued, unused, voided or not). */
  unused: number;
  used: number;
  usedByBatch: Map<string, number>;
}

export interface BallotBoxCounts {
  /** Slips whose marker is used: one per stored ballot. */
  used: number;
  cast: number;
  valid: number;
}

export interface BallotBoxOptions {
  /** Largest group written in one transaction. */
  maxGroup?: number;
}

const KEY_SPACE = 2 ** 26;
/** A random slot key below 2^52 (a safe integer): a uniformly random place in the table's key order. */
const randomSlotKey = () => randomInt(KEY_SPACE) * KEY_SPACE + randomInt(KEY_SPACE);

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const recordTooLarge = () => new AppError(422, 'BALLOT_TOO_LARGE', '选票内容超出本次测评允许的长度，请精简文字后再提交');

export class BallotBox {
  /** Figures for tests and benchmarks: groups written and ballots in them. */
  readonly stats = { groups: 0, jobs: 0 };
  readonly db: BoxDb;
  private readonly maxGroup: number;
  private meetings = new Map<string, MeetingState>();
  private queue: Pending[] = [];
  private scheduled = false;
  private generation = 0;
  private absorbedUpTo = 0;
  private closed = false;
  /** Takes in newly issued slips' markers every second, so that their slots exist before their voters arrive. */
  private readonly poller: NodeJS.Timeout;

  constructor(
    /** The main database: read for slips' markers (and, once, for ballots written before the box). */
    private readonly main: Db,
    readonly path: string,
    options: BallotBoxOptions = {},
  ) {
    this.maxGroup = options.maxGroup ?? 512;
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    this.db = new Database(path);
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = TRUNCATE');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('secure_delete = ON');
      this.db.pragma('cache_size = -16000');
      // Take the lock now: a second server on the same files fails here, at start, not at the first vote.
      this.db.transaction(() => createBoxSchema({ db: this.db }))();
      this.generation = this.db.pragma('user_version', { simple: true }) as number;
      this.moveLegacy();
      this.load();
      this.absorb();
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.poller = setInterval(() => {
      try {
        if (!this.closed) this.absorb();
      } catch {
        // The main database is busy or closing: the next tick, or the next vote, takes them in.
      }
    }, 1000);
    this.poller.unref();
  }

  private meeting(m: string): MeetingState {
    let st = this.meetings.get(m);
    if (!st) this.meetings.set(m, (st = { free: [], size: 0, cast: 0, valid: 0, unused: 0, used: 0, usedByBatch: new Map() }));
    return st;
  }

  /** In-memory state from the file: counters, free slots, record sizes. Runs at start (and after a failed write). */
  private load(): void {
    this.meetings.clear();
    this.absorbedUpTo = readState({ db: this.db }, 'absorbed') ?? 0;
    for (const { m, size } of recordSizes({ db: this.db })) this.meeting(m).size = size;
    for (const { m, b, u, n } of markerCounts({ db: this.db })) {
      const st = this.meeting(m);
      if (u === 1) {
        st.used += n;
        st.usedByBatch.set(b, (st.usedByBatch.get(b) ?? 0) + n);
      } else st.unused += n;
    }
    for (const s of slotStates({ db: this.db })) {
      const st = this.meeting(s.m);
      if (s.f === 1) {
        st.cast++;
        st.valid += s.v;
      } else if (s.size === st.size) st.free.push(s.k);
    }
  }

  /** Bumps the header's user version: the counter a raw copy checks before and after (see the top of the file). */
  private bump(): void {
    this.generation = (this.generation + 1) % 0x7fffffff;
    this.db.exec(`pragma user_version = ${this.generation}`);
  }

  /** Takes in the markers of slips issued since the last call (from the main database, in their random order). */
  private absorb(): boolean {
    const rows = pendingMarkersAfter({ db: this.main }, this.absorbedUpTo);
    if (rows.length === 0) return false;
    const added = new Map<string, number>();
    const allocated: Array<[MeetingState, number[]]> = [];
    this.db.transaction(() => {
      for (const r of rows) if (insertMarker({ db: this.db }, Buffer.from(r.markerKey, 'hex'), r.meetingId, r.batchId)) added.set(r.meetingId, (added.get(r.meetingId) ?? 0) + 1);
      // Slips issued to a meeting that is already voting get their empty slots now, all at once, rather than on
      // a voter's request.
      for (const [m, n] of added) {
        const st = this.meeting(m);
        if (st.size > 0) allocated.push([st, this.allocate(m, st.size, st.unused + n - st.free.length)]);
      }
      writeState({ db: this.db }, 'absorbed', rows[rows.length - 1]!.seq);
      this.bump();
    })();
    this.absorbedUpTo = rows[rows.length - 1]!.seq;
    for (const [m, n] of added) this.meeting(m).unused += n;
    for (const [st, keys] of allocated) st.free.push(...keys);
    return true;
  }

  /** Creates `count` empty slots of `size` bytes under fresh random keys (inside the caller's transaction). */
  private allocate(m: string, size: number, count: number): number[] {
    const keys: number[] = [];
    for (let i = 0; i < count; i++) {
      let k = randomSlotKey();
      while (!insertEmptySlot({ db: this.db }, k, m, size)) k = randomSlotKey();
      keys.push(k);
    }
    return keys;
  }

  /**
   * The one-time move from a database written before the ballot box: its ballots become filled slots (in random
   * order, under random keys) and its slips get markers (used ones carry their nonce hash); then the main
   * database forgets both. Idempotent: a crash between the two steps repeats only the second.
   */
  private moveLegacy(): void {
    if (readState({ db: this.db }, 'legacy') !== 1) {
      const slips = shuffle(legacySlips({ db: this.main }));
      const ballots = shuffle(legacyBallots({ db: this.main }));
      const sizes = new Map<string, number>();
      const records = ballots.map((b) => {
        const ballot: StoredBallot = { category: b.category, source: b.source, answers: b.answers, valid: b.valid, breaches: b.breaches };
        const probe = encodeRecord(1 << 30, ballot);
        const len = probe.readUInt32BE(0) + 4;
        sizes.set(b.meetingId, Math.max(sizes.get(b.meetingId) ?? 0, len));
        return { meetingId: b.meetingId, ballot };
      });
      this.db.transaction(() => {
        for (const s of slips) {
          insertMarker({ db: this.db }, legacyMarkerKey(s.tokenHash), s.meetingId, s.batchId, s.status === 'used', s.nonceHash ? Buffer.from(s.nonceHash, 'hex') : null);
        }
        for (const r of records) {
          const rec = encodeRecord(sizes.get(r.meetingId)!, r.ballot);
          while (!insertFilledSlot({ db: this.db }, randomSlotKey(), r.meetingId, r.ballot.valid, rec));
        }
        writeState({ db: this.db }, 'legacy', 1);
        this.bump();
      })();
    }
    this.main.transaction((tx) => {
      deleteLegacyBallots({ db: tx });
      forgetLegacyUse({ db: tx });
    });
  }

  /** Whether the slip with this marker has voted (and with which nonce). Unknown markers (not yet taken in) are taken in first. */
  marker(key: Buffer): { used: boolean; nonceHash: Buffer | null; batchId: string } | undefined {
    let row = findMarker({ db: this.db }, key);
    if (!row && this.absorb()) row = findMarker({ db: this.db }, key);
    if (!row) return undefined;
    return { used: row.u === 1, nonceHash: row.u === 1 ? row.n : null, batchId: row.b };
  }

  /** Queues a ballot for the next group; resolves once that group is on disk (or with why it was not stored). */
  submit(job: CastJob): Promise<CastResult> {
    if (this.closed) return Promise.reject(new AppError(503, 'SERVER_CLOSING', '服务器正在关闭，请稍后重新提交'));
    return new Promise<CastResult>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate lets every request already parsed in this turn of the event loop join the group.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    const group = shuffle(this.queue.splice(0, this.maxGroup));
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (group.length > 0) this.writeGroup(group);
  }

  private writeGroup(group: Pending[]): void {
    // 1. Check every job against the main database, the box and the group itself: what passes here cannot fail
    //    below except by an I/O error, which fails the whole group.
    const accepted: Array<{ p: Pending; batchId: string; record: Buffer }> = [];
    const inGroup = new Map<string, Buffer | null>();
    const answered: Array<[Pending, CastResult]> = [];
    let absorbed = false;
    for (const p of group) {
      const { job } = p;
      try {
        job.check();
        const hex = job.markerKey.toString('hex');
        if (inGroup.has(hex)) {
          const n = inGroup.get(hex)!;
          answered.push([p, { kind: 'used', nonceMatches: job.nonceHash !== null && n !== null && n.equals(job.nonceHash) }]);
          continue;
        }
        let m = findMarker({ db: this.db }, job.markerKey);
        if (!m && !absorbed) {
          absorbed = true;
          if (this.absorb()) m = findMarker({ db: this.db }, job.markerKey);
        }
        if (!m || m.m !== job.meetingId) {
          answered.push([p, { kind: 'unknown' }]);
          continue;
        }
        if (m.u === 1) {
          answered.push([p, { kind: 'used', nonceMatches: job.nonceHash !== null && m.n.equals(job.nonceHash) }]);
          continue;
        }
        const st = this.meeting(job.meetingId);
        if (job.recordSize !== st.size) {
          // A meeting's first ballot fixes its record size (its layout is frozen while the poll is open). Slots
          // of another size (older records before the meeting's layout was frozen, or a poll whose forms changed
          // while closed) are left empty and never drawn again.
          st.size = job.recordSize;
          st.free = [];
          setRecordSize({ db: this.db }, job.meetingId, st.size);
        }
        let record: Buffer;
        try {
          if (job.record && job.record.length !== st.size) throw new Error('ballot box: a record does not fit its slots');
          record = job.record ?? encodeRecord(st.size, job.ballot);
        } catch (err) {
          if (err instanceof RecordTooLarge) throw recordTooLarge();
          throw err;
        }
        inGroup.set(hex, job.nonceHash);
        accepted.push({ p, batchId: m.b, record });
      } catch (error) {
        p.reject(error);
      }
    }

    // 2. One transaction: top up each meeting's empty slots (for slips issued since), then fill one random empty
    //    slot per ballot and flip its marker, both in place.
    if (accepted.length > 0) {
      try {
        this.db.transaction(() => {
          const need = new Map<string, number>();
          for (const a of accepted) need.set(a.p.job.meetingId, (need.get(a.p.job.meetingId) ?? 0) + 1);
          for (const [m, n] of need) {
            const st = this.meeting(m);
            st.free.push(...this.allocate(m, st.size, Math.max(n, st.unused) - st.free.length));
          }
          for (const a of accepted) {
            const { job } = a.p;
            const st = this.meeting(job.meetingId);
            const i = randomInt(st.free.length);
            const k = st.free[i]!;
            st.free[i] = st.free[st.free.length - 1]!;
            st.free.pop();
            if (!fillSlot({ db: this.db }, k, job.ballot.valid, a.record)) throw new Error('ballot box: a free slot was not empty');
            if (!useMarker({ db: this.db }, job.markerKey, job.nonceHash)) throw new Error('ballot box: a marker checked unused was used');
          }
          this.bump();
        })();
      } catch (error) {
        // Nothing of the group is stored (disk full, I/O error): say so to everyone, and re-read the truth.
        this.load();
        for (const a of accepted) a.p.reject(error);
        for (const [p, r] of answered) p.resolve(r);
        return;
      }
      for (const a of accepted) {
        const st = this.meeting(a.p.job.meetingId);
        st.cast++;
        if (a.p.job.ballot.valid) st.valid++;
        st.used++;
        st.unused--;
        st.usedByBatch.set(a.batchId, (st.usedByBatch.get(a.batchId) ?? 0) + 1);
      }
      this.stats.groups++;
      this.stats.jobs += accepted.length;
    }
    for (const a of accepted) a.p.resolve({ kind: 'stored', valid: a.p.job.ballot.valid });
    for (const [p, r] of answered) p.resolve(r);
  }

  /** Turnout counts of a meeting: O(1), from the counters. */
  counts(meetingId: string): BallotBoxCounts {
    const st = this.meetings.get(meetingId);
    return { used: st?.used ?? 0, cast: st?.cast ?? 0, valid: st?.valid ?? 0 };
  }

  /** Used slips of a meeting by batch (the batch list's counts). */
  usedByBatch(meetingId: string): Map<string, number> {
    return new Map(this.meetings.get(meetingId)?.usedByBatch ?? []);
  }

  /**
   * The stored ballots of a meeting, in the order of their random slot keys. Compact records need the
   * meeting's format (read from the main database when not given).
   */
  ballots(meetingId: string, format?: RecordFormat): StoredBallot[] {
    const f = format ?? meetingRecordFormat({ db: this.main }, meetingId);
    return filledRecords({ db: this.db }, meetingId).map((r) => decodeRecord(r, f));
  }

  /** Writes what is queued, then closes the file. */
  close(): void {
    if (this.closed) return;
    clearInterval(this.poller);
    while (this.queue.length > 0) this.writeGroup(shuffle(this.queue.splice(0, this.maxGroup)));
    this.closed = true;
    this.db.close();
  }
}

const boxes = new WeakMap<object, BallotBox>();
const clientOf = (db: Conn): Database.Database => (db as unknown as { session: { client: Database.Database } }).session.client;

/** The ballot box of a main database connection (or a transaction on it), opened on first use. */
export function ballotBoxOf(db: Conn): BallotBox {
  const client = clientOf(db);
  let box = boxes.get(client);
  if (!box) {
    // Opened with the database itself in practice (the plugin, the CLI, the benchmarks); a transaction handle
    // runs the same statements on the same connection.
    box = new BallotBox(db as Db, ballotBoxPath(client.name));
    boxes.set(client, box);
  }
  return box;
}

/** Writes what is queued and closes the ballot box of `db`, if one is open. */
export function closeBallotBox(db: Conn): void {
  const client = clientOf(db);
  boxes.get(client)?.close();
  boxes.delete(client);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ballot box: group commit of ballots, counters, reads. */
    ballotWriter: BallotBox;
  }
}

/** Opens the ballot box beside the main database at start (taking in older ballots) and drains and closes it with the server. */
export const ballotBoxPlugin = fp(
  async (app) => {
    app.decorate('ballotWriter', ballotBoxOf(app.db));
    app.addHook('onClose', async () => closeBallotBox(app.db));
  },
  { name: 'ceping-ballot-box', dependencies: ['ceping-db'] },
);
