// The ballot box as the server sees it. Its file (`<db>.ballots`) is written and read only by the box's own thread
// (box-thread.ts, running box-store.ts, where the file's layout and its guarantees are described): the group
// commit and its fsyncs never block the event loop, so a slow disk or a long group delays the voters of that
// group only, and /healthz, turnout and the console keep answering.
//
// This side keeps:
// - the queue of submissions. Each is checked against the main database (poll still open, slip not voided) just
//   before its group is handed to the thread (all of a group's checks in one read transaction); one group is on
//   its way at a time, and everything that arrives meanwhile forms the next, which leaves as soon as the thread
//   answers, so groups grow with the disk's latency instead of queueing behind it.
// - a fence (`settle`) for the few writes that change what that check decides (closing a poll): it holds new
//   groups back, waits for those on their way, runs the write, and lets the held submissions be checked after it.
// - the preparation of a poll's slots when it opens (a timer looks for newly opened polls every second).
// - the counters of each meeting (ballots cast and valid, slips used per batch), updated from every answer of
//   the thread: turnout reads them without asking the thread.
// - the markers of slips issued since the thread last heard: every request carries them, so a slip issued a
//   moment ago can vote at once; a timer hands them over every second otherwise.
//
// Reads of records for tallies and exports wait for the thread synchronously (Atomics.wait on a shared counter,
// then receiveMessageOnPort): they run when an admin asks for results, not on a voter's path.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { readSnapshot, readSnapshotSync, sealAfterPollClose, type Db } from '../db/client.js';
import { isMeetingOpen, meetingVersion } from '../meetings/index.js';
import { forgetLegacyUse, isSlipVoided, legacySlips, legacyMarkerKey, pendingMarkersAfter } from '../slips/index.js';
import { decodeRecord, encodeRecord, type RecordFormat, type StoredBallot } from './ballot-record.js';
import { boxErrors, jobRecord } from './box-jobs.js';
import { deleteLegacyBallots, legacyBallots, meetingRecordFormatNow, openMeetingIds } from './ballots.repository.js';
import { setUsedSlipBit, shuffle, usedSlipBitSet, USED_BITMAP_BYTES, type BallotIndex, type MarkerRow, type MeetingCounts } from './box-store.js';
import type { BallotBox, BallotBoxCounts, BallotReader, CastJob, CastResult, HeadsWanted } from './box.js';
import { packJobs, unpackRecords, unpackResults, type BoxMessage, type PackedJobs, type BoxReply, type BoxRequest } from './box-thread.js';

/** The ballot box of the main database at `mainPath`. */
export const ballotBoxPath = (mainPath: string) => (mainPath === ':memory:' ? ':memory:' : `${mainPath}.ballots`);

export interface BallotBoxOptions {
  /** Largest group written in one transaction. */
  maxGroup?: number;
}

interface Pending {
  job: CastJob;
  record: Buffer;
  resolve: (r: CastResult) => void;
  reject: (e: unknown) => void;
}

type Waiter = { resolve: (reply: BoxReply) => void };

/**
 * Groups handed to the thread and not yet answered: one. The next group leaves the moment its answer arrives, before
 * its voters are answered (sendGroup), so the thread waits only for that message; meanwhile every ballot that arrived
 * joins the next group. With a second group waiting behind the first, that second group took only the ballots of one
 * turn of the event loop, often one or two, and paid a whole commit's syncs for them (BENCHMARKS.md).
 */
const MAX_IN_FLIGHT = 1;

/** Records in an older format read at a time when an export opens a meeting's ballots. */
const OTHER_RECORDS_PER_READ = 1000;

const { closing, failed: boxFailed } = boxErrors;

/**
 * The box's thread allocates little and briefly (a group's records, the answers to reads), so its young generation is
 * kept small: V8's default (16 MB semi-spaces, as for the server's thread) would hold about 30 MB of memory for it.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 6 };

/** Starts the box's thread: the compiled file when there is one, otherwise the TypeScript source through tsx. */
function startThread(workerData: unknown, transferList: MessagePort[]): Worker {
  const js = new URL('./box-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData, transferList, resourceLimits: THREAD_LIMITS });
  const ts = new URL('./box-thread.ts', import.meta.url).href;
  // tsx's ESM entry (its `import` export): the CommonJS one cannot register hooks in a thread.
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const entry = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const tsx = pathToFileURL(join(dirname(pkg), entry)).href;
  // Should loading fail, every request is answered with why (the server thread may be waiting synchronously).
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); }).catch((e) => {
    const { requests, replies, signal } = require('node:worker_threads').workerData.ballotBox;
    const flag = new Int32Array(signal);
    requests.on('message', (m) => {
      replies.postMessage({ id: m.id, error: { message: String((e && e.message) || e) }, counts: [], absorbedUpTo: 0, groups: 0, jobs: 0 });
      Atomics.add(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
  })`;
  return new Worker(code, { eval: true, workerData, transferList, resourceLimits: THREAD_LIMITS });
}

export class SqliteBallotBox implements BallotBox {
  /** Figures for tests and benchmarks: groups written and ballots in them. */
  readonly stats = { groups: 0, jobs: 0 };
  private readonly maxGroup: number;
  private readonly thread: Worker;
  private readonly requests: MessagePort;
  private readonly replies: MessagePort;
  private readonly signal: Int32Array;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly counters = new Map<string, MeetingCounts>();
  private queue: Pending[] = [];
  private scheduled = false;
  /** Groups on their way to the thread (at most MAX_IN_FLIGHT). */
  private inFlight = new Set<Promise<void>>();
  /** Fences in progress: while above zero, no group leaves. */
  private held = 0;
  private sentUpTo = 0;
  /** Which slips have voted, as a bitmap with no order (box-store.ts, USED_BITMAP_BYTES): read at start, kept by each group's answer. */
  private usedBits: Uint8Array = new Uint8Array(USED_BITMAP_BYTES);
  private closed = false;
  private failure: string | null = null;
  private readonly poller: NodeJS.Timeout;

  constructor(
    /** The main database: read for slips' markers (and, once, for ballots written before the box). */
    private readonly main: Db,
    readonly path: string,
    options: BallotBoxOptions = {},
  ) {
    this.maxGroup = options.maxGroup ?? 512;
    const requests = new MessageChannel();
    const replies = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.signal = new Int32Array(signal);
    this.requests = requests.port1;
    this.replies = replies.port2;
    this.thread = startThread({ ballotBox: { path, requests: requests.port2, replies: replies.port1, signal } }, [requests.port2, replies.port1]);
    this.thread.on('error', (err) => this.fail(err instanceof Error ? err.message : String(err)));
    this.thread.on('exit', (code) => {
      if (!this.closed) this.fail(`exit ${code}`);
    });
    this.replies.on('message', (reply: BoxReply) => this.onReply(reply));
    // The thread keeps no event loop of ours alive (only an answer awaited does, see request): the server (or a
    // CLI) decides when to stop.
    this.thread.unref();
    this.replies.unref();
    try {
      const init = this.call({ op: 'init' }) as { counts: Array<[string, MeetingCounts]>; legacyMoved: boolean };
      for (const [m, c] of init.counts) this.counters.set(m, c);
      if (!init.legacyMoved) this.moveLegacy();
      this.usedBits = this.call({ op: 'usedBitmap' }) as Uint8Array;
      this.main.transaction((tx) => {
        deleteLegacyBallots({ db: tx });
        forgetLegacyUse({ db: tx });
      });
    } catch (err) {
      this.closed = true;
      void this.thread.terminate();
      throw err;
    }
    this.poller = setInterval(() => {
      if (this.closed || this.failure) return;
      try {
        const markers = this.newMarkers();
        if (markers.length > 0) void this.request({ op: 'markers' }, markers).catch(() => undefined);
        this.prepareOpenPolls();
      } catch {
        // The main database is busy or closing: the next tick, or the next vote, hands them over.
      }
    }, 1000);
    this.poller.unref();
  }

  /** Why the box's thread stopped answering (null while it works): the server cannot store ballots then. */
  get failed(): string | null {
    return this.failure;
  }

  private fail(message: string): void {
    if (this.failure) return;
    this.failure = message;
    const error = boxFailed(message);
    for (const p of this.queue.splice(0)) p.reject(error);
    for (const [id, w] of this.waiting) w.resolve({ id, error: { message }, counts: [], absorbedUpTo: this.sentUpTo, groups: this.stats.groups, jobs: this.stats.jobs });
    this.waiting.clear();
    this.replies.unref();
  }

  /** Markers of slips issued since the last request (read from the main database, in their random order). */
  private newMarkers(): MarkerRow[] {
    const rows = pendingMarkersAfter({ db: this.main }, this.sentUpTo);
    if (rows.length > 0) this.sentUpTo = rows[rows.length - 1]!.seq;
    return rows;
  }

  private onReply(reply: BoxReply): void {
    for (const [m, c] of reply.counts) this.counters.set(m, c);
    // A request that failed before its markers were stored: hand them over again next time.
    if (reply.absorbedUpTo < this.sentUpTo && reply.error) this.sentUpTo = reply.absorbedUpTo;
    this.stats.groups = reply.groups;
    this.stats.jobs = reply.jobs;
    const w = this.waiting.get(reply.id);
    if (w) {
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.replies.unref();
      w.resolve(reply);
    }
  }

  private post(req: BoxRequest, markers: MarkerRow[], transfer: ArrayBuffer[] = []): number {
    const id = this.nextId++;
    this.requests.postMessage({ ...req, id, markers } satisfies BoxMessage, transfer);
    return id;
  }

  /** A request answered asynchronously (`transfer`: buffers of the request handed over, no longer usable here). */
  private request(req: BoxRequest, markers: MarkerRow[] = this.newMarkers(), transfer: ArrayBuffer[] = []): Promise<BoxReply> {
    if (this.failure) return Promise.reject(boxFailed(this.failure));
    // The thread has closed its file and its port: a request now would never be answered.
    if (this.closed) return Promise.reject(closing());
    const id = this.post(req, markers, transfer);
    // An answer awaited keeps the process alive (a CLI or a benchmark reading an export has nothing else that does).
    if (this.waiting.size === 0) this.replies.ref();
    return new Promise<BoxReply>((resolve) => this.waiting.set(id, { resolve }));
  }

  /** A request answered synchronously: blocks this thread until the box's thread has answered it. */
  private call(req: BoxRequest): unknown {
    if (this.failure) throw boxFailed(this.failure);
    const id = this.post(req, req.op === 'init' ? [] : this.newMarkers());
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      for (let m = receiveMessageOnPort(this.replies); m; m = receiveMessageOnPort(this.replies)) {
        const reply = m.message as BoxReply;
        if (reply.id !== id) {
          this.onReply(reply);
          continue;
        }
        this.onReply(reply);
        if (reply.error) throw new Error(`ballot box: ${reply.error.message}`);
        return reply.value;
      }
      if (Atomics.wait(this.signal, 0, seen, 120_000) === 'timed-out') {
        this.fail('no answer');
        throw boxFailed('no answer');
      }
    }
  }

  /** The one-time move from a database written before the ballot box (see box-store.ts). */
  private moveLegacy(): void {
    const slips = shuffle(legacySlips({ db: this.main })).map((s) => ({
      key: legacyMarkerKey(s.tokenHash),
      meetingId: s.meetingId,
      batchId: s.batchId,
      used: s.status === 'used',
      nonceHash: s.nonceHash ? Buffer.from(s.nonceHash, 'hex') : null,
    }));
    const ballots = shuffle(legacyBallots({ db: this.main }));
    const sizes = new Map<string, number>();
    const stored = ballots.map((b) => {
      const ballot: StoredBallot = { category: b.category, source: b.source, answers: b.answers, valid: b.valid, breaches: b.breaches };
      const probe = encodeRecord(1 << 30, ballot);
      sizes.set(b.meetingId, Math.max(sizes.get(b.meetingId) ?? 0, probe.readUInt32BE(0) + 4));
      return { meetingId: b.meetingId, ballot };
    });
    const records = stored.map((s) => ({ meetingId: s.meetingId, valid: s.ballot.valid, record: encodeRecord(sizes.get(s.meetingId)!, s.ballot) }));
    const out = this.call({ op: 'legacy', slips, ballots: records }) as { counts: Array<[string, MeetingCounts]> };
    for (const [m, c] of out.counts) this.counters.set(m, c);
  }

  /**
   * False when the slip with this marker has certainly not voted (as far as the groups answered so far say): a
   * voter's form is then sent without asking the box's thread, which may be busy writing a group. True means it may
   * have: ask `marker`.
   */
  mayHaveVoted(key: Uint8Array): boolean {
    return usedSlipBitSet(this.usedBits, key);
  }

  /** Whether the slip with this marker has voted (and with which nonce). */
  async marker(key: Buffer): Promise<{ used: boolean; nonceHash: Buffer | null; batchId: string } | undefined> {
    const reply = await this.request({ op: 'marker', key });
    if (reply.error) throw boxFailed(reply.error.message);
    const m = reply.value as { used: boolean; nonceHash: Uint8Array | null; batchId: string } | null;
    return m ? { used: m.used, nonceHash: m.nonceHash ? Buffer.from(m.nonceHash) : null, batchId: m.batchId } : undefined;
  }

  /** The cast's reads in one read snapshot of the main database (BallotBox.readBeforeCast). */
  readBeforeCast<T>(read: () => Promise<T>): Promise<T> {
    return readSnapshot(this.main, read);
  }

  /** Queues a ballot for the next group; resolves once that group is on disk (or with why it was not stored). */
  submit(job: CastJob): Promise<CastResult> {
    if (this.closed) return Promise.reject(closing());
    if (this.failure) return Promise.reject(boxFailed(this.failure));
    // A ballot too large for its meeting's record rejects here (the executor's throw), before it is queued.
    return new Promise<CastResult>((resolve, reject) => {
      this.queue.push({ job, record: jobRecord(job), resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.closed || this.scheduled || this.inFlight.size >= MAX_IN_FLIGHT || this.held > 0 || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate lets every request already parsed in this turn of the event loop join the group.
    setImmediate(() => {
      this.scheduled = false;
      this.sendGroup();
    });
  }

  /**
   * A queued ballot's guard (CastJob.guard), against the main database in the group's read snapshot: false when it
   * was answered here (the poll closed, the slip voided).
   */
  private guardPasses(p: Pending, versions: Map<string, number | undefined>, open: Map<string, boolean>): boolean {
    const { meetingId, guard } = p.job;
    if (!versions.has(meetingId)) versions.set(meetingId, meetingVersion({ db: this.main }, meetingId));
    if (versions.get(meetingId) === guard.seenVersion) return true;
    if (!open.has(meetingId)) open.set(meetingId, isMeetingOpen({ db: this.main }, meetingId));
    if (!open.get(meetingId)) {
      p.resolve({ kind: 'closed' });
      return false;
    }
    if (isSlipVoided({ db: this.main }, guard.slipRef)) {
      p.resolve({ kind: 'voided' });
      return false;
    }
    return true;
  }

  private sendGroup(force = false): void {
    if (this.failure || (!force && (this.closed || this.inFlight.size >= MAX_IN_FLIGHT || this.held > 0))) return;
    const group = this.queue.splice(0, this.maxGroup);
    const ready: Pending[] = [];
    // The guards of the whole group, each meeting's version and open state read once.
    const versions = new Map<string, number | undefined>();
    const open = new Map<string, boolean>();
    const checkAll = () => {
      for (const p of group) {
        try {
          if (this.guardPasses(p, versions, open)) ready.push(p);
        } catch (err) {
          p.reject(err);
        }
      }
    };
    // One read transaction for the whole group: one snapshot of the main database, taken once.
    readSnapshotSync(this.main, checkAll);
    if (ready.length === 0) return this.schedule();
    let jobs: PackedJobs;
    try {
      jobs = packJobs(ready.map((p) => ({ meetingId: p.job.meetingId, markerKey: p.job.markerKey, nonceHash: p.job.nonceHash, recordSize: p.job.recordSize, headSize: p.job.record ? (p.job.headSize ?? 0) : 0, valid: p.job.ballot.valid, record: p.record })));
    } catch (err) {
      for (const p of ready) p.reject(err);
      return this.schedule();
    }
    let markers: MarkerRow[];
    try {
      markers = this.newMarkers();
    } catch {
      markers = [];
    }
    const sent: Promise<void> = this.request({ op: 'group', jobs }, markers, [jobs.bytes.buffer as ArrayBuffer]).then(
      (reply) => {
        this.inFlight.delete(sent);
        // The ballots that arrived while this group was written leave now, before its voters are answered (answering
        // them sends their responses first: a millisecond and more of the thread's time the box would wait).
        if (this.queue.length > 0) this.sendGroup();
        if (reply.error) {
          // Nothing of the group is stored (disk full, I/O error): say so to each of its voters.
          const error = boxFailed(reply.error.message);
          for (const p of ready) p.reject(error);
        } else {
          const results = unpackResults(reply.value as Uint8Array);
          ready.forEach((p, i) => {
            // Stored now, or found used: either way the slip has voted.
            if (results[i]!.kind !== 'unknown') setUsedSlipBit(this.usedBits, p.job.markerKey);
            p.resolve(results[i]!);
          });
        }
        this.schedule();
      },
      (err) => {
        this.inFlight.delete(sent);
        for (const p of ready) p.reject(err);
      },
    );
    this.inFlight.add(sent);
  }

  /**
   * Runs `write` (a change of the main database that the guards of queued ballots depend on, such as closing a poll)
   * with no group on its way: ballots handed over before it are on disk, ballots after it are checked against what
   * it wrote. The box's file keeps no arrival order (box-store.ts), so a closing meeting has nothing to forget.
   */
  async settle<T>(write: () => T | Promise<T>, _closing?: string): Promise<T> {
    this.held++;
    try {
      while (this.inFlight.size > 0) await Promise.all(this.inFlight);
      return await write();
    } finally {
      this.held--;
      this.schedule();
    }
  }

  /** Nothing to rewrite after a close (the file holds no order, box-store.ts): the main database's WAL is folded back. */
  async sealAfterClose(_meetingId: string): Promise<void> {
    sealAfterPollClose(this.main);
  }

  /** Polls seen open (their slots prepared, or their records in the older format that needs no preparing). */
  private readonly prepared = new Set<string>();

  /** Prepares the slots of polls that opened since the last look (every second, by the timer). */
  private prepareOpenPolls(): void {
    for (const id of openMeetingIds({ db: this.main })) {
      if (this.prepared.has(id)) continue;
      this.prepared.add(id);
      const layout = meetingRecordFormatNow({ db: this.main }, id).layout;
      if (layout) void this.prepare(id, layout.recordSize, layout.headSize).catch(() => this.prepared.delete(id));
    }
  }

  /** Creates the empty slots of a meeting's slips when its poll opens, so that its first voters do not wait. */
  async prepare(meetingId: string, recordSize: number, headSize: number): Promise<void> {
    const reply = await this.request({ op: 'prepare', meetingId, recordSize, headSize });
    if (reply.error) throw boxFailed(reply.error.message);
  }

  /** Turnout counts of a meeting: O(1), from the counters. */
  async counts(meetingId: string): Promise<BallotBoxCounts> {
    const c = this.counters.get(meetingId);
    return { used: c?.used ?? 0, cast: c?.cast ?? 0, valid: c?.valid ?? 0 };
  }

  /** Used slips of a meeting by batch (the batch list's counts). */
  async usedByBatch(meetingId: string): Promise<Map<string, number>> {
    return new Map(this.counters.get(meetingId)?.usedByBatch ?? []);
  }

  // The reads below answer synchronously (the thread is waited for): inside a read transaction of the main database
  // they see the box as it stands at that moment, and the transaction does not yield to other requests meanwhile.

  /** The raw records of a meeting's ballots, in the order of their random slot keys. */
  async records(meetingId: string): Promise<Buffer[]> {
    return this.recordsNow(meetingId);
  }

  private recordsNow(meetingId: string): Buffer[] {
    return unpackRecords(this.call({ op: 'records', meetingId }) as Parameters<typeof unpackRecords>[0]) ?? [];
  }

  /**
   * What an export reads of a meeting's ballots: the slot keys in key order and their counts by category, taken at
   * once (BoxStore.ballotIndex), with the few records in an older format; then the records by key, page by page,
   * answered asynchronously (a streamed export does not hold up the event loop). A filled slot is never written
   * again, so the keys name the same ballots for as long as an export takes.
   */
  async reader(meetingId: string, format: number): Promise<BallotReader> {
    const { keys, categories, others } = this.call({ op: 'index', meetingId, format }) as BallotIndex;
    const otherRecords: Buffer[] = [];
    for (let from = 0; from < others.length; from += OTHER_RECORDS_PER_READ) otherRecords.push(...this.recordsAtNow(meetingId, others.slice(from, from + OTHER_RECORDS_PER_READ)));
    return { keys, categories, otherRecords, recordsAt: (at, heads) => this.recordsAt(meetingId, at, heads) };
  }

  private async recordsAt(meetingId: string, keys: Float64Array, heads?: HeadsWanted): Promise<Buffer[]> {
    const reply = await this.request({ op: 'recordsAt', meetingId, keys, ...(heads ? { heads } : {}) });
    if (reply.error) throw new Error(`ballot box: ${reply.error.message}`);
    return unpackRecords(reply.value as Parameters<typeof unpackRecords>[0]) ?? [];
  }

  private recordsAtNow(meetingId: string, keys: Float64Array): Buffer[] {
    return unpackRecords(this.call({ op: 'recordsAt', meetingId, keys }) as Parameters<typeof unpackRecords>[0]) ?? [];
  }

  async heads(meetingId: string, layout: { recordSize: number; headSize: number; format: number }): Promise<Buffer[] | undefined> {
    return unpackRecords(this.call({ op: 'heads', meetingId, layout }) as Parameters<typeof unpackRecords>[0]);
  }

  async ballots(meetingId: string, format: RecordFormat): Promise<StoredBallot[]> {
    return this.recordsNow(meetingId).map((r) => decodeRecord(r, format));
  }

  /**
   * Runs a read-only statement on the box's file, in its thread: for tests, benchmarks and diagnostics, since no
   * other connection can open the file while the server runs.
   */
  inspect<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
    return this.call({ op: 'inspect', sql, params }) as T[];
  }

  /** Reads a pragma of the box's connection (diagnostics and tests). */
  pragma(name: string): unknown {
    return this.call({ op: 'inspect', sql: `pragma ${name}`, params: [] });
  }

  /**
   * Lets the group on its way finish, writes what is queued (checked as usual), then closes the file and stops the
   * thread. The thread answers in order, so once it has answered the close, every group before it has been answered.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle(() => undefined);
    this.closeNow();
  }

  /** `close` without waiting for the group on its way (a CLI that has nothing queued). */
  closeNow(): void {
    if (this.closed) return;
    clearInterval(this.poller);
    if (!this.failure) {
      try {
        while (this.queue.length > 0 && !this.failure) this.sendGroup(true);
        this.call({ op: 'close' });
      } catch {
        // The thread is gone: nothing more can be written.
      }
    }
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(closing());
    void this.thread.terminate();
  }
}
