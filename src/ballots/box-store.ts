// The ballot box's file: where ballots and the "used" markers of slips are stored, a SQLite file of its own beside
// the main database (`<db>.ballots`). This class runs in the box's own thread (box-thread.ts); the rest of
// Ceping reaches it through src/ballots/ballot-box.ts. Its layout never holds the order in which ballots
// arrived, by construction:
//
// - One connection, held for as long as the server runs (locking_mode=EXCLUSIVE): no other connection can open
//   a read snapshot that would make the file keep history, or stall the writer. A rollback journal
//   (journal_mode=TRUNCATE) holds only the pre-images of the group being written, which are empty slots and
//   unused markers, and is cut to zero bytes at each commit. secure_delete zeroes anything freed;
//   synchronous=FULL makes a commit durable.
// - Slots are created empty, at the size of the meeting's record, in a random order under random keys, for every
//   slip of the meeting at once (when its poll opens, and again for slips issued later). A vote overwrites a
//   uniformly random free slot of its meeting in place, at the same size: where a ballot lies in the file (page,
//   offset within the page, key) was fixed before anyone voted and chosen by lot. A slot's head (the bytes the
//   tally reads) has a row of its own under the same key, filled in the same transaction; a ballot without free
//   text is written into its head alone (box.repository.ts, the view `ballots`).
// - A slip's "used" marker is created when the slip is issued (taken in from the main database, where the
//   issuing transaction leaves it, see slips' `slip_markers`), keyed by a value derived from the slip's token
//   that no slip row lets anyone compute, and flipped in place in the same transaction as the slot write.
// - Submissions that arrive together are written in one transaction (one journal sync, one database sync) and
//   each is answered only once that transaction is on disk. There is no per-ballot SAVEPOINT: each job is
//   checked before the transaction, and the order within a group is shuffled.
//
// The 32-bit "user version" in the file header is bumped by every transaction: `ceping backup` copies the file
// raw, without a lock, and keeps the copy only if the counter did not move meanwhile (src/cli/backup.ts).
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  countFilledHeads,
  createBoxSchema,
  fillHead,
  packedHeads,
  filledKeys,
  countByHeader,
  keysNotInFormat,
  fillSlot,
  filledHead,
  filledRecord,
  filledRecords,
  findMarker,
  headSizes,
  insertEmptyHead,
  insertEmptySlot,
  insertFilledSlot,
  insertMarker,
  markerCounts,
  readState,
  recordHeads,
  recordSizes,
  setHeadSize,
  setRecordSize,
  slotStates,
  usedMarkerKeys,
  useMarker,
  writeState,
  type BoxDb,
} from './box.repository.js';

/** A slip's marker as the main database hands it over (hex key, in the random order of issue). */
export interface MarkerRow {
  seq: number;
  markerKey: string;
  meetingId: string;
  batchId: string;
}

/** A ballot ready to be written: already checked against the main database and encoded. */
export interface StoreJob {
  meetingId: string;
  markerKey: Uint8Array;
  nonceHash: Uint8Array | null;
  recordSize: number;
  /** Bytes at the start of the record that the tally counts (0 for the older JSON records). */
  headSize: number;
  valid: boolean;
  record: Uint8Array;
}

export type StoreResult = { kind: 'stored'; valid: boolean } | { kind: 'used'; nonceMatches: boolean } | { kind: 'unknown' };

/** What an export reads of a meeting's ballots before their records (BoxStore.ballotIndex). */
export interface BallotIndex {
  /** Slot keys in key order. */
  keys: Float64Array;
  /** Compact records by their category byte: [byte, ballots]. */
  categories: Array<[number, number]>;
  /** Keys of the records in another format (older JSON records), in key order. */
  others: Float64Array;
}

/** What the rest of the server keeps of a meeting: counters only. */
export interface MeetingCounts {
  cast: number;
  valid: number;
  used: number;
  usedByBatch: Array<[string, number]>;
}

interface MeetingState {
  /** Keys of the empty slots, in no particular order (a draw picks one uniformly). */
  free: number[];
  /** Record size of this meeting's slots (0 until its poll opens or its first ballot). */
  size: number;
  /** Size of the heads kept apart for the tally (0: none, the older JSON records). */
  headSize: number;
  cast: number;
  valid: number;
  /** Markers taken in and not yet used (slips issued, unused, voided or not). */
  unused: number;
  used: number;
  usedByBatch: Map<string, number>;
}

/**
 * A slot key below 2^52 (a safe integer): 20 bits derived from the meeting, then 32 random bits. A meeting's slots
 * lie together in the table's key order (so its pages stay few and cached, however many other meetings the file
 * holds), and within the meeting each slot's place is drawn uniformly at random.
 */
const MEETING_SPACE = 2 ** 20;
const SLOT_SPACE = 2 ** 32;
function keyRegion(meetingId: string): number {
  return createHash('sha256').update(meetingId).digest().readUInt32BE(0) % MEETING_SPACE;
}
/** A fresh slot key in the meeting's region (exported for the benchmark's generator, which fills a box directly). */
export function randomSlotKey(meetingId: string): number {
  return keyRegion(meetingId) * SLOT_SPACE + randomInt(2 ** 16) * 2 ** 16 + randomInt(2 ** 16);
}
/** The keys a meeting's slots may have (another meeting may share the region: readers also check the meeting). */
function keyRange(meetingId: string): { from: number; to: number } {
  const region = keyRegion(meetingId);
  return { from: region * SLOT_SPACE, to: (region + 1) * SLOT_SPACE };
}

export function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const ZEROS = new Uint8Array(4096);
/** Whether every byte of `record` from `at` on is zero (a compact record's bodies of free text, all blank). */
function blankPast(record: Uint8Array, at: number): boolean {
  for (let i = at; i < record.length; i += ZEROS.length) {
    const part = record.subarray(i, Math.min(record.length, i + ZEROS.length));
    if (Buffer.compare(part, ZEROS.subarray(0, part.length)) !== 0) return false;
  }
  return true;
}

/** Adds new empty slots to a meeting's free list, one by one: spread into push, a large meeting's keys overflow the stack. */
function addFree(st: MeetingState, keys: readonly number[]): void {
  for (const k of keys) st.free.push(k);
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null) => a !== null && b !== null && Buffer.compare(a, b) === 0;

export class BoxStore {
  readonly db: BoxDb;
  private meetings = new Map<string, MeetingState>();
  private generation = 0;
  absorbedUpTo = 0;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    // A second server on the same files waits a second at most, then fails at start with the lock named.
    this.db = new Database(path, { timeout: 1000 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = TRUNCATE');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('secure_delete = ON');
      this.db.pragma('cache_size = -16000');
      // Take the lock now: a second server on the same files fails here, at start, not at the first vote.
      this.db.transaction(() => createBoxSchema({ db: this.db }))();
      this.generation = this.db.pragma('user_version', { simple: true }) as number;
      this.load();
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  private meeting(m: string): MeetingState {
    let st = this.meetings.get(m);
    if (!st) this.meetings.set(m, (st = { free: [], size: 0, headSize: 0, cast: 0, valid: 0, unused: 0, used: 0, usedByBatch: new Map() }));
    return st;
  }

  /** In-memory state from the file: counters, free slots, record sizes. Runs at start (and after a failed write). */
  load(): void {
    this.meetings.clear();
    this.absorbedUpTo = readState({ db: this.db }, 'absorbed') ?? 0;
    for (const { m, size } of recordSizes({ db: this.db })) this.meeting(m).size = size;
    for (const { m, size } of headSizes({ db: this.db })) this.meeting(m).headSize = size;
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

  /** Which slips have voted, as a bitmap of their marker keys (see usedSlipBit): holds no order. */
  usedBitmap(): Uint8Array {
    const bits = new Uint8Array(USED_BITMAP_BYTES);
    for (const key of usedMarkerKeys({ db: this.db })) setUsedSlipBit(bits, key);
    return bits;
  }

  counts(meetingId: string): MeetingCounts {
    const st = this.meetings.get(meetingId);
    return st ? { cast: st.cast, valid: st.valid, used: st.used, usedByBatch: [...st.usedByBatch] } : { cast: 0, valid: 0, used: 0, usedByBatch: [] };
  }

  allCounts(): Array<[string, MeetingCounts]> {
    return [...this.meetings.keys()].map((m) => [m, this.counts(m)]);
  }

  /** Bumps the header's user version: the counter a raw copy checks before and after (see the top of the file). */
  private bump(): void {
    this.generation = (this.generation + 1) % 0x7fffffff;
    this.db.exec(`pragma user_version = ${this.generation}`);
  }

  /** Whether the one-time move of ballots written before the box has been done. */
  legacyMoved(): boolean {
    return readState({ db: this.db }, 'legacy') === 1;
  }

  /**
   * The one-time move from a database written before the ballot box: its ballots (already encoded, shuffled by
   * the caller) become filled slots under random keys, and its slips get markers (used ones carry their nonce hash).
   */
  moveLegacy(markers: Array<{ key: Uint8Array; meetingId: string; batchId: string; used: boolean; nonceHash: Uint8Array | null }>, ballots: Array<{ meetingId: string; valid: boolean; record: Uint8Array }>): void {
    this.db.transaction(() => {
      for (const s of markers) insertMarker({ db: this.db }, Buffer.from(s.key), s.meetingId, s.batchId, s.used, s.nonceHash ? Buffer.from(s.nonceHash) : null);
      for (const b of ballots) while (!insertFilledSlot({ db: this.db }, randomSlotKey(b.meetingId), b.meetingId, b.valid, b.record));
      writeState({ db: this.db }, 'legacy', 1);
      this.bump();
    })();
    this.load();
  }

  /**
   * Takes in the markers of slips issued since the last call (from the main database, in their random order).
   * Slips issued to a meeting whose poll is open get their empty slots now, all at once. Returns the meetings
   * whose counters changed.
   */
  takeMarkers(rows: readonly MarkerRow[]): string[] {
    const fresh = rows.filter((r) => r.seq > this.absorbedUpTo);
    if (fresh.length === 0) return [];
    const added = new Map<string, number>();
    const allocated: Array<[MeetingState, number[]]> = [];
    this.db.transaction(() => {
      for (const r of fresh) if (insertMarker({ db: this.db }, Buffer.from(r.markerKey, 'hex'), r.meetingId, r.batchId)) added.set(r.meetingId, (added.get(r.meetingId) ?? 0) + 1);
      for (const [m, n] of added) {
        const st = this.meeting(m);
        if (st.size > 0) allocated.push([st, this.allocate(m, st, st.unused + n - st.free.length)]);
      }
      writeState({ db: this.db }, 'absorbed', fresh[fresh.length - 1]!.seq);
      this.bump();
    })();
    this.absorbedUpTo = fresh[fresh.length - 1]!.seq;
    for (const [m, n] of added) this.meeting(m).unused += n;
    for (const [st, keys] of allocated) addFree(st, keys);
    return [...added.keys()];
  }

  /**
   * Fixes a meeting's record size and creates the empty slots of all its slips now (when its poll opens), so
   * that no voter waits for them. Slots of another size (a poll whose forms changed while closed) are left
   * empty and never drawn again.
   */
  prepare(meetingId: string, recordSize: number, headSize: number): void {
    const st = this.meeting(meetingId);
    this.db.transaction(() => {
      this.resize(meetingId, st, recordSize, headSize);
      addFree(st, this.allocate(meetingId, st, st.unused - st.free.length));
      this.bump();
    })();
  }

  /**
   * Fixes a meeting's record and head sizes (inside the caller's transaction). Slots of another size (a poll whose
   * forms changed while closed, or older records) are left empty and never drawn again.
   */
  private resize(meetingId: string, st: MeetingState, recordSize: number, headSize: number): void {
    if (st.size !== recordSize) {
      st.size = recordSize;
      st.free = [];
      setRecordSize({ db: this.db }, meetingId, recordSize);
    }
    if (st.headSize !== headSize) {
      st.headSize = headSize;
      setHeadSize({ db: this.db }, meetingId, headSize);
    }
  }

  /**
   * Creates `count` empty slots of the meeting's record size under fresh random keys, each with its empty head
   * under the same key when the meeting's records have heads (inside the caller's transaction).
   */
  private allocate(m: string, st: MeetingState, count: number): number[] {
    const keys: number[] = [];
    for (let i = 0; i < count; i++) {
      let k = randomSlotKey(m);
      while (!insertEmptySlot({ db: this.db }, k, m, st.size)) k = randomSlotKey(m);
      if (st.headSize > 0) insertEmptyHead({ db: this.db }, k, m, st.headSize);
      keys.push(k);
    }
    return keys;
  }

  /** Whether the slip with this marker has voted (and with which nonce). */
  marker(key: Uint8Array): { used: boolean; nonceHash: Buffer | null; batchId: string; meetingId: string } | undefined {
    const row = findMarker({ db: this.db }, Buffer.from(key.buffer, key.byteOffset, key.byteLength));
    if (!row) return undefined;
    return { used: row.u === 1, nonceHash: row.u === 1 ? row.n : null, batchId: row.b, meetingId: row.m };
  }

  /**
   * Writes a group of ballots in one transaction, in random order: each fills a random empty slot of its meeting
   * and flips its slip's marker, both in place. Throws (nothing of the group stored) on an I/O error.
   */
  writeGroup(jobs: readonly StoreJob[]): StoreResult[] {
    const results: StoreResult[] = new Array(jobs.length);
    const accepted: Array<{ i: number; job: StoreJob; batchId: string }> = [];
    const inGroup = new Map<string, Uint8Array | null>();
    for (const i of shuffle(jobs.map((_, i) => i))) {
      const job = jobs[i]!;
      const hex = Buffer.from(job.markerKey).toString('hex');
      if (inGroup.has(hex)) {
        results[i] = { kind: 'used', nonceMatches: sameBytes(job.nonceHash, inGroup.get(hex)!) };
        continue;
      }
      const m = this.marker(job.markerKey);
      if (!m || m.meetingId !== job.meetingId) {
        results[i] = { kind: 'unknown' };
        continue;
      }
      if (m.used) {
        results[i] = { kind: 'used', nonceMatches: sameBytes(job.nonceHash, m.nonceHash) };
        continue;
      }
      if (job.record.length !== job.recordSize) throw new Error('ballot box: a record does not fit its slots');
      inGroup.set(hex, job.nonceHash);
      accepted.push({ i, job, batchId: m.batchId });
    }
    if (accepted.length === 0) return results;
    try {
      this.db.transaction(() => {
        const need = new Map<string, number>();
        for (const { job } of accepted) {
          const st = this.meeting(job.meetingId);
          // A meeting whose poll opened before the box prepared its slots: its first ballot fixes the sizes.
          if (job.recordSize !== st.size || job.headSize !== st.headSize) this.resize(job.meetingId, st, job.recordSize, job.headSize);
          need.set(job.meetingId, (need.get(job.meetingId) ?? 0) + 1);
        }
        for (const [m, n] of need) {
          const st = this.meeting(m);
          addFree(st, this.allocate(m, st, Math.max(n, st.unused) - st.free.length));
        }
        for (const { job } of accepted) {
          const st = this.meeting(job.meetingId);
          const i = randomInt(st.free.length);
          const k = st.free[i]!;
          st.free[i] = st.free[st.free.length - 1]!;
          st.free.pop();
          if (!this.fill(st, k, job)) throw new Error('ballot box: a free slot was not empty');
          if (!useMarker({ db: this.db }, Buffer.from(job.markerKey), job.nonceHash ? Buffer.from(job.nonceHash) : null)) throw new Error('ballot box: a marker checked unused was used');
        }
        this.bump();
      })();
    } catch (error) {
      // Nothing of the group is stored (disk full, I/O error): re-read the truth.
      this.load();
      throw error;
    }
    for (const { i, job, batchId } of accepted) {
      const st = this.meeting(job.meetingId);
      st.cast++;
      if (job.valid) st.valid++;
      st.used++;
      st.unused--;
      st.usedByBatch.set(batchId, (st.usedByBatch.get(batchId) ?? 0) + 1);
      results[i] = { kind: 'stored', valid: job.valid };
    }
    return results;
  }

  /**
   * Writes a ballot into the empty slot `k` of its meeting (inside the caller's transaction). A ballot without free
   * text is its head: written there alone, its slot's page is neither journaled nor synced (box.repository.ts). One
   * with text fills its head and its slot; a slot created before heads existed has none and takes the whole record.
   * False when the slot or its head already held a ballot.
   */
  private fill(st: MeetingState, k: number, job: StoreJob): boolean {
    if (st.headSize > 0) {
      if (fillHead({ db: this.db }, k, job.record.subarray(0, st.headSize))) return blankPast(job.record, st.headSize) || fillSlot({ db: this.db }, k, job.valid, job.record);
      if (filledHead({ db: this.db }, job.meetingId, k)) return false;
    }
    return fillSlot({ db: this.db }, k, job.valid, job.record);
  }

  /** The records of a meeting's ballots, in the order of their random slot keys. */
  records(meetingId: string): Buffer[] {
    return filledRecords({ db: this.db }, meetingId);
  }

  /**
   * What an export reads before the records themselves: the slot keys of a meeting's ballots in key order, the
   * ballots counted by the category byte of their compact records (`format` is their first byte), and the keys
   * of records in another format, whose category only decoding tells. A filled slot is never written again, so
   * the keys name the same ballots for as long as an export takes.
   */
  ballotIndex(meetingId: string, format: number): BallotIndex {
    const st = this.meetings.get(meetingId);
    const fromHeads = st !== undefined && st.headSize > 0 && countFilledHeads({ db: this.db }, meetingId) === st.cast;
    const keys = Float64Array.from(filledKeys({ db: this.db }, meetingId, fromHeads));
    const categories: Array<[number, number]> = [];
    let others = 0;
    for (const [first, category, n] of countByHeader({ db: this.db }, meetingId, fromHeads)) {
      if (first[0] === format) categories.push([category[0] ?? 0, n]);
      else others += n;
    }
    return { keys, categories, others: others > 0 ? Float64Array.from(keysNotInFormat({ db: this.db }, meetingId, format)) : new Float64Array(0) };
  }

  /**
   * The records of a meeting's ballots in these slots, in the order given; throws if one holds no ballot of it.
   * Read in key order (twice as fast as in a random order: neighbouring slots share pages), answered as asked.
   * With `heads`, a ballot whose head is kept apart (`heads.size` bytes starting with `heads.format`: a tenth of a
   * village record, in a table that stays in the cache) is answered with its head alone unless one of the byte
   * ranges `heads.marks` of it is not all zero (then the reader needs the whole record: see wholeRecordMarks in
   * domain/ballot-record.ts).
   */
  recordsAt(meetingId: string, keys: Float64Array, heads?: { size: number; format: number; marks: Array<[number, number]> }): Buffer[] {
    const st = this.meetings.get(meetingId);
    const useHeads = heads !== undefined && st !== undefined && st.headSize === heads.size;
    const enough = (head: Buffer | undefined): head is Buffer => {
      if (!head || head.length !== heads!.size || head[0] !== heads!.format) return false;
      for (const [at, n] of heads!.marks) for (let j = at; j < at + n; j++) if (head[j] !== 0) return false;
      return true;
    };
    const order = Array.from(keys.keys()).sort((a, b) => keys[a]! - keys[b]!);
    const out: Buffer[] = new Array(keys.length);
    for (const i of order) {
      const head = useHeads ? filledHead({ db: this.db }, meetingId, keys[i]!) : undefined;
      if (enough(head)) {
        out[i] = head;
        continue;
      }
      const r = filledRecord({ db: this.db }, meetingId, keys[i]!);
      if (!r) throw new Error('ballot box: a slot read for an export holds no ballot of its meeting');
      out[i] = r;
    }
    return out;
  }

  /**
   * The heads of a meeting's compact records (undefined when any record is not compact): from the heads kept apart
   * when every ballot of the meeting has one, otherwise cut from the whole records.
   */
  heads(meetingId: string, layout: { recordSize: number; headSize: number; format: number }): Buffer[] | undefined {
    const st = this.meetings.get(meetingId);
    if (st && st.headSize === layout.headSize && st.size === layout.recordSize) {
      // Every ballot's head, in one buffer (countRecords reads a buffer of many heads as well as one per head).
      const packed = packedHeads({ db: this.db }, meetingId, keyRange(meetingId), layout.headSize, layout.format, st.cast);
      if (packed) return [packed];
    }
    return recordHeads({ db: this.db }, meetingId, layout);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * A bitmap of used markers, kept by the server's thread so that a voter's form (GET) need not wait for the box's
 * thread behind a group's fsyncs to learn whether the slip has voted: a clear bit means unused for certain; a set
 * bit means used, or another key on the same bit (about 1 in 80 with 100,000 used slips), which asks the box.
 * A bitmap has no order: it says which slips have voted, as the markers do, never in which order.
 */
export const USED_BITMAP_BYTES = 1 << 20;

/** The bit of a marker key: its first bytes, uniform since keys are hashes. */
function usedSlipBit(key: Uint8Array): number {
  return (((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0) % (USED_BITMAP_BYTES * 8);
}

export function setUsedSlipBit(bits: Uint8Array, key: Uint8Array): void {
  const b = usedSlipBit(key);
  bits[b >>> 3]! |= 1 << (b & 7);
}

export function usedSlipBitSet(bits: Uint8Array, key: Uint8Array): boolean {
  const b = usedSlipBit(key);
  return (bits[b >>> 3]! & (1 << (b & 7))) !== 0;
}
