// What crosses from the server's thread to the box's thread with a group of ballots, and back: one buffer per group
// (src/ballots/box-thread.ts, packJobs) and one byte per result. Every field must arrive as it left.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { packJobs, packResults, unpackJobs, unpackResults } from '../../src/ballots/box-thread.js';
import type { StoreJob, StoreResult } from '../../src/ballots/box-store.js';

function job(i: number): StoreJob {
  const record = randomBytes(i % 3 === 0 ? 2051 : 64);
  return {
    meetingId: `meeting-${i % 4}`,
    markerKey: randomBytes(16),
    nonceHash: i % 2 === 0 ? randomBytes(32) : null,
    recordSize: record.length,
    headSize: i % 5 === 0 ? 0 : 51,
    valid: i % 7 !== 0,
    record,
  };
}

const plain = (j: StoreJob) => ({ ...j, markerKey: Buffer.from(j.markerKey).toString('hex'), nonceHash: j.nonceHash && Buffer.from(j.nonceHash).toString('hex'), record: Buffer.from(j.record).toString('hex') });

describe('a group handed to the box', () => {
  it('arrives whole: each job\'s meeting, marker, nonce hash, sizes, validity and record, in order', () => {
    const jobs = Array.from({ length: 40 }, (_, i) => job(i));
    const packed = packJobs(jobs);
    expect(packed.meetings).toHaveLength(4);
    // One buffer that owns its memory (it is transferred, not copied, to the box's thread).
    expect(packed.bytes.byteLength).toBe(packed.bytes.buffer.byteLength);
    const copy = { meetings: [...packed.meetings], bytes: new Uint8Array(packed.bytes) };
    expect(unpackJobs(copy).map(plain)).toEqual(jobs.map(plain));
    expect(unpackJobs(packJobs([]))).toEqual([]);
  });

  it('refuses a job it could not carry whole instead of cutting it', () => {
    expect(() => packJobs([{ ...job(1), markerKey: randomBytes(300) }])).toThrow(/does not pack/);
    expect(() => packJobs([{ ...job(2), nonceHash: randomBytes(16) }])).toThrow(/does not pack/);
  });

  it('answers each ballot with its result, one byte each', () => {
    const results: StoreResult[] = [
      { kind: 'stored', valid: true },
      { kind: 'stored', valid: false },
      { kind: 'used', nonceMatches: true },
      { kind: 'used', nonceMatches: false },
      { kind: 'unknown' },
    ];
    const codes = packResults(results);
    expect(codes).toHaveLength(5);
    expect(unpackResults(codes)).toEqual(results);
  });
});
