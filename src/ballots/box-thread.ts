// The ballot box's thread: owns the box's file (box-store.ts) and answers the requests of src/ballots/ballot-box.ts.
// Writes and their fsyncs happen here, so the server's event loop never waits for the disk.
//
// Requests arrive on one port, in order; each answer goes back on one port, and the shared `signal` counter is
// bumped after each, so that the server thread can also wait for an answer synchronously (reads for tallies).
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BoxStore, type MarkerRow, type StoreJob, type StoreResult } from './box-store.js';

export type BoxRequest =
  | { op: 'init' }
  | { op: 'legacy'; slips: Parameters<BoxStore['moveLegacy']>[0]; ballots: Parameters<BoxStore['moveLegacy']>[1] }
  | { op: 'markers' }
  | { op: 'usedBitmap' }
  | { op: 'group'; jobs: PackedJobs }
  | { op: 'marker'; key: Uint8Array }
  | { op: 'prepare'; meetingId: string; recordSize: number; headSize: number }
  | { op: 'records'; meetingId: string }
  | { op: 'index'; meetingId: string; format: number }
  | { op: 'recordsAt'; meetingId: string; keys: Float64Array; heads?: { size: number; format: number; marks: Array<[number, number]> } }
  | { op: 'heads'; meetingId: string; layout: { recordSize: number; headSize: number; format: number } }
  | { op: 'inspect'; sql: string; params: unknown[] }
  | { op: 'close' };

/** Every request carries the markers issued since the last one the server saw (taken in first). */
export type BoxMessage = BoxRequest & { id: number; markers: MarkerRow[] };

export interface BoxReply {
  id: number;
  value?: unknown;
  error?: { message: string; code?: string };
  /** Counters of the meetings the request changed. */
  counts: Array<[string, ReturnType<BoxStore['counts']>]>;
  absorbedUpTo: number;
  /** Groups written and ballots in them, for tests and benchmarks. */
  groups: number;
  jobs: number;
}

/**
 * A group's jobs in one transferable buffer, so that handing a group over copies each record once and clones no
 * object per ballot. Per job: the meeting (u16, an index into `meetings`), flags (u8: 1 valid, 2 with a nonce hash),
 * the marker key's length (u8) and bytes, the nonce hash (32 bytes, when flagged), the record and head sizes
 * (u32 each), the record's length (u32) and bytes.
 */
export interface PackedJobs {
  meetings: string[];
  bytes: Uint8Array;
}
const NONCE_HASH_BYTES = 32;

export function packJobs(jobs: readonly StoreJob[]): PackedJobs {
  const meetings: string[] = [];
  const meetingIndex = new Map<string, number>();
  let total = 0;
  for (const j of jobs) {
    if (j.markerKey.length > 255 || (j.nonceHash && j.nonceHash.length !== NONCE_HASH_BYTES)) throw new Error('ballot box: a job does not pack');
    total += 4 + j.markerKey.length + (j.nonceHash ? NONCE_HASH_BYTES : 0) + 12 + j.record.length;
  }
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const j of jobs) {
    let m = meetingIndex.get(j.meetingId);
    if (m === undefined) meetingIndex.set(j.meetingId, (m = meetings.push(j.meetingId) - 1));
    view.setUint16(at, m);
    bytes[at + 2] = (j.valid ? 1 : 0) | (j.nonceHash ? 2 : 0);
    bytes[at + 3] = j.markerKey.length;
    bytes.set(j.markerKey, at + 4);
    at += 4 + j.markerKey.length;
    if (j.nonceHash) {
      bytes.set(j.nonceHash, at);
      at += NONCE_HASH_BYTES;
    }
    view.setUint32(at, j.recordSize);
    view.setUint32(at + 4, j.headSize);
    view.setUint32(at + 8, j.record.length);
    bytes.set(j.record, at + 12);
    at += 12 + j.record.length;
  }
  return { meetings, bytes };
}

/** The jobs of a packed group: their keys, hashes and records are views into its buffer. */
export function unpackJobs({ meetings, bytes }: PackedJobs): StoreJob[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const part = (from: number, length: number) => Buffer.from(bytes.buffer, bytes.byteOffset + from, length);
  const jobs: StoreJob[] = [];
  for (let at = 0; at < bytes.length; ) {
    const meetingId = meetings[view.getUint16(at)]!;
    const flags = bytes[at + 2]!;
    const markerKey = part(at + 4, bytes[at + 3]!);
    at += 4 + markerKey.length;
    const nonceHash = flags & 2 ? part(at, NONCE_HASH_BYTES) : null;
    if (nonceHash) at += NONCE_HASH_BYTES;
    const record = part(at + 12, view.getUint32(at + 8));
    jobs.push({ meetingId, markerKey, nonceHash, recordSize: view.getUint32(at), headSize: view.getUint32(at + 4), valid: (flags & 1) === 1, record });
    at += 12 + record.length;
  }
  return jobs;
}

/** A group's results, one byte each: 0 unknown slip, 1 stored invalid, 2 stored valid, 3 used (another nonce), 4 used (this nonce). */
export function packResults(results: readonly StoreResult[]): Uint8Array {
  return Uint8Array.from(results, (r) => (r.kind === 'unknown' ? 0 : r.kind === 'stored' ? (r.valid ? 2 : 1) : r.nonceMatches ? 4 : 3));
}

export function unpackResults(codes: Uint8Array): StoreResult[] {
  return Array.from(codes, (c): StoreResult => (c === 0 ? { kind: 'unknown' } : c <= 2 ? { kind: 'stored', valid: c === 2 } : { kind: 'used', nonceMatches: c === 4 }));
}

/** Many records in one transferable buffer: lengths, then the bytes (no copy per record when it crosses threads). */
export function packRecords(records: readonly Uint8Array[] | undefined): { lengths: Uint32Array; bytes: Uint8Array } | null {
  if (!records) return null;
  // One buffer that owns its memory (the heads, joined by SQLite) goes as it is: no copy of megabytes.
  const only = records.length === 1 ? records[0]! : null;
  if (only && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength && !(only.buffer instanceof SharedArrayBuffer)) {
    return { lengths: Uint32Array.of(only.length), bytes: only };
  }
  const lengths = new Uint32Array(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) total += lengths[i] = records[i]!.length;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const r of records) {
    bytes.set(r, at);
    at += r.length;
  }
  return { lengths, bytes };
}

export function unpackRecords(packed: { lengths: Uint32Array; bytes: Uint8Array } | null): Buffer[] | undefined {
  if (!packed) return undefined;
  const out: Buffer[] = new Array(packed.lengths.length);
  let at = packed.bytes.byteOffset;
  for (let i = 0; i < out.length; i++) {
    out[i] = Buffer.from(packed.bytes.buffer, at, packed.lengths[i]!);
    at += packed.lengths[i]!;
  }
  return out;
}

function serve(store: BoxStore, requests: MessagePort, replies: MessagePort, signal: Int32Array): void {
  const stats = { groups: 0, jobs: 0 };
  const answer = (reply: BoxReply, transfer: ArrayBuffer[] = []) => {
    replies.postMessage(reply, transfer);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  requests.on('message', (msg: BoxMessage) => {
    const touched = new Set<string>();
    let value: unknown;
    let error: BoxReply['error'];
    const transfer: ArrayBuffer[] = [];
    try {
      if (msg.markers.length > 0) for (const m of store.takeMarkers(msg.markers)) touched.add(m);
      switch (msg.op) {
        case 'init':
          value = { counts: store.allCounts(), legacyMoved: store.legacyMoved() };
          break;
        case 'legacy':
          store.moveLegacy(msg.slips, msg.ballots);
          value = { counts: store.allCounts() };
          break;
        case 'markers':
          break;
        case 'usedBitmap': {
          const bits = store.usedBitmap();
          transfer.push(bits.buffer as ArrayBuffer);
          value = bits;
          break;
        }
        case 'group': {
          const results = store.writeGroup(unpackJobs(msg.jobs));
          for (const m of msg.jobs.meetings) touched.add(m);
          stats.groups++;
          stats.jobs += results.filter((r) => r.kind === 'stored').length;
          const codes = packResults(results);
          transfer.push(codes.buffer as ArrayBuffer);
          value = codes;
          break;
        }
        case 'marker':
          value = store.marker(msg.key) ?? null;
          break;
        case 'prepare':
          store.prepare(msg.meetingId, msg.recordSize, msg.headSize);
          break;
        case 'records':
        case 'heads': {
          const packed = packRecords(msg.op === 'records' ? store.records(msg.meetingId) : store.heads(msg.meetingId, msg.layout));
          if (packed) transfer.push(packed.lengths.buffer as ArrayBuffer, packed.bytes.buffer as ArrayBuffer);
          value = packed;
          break;
        }
        case 'index': {
          const index = store.ballotIndex(msg.meetingId, msg.format);
          transfer.push(index.keys.buffer as ArrayBuffer, index.others.buffer as ArrayBuffer);
          value = index;
          break;
        }
        case 'recordsAt': {
          const packed = packRecords(store.recordsAt(msg.meetingId, msg.keys, msg.heads))!;
          transfer.push(packed.lengths.buffer as ArrayBuffer, packed.bytes.buffer as ArrayBuffer);
          value = packed;
          break;
        }
        case 'inspect': {
          // Diagnostics and tests: read-only statements and pragma reads only.
          const pragma = /^pragma ([a-z_]+)$/.exec(msg.sql);
          if (pragma) value = store.db.pragma(pragma[1]!, { simple: true });
          else {
            const stmt = store.db.prepare(msg.sql);
            if (!stmt.readonly) throw new Error('inspect: only read-only statements');
            value = stmt.all(...msg.params);
          }
          break;
        }
        case 'close':
          store.close();
          break;
      }
    } catch (err) {
      error = { message: err instanceof Error ? err.message : String(err), ...(err && typeof err === 'object' && 'code' in err ? { code: String(err.code) } : {}) };
      // A failed group re-read the file: every meeting's counters may have moved back.
      if (msg.op === 'group') for (const [m] of store.allCounts()) touched.add(m);
    }
    const counts = msg.op === 'close' ? [] : [...touched].map((m) => [m, store.counts(m)] as [string, ReturnType<BoxStore['counts']>]);
    answer({ id: msg.id, ...(error ? { error } : { value }), counts, absorbedUpTo: store.absorbedUpTo, groups: stats.groups, jobs: stats.jobs }, transfer);
    if (msg.op === 'close') requests.close();
  });
}

if (parentPort && workerData?.ballotBox) {
  const { path, requests, replies, signal } = workerData.ballotBox as { path: string; requests: MessagePort; replies: MessagePort; signal: SharedArrayBuffer };
  const flag = new Int32Array(signal);
  let store: BoxStore | undefined;
  let failure: BoxReply['error'];
  try {
    store = new BoxStore(path);
  } catch (err) {
    // The file cannot be opened (another server holds it, a bad path): every request is told why.
    failure = { message: err instanceof Error ? err.message : String(err), ...(err && typeof err === 'object' && 'code' in err ? { code: String(err.code) } : {}) };
  }
  if (store) serve(store, requests, replies, flag);
  else
    requests.on('message', (msg: BoxMessage) => {
      replies.postMessage({ id: msg.id, error: failure, counts: [], absorbedUpTo: 0, groups: 0, jobs: 0 } satisfies BoxReply);
      Atomics.add(flag, 0, 1);
      Atomics.notify(flag, 0);
      if (msg.op === 'close') requests.close();
    });
}
