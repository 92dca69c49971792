// A meeting far larger than a village's: a county-wide survey can issue more slips than fit in one call's arguments.
// The box creates every slot of a meeting at once when its poll opens, and again for the slips issued while it is
// open; its free list must take them all (spread into one push, 130,000 keys overflowed the stack).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BoxStore } from '../../src/ballots/box-store.js';

const dir = mkdtempSync(join(tmpdir(), 'ceping-box-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REC = 64;
const HEAD = 16;
const issue = (store: BoxStore, count: number) => {
  const keys = Array.from({ length: count }, () => randomBytes(16));
  store.takeMarkers(keys.map((k, i) => ({ seq: store.absorbedUpTo + i + 1, markerKey: k.toString('hex'), meetingId: 'survey', batchId: 'b' })));
  return keys;
};
const vote = (store: BoxStore, keys: Buffer[]) => {
  const record = new Uint8Array(REC);
  record[0] = 1;
  record[1] = 1;
  return store.writeGroup(keys.map((markerKey) => ({ meetingId: 'survey', markerKey, nonceHash: null, recordSize: REC, headSize: HEAD, valid: true, record })));
};

describe('a meeting of 150,000 slips, and 140,000 more issued while its poll is open', () => {
  it('opens with a slot for every slip, takes the later slips in, and stores their ballots', { timeout: 120_000 }, () => {
    const store = new BoxStore(join(dir, 'survey.sqlite.ballots'));
    const first = issue(store, 150_000);
    store.prepare('survey', REC, HEAD);
    expect(store.db.prepare('select count(*) from slots where m = ?').pluck().get('survey')).toBe(150_000);
    const later = issue(store, 140_000);
    expect(store.db.prepare('select count(*) from slots where m = ?').pluck().get('survey')).toBe(290_000);
    expect(vote(store, [...first.slice(0, 20), ...later.slice(0, 20)]).every((r) => r.kind === 'stored')).toBe(true);
    expect(store.counts('survey')).toMatchObject({ cast: 40, valid: 40, used: 40 });
    store.close();
  });
});
