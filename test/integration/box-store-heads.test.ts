// The heads a tally reads (BoxStore.heads): every ballot's head of a meeting, once, side by side in one buffer,
// whichever way its slots were keyed, and nothing of another meeting.
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

function castAll(store: BoxStore, meetingId: string, count: number, first = 0): void {
  const keys = Array.from({ length: count }, () => randomBytes(16));
  store.prepare(meetingId, REC, HEAD);
  store.takeMarkers(keys.map((k, i) => ({ seq: store.absorbedUpTo + i + 1, markerKey: k.toString('hex'), meetingId, batchId: 'b' })));
  const results = store.writeGroup(keys.map((k, i) => ({ meetingId, markerKey: k, nonceHash: null, recordSize: REC, headSize: HEAD, valid: true, record: record(first + i) })));
  expect(results.every((r) => r.kind === 'stored')).toBe(true);
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
