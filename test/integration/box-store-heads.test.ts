// The heads a tally reads (BoxStore.heads): every ballot's head of a meeting, once, side by side in one buffer,
// whichever way its slots were keyed, and nothing of another meeting. And the ballots written into their head alone
// (no free text): their slots stay empty, yet every reader, and the box reopened, finds them whole.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BoxStore, randomSlotKey } from '../../src/ballots/box-store.js';

const REC = 40;
const HEAD = 8;
const layout = { recordSize: REC, headSize: HEAD, format: 1 };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshStore(): BoxStore {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-heads-'));
  dirs.push(dir);
  return new BoxStore(join(dir, 'c.sqlite.ballots'));
}

/** A record without free text (all zeros past the head): `valid` sets the flags byte as the encoder does. */
function plainRecord(n: number, valid = true): Uint8Array {
  const r = record(n);
  r[1] = valid ? 1 : 0;
  r[HEAD + 2] = 0;
  return r;
}

/** A record whose head says which ballot it is (bytes 3..7), format byte 1, valid. */
function record(n: number): Uint8Array {
  const r = new Uint8Array(REC);
  r[0] = 1;
  r[1] = 1;
  new DataView(r.buffer).setUint32(3, n);
  r[HEAD + 2] = 7;
  return r;
}
const numberOf = (head: Uint8Array) => new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(3);

/** The ballot numbers in the heads as returned, one buffer or many. */
function numbers(heads: Buffer[] | undefined): number[] {
  expect(heads).toBeDefined();
  const out: number[] = [];
  for (const chunk of heads!) {
    expect(chunk.length % HEAD).toBe(0);
    for (let at = 0; at < chunk.length; at += HEAD) out.push(numberOf(chunk.subarray(at, at + HEAD)));
  }
  return out.sort((a, b) => a - b);
}

/** Issues `count` slips (their slots created), casts `records(i)` with the first `cast` of them; returns the unused slips' keys. */
function castAll(store: BoxStore, meetingId: string, count: number, first = 0, make: (n: number) => Uint8Array = record, cast = count): Buffer[] {
  const keys = Array.from({ length: count }, () => randomBytes(16));
  store.prepare(meetingId, REC, HEAD);
  store.takeMarkers(keys.map((k, i) => ({ seq: store.absorbedUpTo + i + 1, markerKey: k.toString('hex'), meetingId, batchId: 'b' })));
  const jobs = keys.slice(0, cast).map((k, i) => ({ meetingId, markerKey: k, nonceHash: null, recordSize: REC, headSize: HEAD, valid: make(first + i)[1] === 1, record: make(first + i) }));
  const results = store.writeGroup(jobs);
  expect(results.every((r) => r.kind === 'stored')).toBe(true);
  return keys.slice(cast);
}

describe('the heads of a meeting', () => {
  it('are every ballot of it, once, in one buffer, and none of another meeting', () => {
    const store = freshStore();
    castAll(store, 'm1', 300);
    castAll(store, 'm2', 50, 1000);
    const heads = store.heads('m1', layout);
    expect(heads).toHaveLength(1);
    expect(numbers(heads)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(numbers(store.heads('m2', layout))).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
    // Another meeting's filled head inside m1's key region (regions are shared by chance): not m1's.
    store.db.prepare('insert into heads (k, m, f, h) values (?, ?, 1, ?)').run(randomSlotKey('m1'), 'm3', Buffer.from(record(5000).subarray(0, HEAD)));
    expect(numbers(store.heads('m1', layout))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    store.close();
  });

  it('are found whole when the slots were keyed before meetings had key regions', () => {
    const store = freshStore();
    castAll(store, 'm1', 100);
    // Move every slot and head of m1 to keys anywhere, as boxes written before key regions hold them.
    const moves = store.db.prepare('select k from heads where m = ?').pluck().all('m1') as number[];
    for (const k of moves) {
      const to = Math.floor(Math.random() * 2 ** 52);
      store.db.prepare('update heads set k = ? where k = ?').run(to, k);
      store.db.prepare('update slots set k = ? where k = ?').run(to, k);
    }
    const heads = store.heads('m1', layout);
    // Still joined by SQLite (one buffer), not cut from the whole records.
    expect(heads).toHaveLength(1);
    expect(numbers(heads)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    store.close();
  });

  it('fall back to the whole records when a head is missing or not in the format', () => {
    const store = freshStore();
    castAll(store, 'm1', 20);
    const k = store.db.prepare('select k from heads where m = ? limit 1').pluck().get('m1') as number;
    store.db.prepare('update heads set h = zeroblob(?) where k = ?').run(HEAD, k);
    // Cut from the records (one buffer per ballot), still every ballot once.
    const heads = store.heads('m1', layout);
    expect(heads).toHaveLength(20);
    expect(numbers(heads)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    store.close();
  });
});

describe('a ballot without free text', () => {
  const numbersOfRecords = (records: Buffer[]) => records.map((r) => numberOf(r)).sort((a, b) => a - b);

  it('is written into its head alone: its slot stays empty, and every reader finds its record whole', () => {
    const store = freshStore();
    // Ballots 0..29 have no free text, 100..109 have some (a byte past the head).
    castAll(store, 'm1', 30, 0, (n) => plainRecord(n, n % 3 !== 0));
    castAll(store, 'm1', 10, 100);
    const slots = store.db.prepare('select f, r from slots where m = ?').all('m1') as Array<{ f: number; r: Buffer }>;
    expect(slots.filter((s) => s.f === 1)).toHaveLength(10);
    expect(slots.filter((s) => s.f === 0).every((s) => s.r.every((b) => b === 0))).toBe(true);
    expect(store.db.prepare('select count(*) from heads where m = ? and f = 1').pluck().get('m1')).toBe(40);

    const all = [...Array.from({ length: 30 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 100 + i)];
    const records = store.records('m1');
    expect(numbersOfRecords(records)).toEqual(all);
    // Whole: the head, then zeros to the record's size; byte for byte what was cast.
    for (const r of records) expect(Buffer.compare(r, numberOf(r) < 100 ? plainRecord(numberOf(r), numberOf(r) % 3 !== 0) : record(numberOf(r)))).toBe(0);
    expect(numbers(store.heads('m1', layout))).toEqual(all);
    expect(store.counts('m1')).toMatchObject({ cast: 40, valid: 30, used: 40 });

    const index = store.ballotIndex('m1', 1);
    expect(index.keys).toHaveLength(40);
    expect(numbersOfRecords(store.recordsAt('m1', index.keys))).toEqual(all);
    expect(numbersOfRecords(store.recordsAt('m1', index.keys, { size: HEAD, format: 1, marks: [] }))).toEqual(all);
    store.close();
  });

  it('is counted, and its slot never drawn again, when the box is opened again', () => {
    const store = freshStore();
    const path = store.path;
    const unused = castAll(store, 'm1', 60, 0, (n) => plainRecord(n, n % 4 !== 0), 40);
    store.close();
    const again = new BoxStore(path);
    expect(again.counts('m1')).toMatchObject({ cast: 40, valid: 30, used: 40 });
    // The other twenty slips vote now: each finds an empty slot (none of the forty heads is drawn again).
    const results = again.writeGroup(unused.map((k, i) => ({ meetingId: 'm1', markerKey: k, nonceHash: null, recordSize: REC, headSize: HEAD, valid: true, record: plainRecord(200 + i) })));
    expect(results.every((r) => r.kind === 'stored')).toBe(true);
    expect(numbersOfRecords(again.records('m1'))).toEqual([...Array.from({ length: 40 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => 200 + i)]);
    expect(again.counts('m1')).toMatchObject({ cast: 60, valid: 50, used: 60 });
    again.close();
  });

  it('goes whole into its slot when the slot has no head (slots created before heads existed)', () => {
    const store = freshStore();
    const unused = castAll(store, 'm1', 10, 0, plainRecord, 0);
    store.db.prepare('delete from heads where m = ?').run('m1');
    const results = store.writeGroup(unused.map((k, i) => ({ meetingId: 'm1', markerKey: k, nonceHash: null, recordSize: REC, headSize: HEAD, valid: true, record: plainRecord(i) })));
    expect(results.every((r) => r.kind === 'stored')).toBe(true);
    expect(store.db.prepare('select count(*) from slots where m = ? and f = 1').pluck().get('m1')).toBe(10);
    expect(numbersOfRecords(store.records('m1'))).toEqual(Array.from({ length: 10 }, (_, i) => i));
    store.close();
  });
});
