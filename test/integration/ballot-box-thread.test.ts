// The ballot box's thread (src/ballots/ballot-box.ts, box-thread.ts): a second server cannot open the same box,
// closing a poll waits for the groups on their way, and a close writes what is queued.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../src/auth/index.js';
import { SqliteBallotBox, ballotBoxPath } from '../../src/ballots/ballot-box.js';
import { ballotBoxOf, closeBallotBox, type BallotBox } from '../../src/ballots/box.js';
import { openDb, type Db } from '../../src/db/client.js';
import { issueSlips } from '../../src/slips/index.js';
import { markerKey } from '../../src/slips/credentials.js';

/** The SQLite box of `db` (these tests look at its thread). */
const sqliteBoxOf = (db: Db) => ballotBoxOf(db) as SqliteBallotBox;

const ADMIN = { id: 'a', username: 'a', role: 'admin' } as SessionUser;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openPollWithSlips(count: number): Promise<{ db: Db; path: string; tokens: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-box-thread-'));
  dirs.push(dir);
  const path = join(dir, 'c.sqlite');
  const db = openDb(path);
  db.$client.exec(`insert into meetings (id, title, unit, kind, form_ids, created_by, status) values ('m', 't', 'u', 'village', '[]', 'a', 'open')`);
  const tokens: string[] = [];
  for (let done = 0; done < count; done += 10_000) tokens.push(...(await issueSlips({ db, publicUrl: 'http://vote.test' }, ADMIN, 'm', { count: Math.min(10_000, count - done) })).slips.map((s) => s.token));
  return { db, path, tokens };
}

function cast(_db: Db, box: BallotBox, token: string, i: number) {
  return box.submit({
    meetingId: 'm',
    markerKey: markerKey(token),
    nonceHash: null,
    recordSize: 64,
    ballot: { category: null, source: 'phone', answers: { f: { i } }, valid: true, breaches: [] },
    // An older version than any: the guard always asks whether the poll is still open.
    guard: { seenVersion: -1, slipRef: '' },
  });
}

describe('the ballot box thread', () => {
  it('refuses a second box on the same file at once, and the first keeps working', async () => {
    const { db, path, tokens } = await openPollWithSlips(3);
    const box = sqliteBoxOf(db);
    const t0 = Date.now();
    expect(() => new SqliteBallotBox(openDb(path), ballotBoxPath(path))).toThrow(/locked|busy/i);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expect(cast(db, box, tokens[0]!, 0)).resolves.toEqual({ kind: 'stored', valid: true });
    await closeBallotBox(db);
  });

  it('closing a poll inside settle() counts every ballot handed over before it, and stores none after it', async () => {
    const { db, tokens } = await openPollWithSlips(400);
    const box = sqliteBoxOf(db);
    const before = tokens.slice(0, 300).map((tok, i) => cast(db, box, tok, i));
    // The close runs once no group is on its way; the counts it reads are final.
    const countedAtClose = await box.settle(async () => {
      db.$client.exec(`update meetings set status = 'closed' where id = 'm'`);
      return (await box.counts('m')).cast;
    });
    const after = tokens.slice(300).map((tok, i) => cast(db, box, tok, 300 + i));
    const settledBefore = await Promise.allSettled(before);
    const settledAfter = await Promise.allSettled(after);
    const stored = settledBefore.filter((r) => r.status === 'fulfilled' && r.value.kind === 'stored').length;
    expect(countedAtClose).toBe(stored);
    expect(settledAfter.every((r) => r.status === 'fulfilled' && r.value.kind === 'closed')).toBe(true);
    expect((await box.counts('m')).cast).toBe(countedAtClose);
    expect(await box.ballots('m', { layout: null, categories: [] })).toHaveLength(countedAtClose);
    await closeBallotBox(db);
  });

  it('knows, without asking its thread, which slips have certainly not voted; the knowledge survives a restart', async () => {
    const { db, path, tokens } = await openPollWithSlips(200);
    const key = (token: string) => markerKey(token);
    const box = sqliteBoxOf(db);
    expect(tokens.some((tok) => box.mayHaveVoted(key(tok)))).toBe(false);
    await Promise.all(tokens.slice(0, 50).map((tok, i) => cast(db, box, tok, i)));
    // A repeat is answered "used" and leaves the knowledge as it was.
    await expect(cast(db, box, tokens[0]!, 0)).resolves.toMatchObject({ kind: 'used' });
    const voted = tokens.slice(0, 50).map(key);
    const unvoted = tokens.slice(50).map(key);
    expect(voted.every((k) => box.mayHaveVoted(k))).toBe(true);
    // 150 slips on a bitmap of 8 million bits with 50 set: a false "may have" would be a one-in-a-million event.
    expect(unvoted.filter((k) => box.mayHaveVoted(k))).toEqual([]);
    await closeBallotBox(db);
    db.$client.close();
    const again = openDb(path);
    const reopened = sqliteBoxOf(again);
    expect(voted.every((k) => reopened.mayHaveVoted(k))).toBe(true);
    expect(unvoted.filter((k) => reopened.mayHaveVoted(k))).toEqual([]);
    // What it says agrees with the box itself.
    for (const k of [...voted.slice(0, 5), ...unvoted.slice(0, 5)]) expect((await reopened.marker(k))?.used).toBe(reopened.mayHaveVoted(k));
    await closeBallotBox(again);
  });

  it('ballots submitted over several turns while a commit runs share the next commits, and each gets its own answer', async () => {
    const { db, tokens } = await openPollWithSlips(500);
    const box = sqliteBoxOf(db);
    await expect(cast(db, box, tokens[499]!, 499)).resolves.toEqual({ kind: 'stored', valid: true });
    const commitsBefore = box.stats.groups;
    // A first turn submits 400 ballots (a commit of some milliseconds); eight more turns submit five each while it is
    // written, and slip 405 votes again four turns after its first ballot.
    const pending: Array<Promise<unknown>> = [];
    let again: Promise<unknown> | undefined;
    const turns = 9;
    for (let turn = 0; turn < turns; turn++) {
      const from = turn === 0 ? 0 : 395 + turn * 5;
      for (let i = from; i < 400 + turn * 5; i++) pending.push(cast(db, box, tokens[i]!, i));
      if (turn === 6) again = cast(db, box, tokens[405]!, 1000);
      await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all(pending);
    // Every other slip: stored. Slip 405: one of its two ballots stored, the other refused; which one is not said (a
    // group's ballots are written in a random order, and both may share a commit).
    const twice = [results[405], await again];
    expect(results.filter((_, i) => i !== 405)).toEqual(Array(439).fill({ kind: 'stored', valid: true }));
    expect(twice).toContainEqual({ kind: 'stored', valid: true });
    expect(twice).toContainEqual({ kind: 'used', nonceMatches: false });
    expect(box.stats.groups - commitsBefore).toBeLessThan(turns);
    expect(await box.counts('m')).toEqual({ used: 441, cast: 441, valid: 441 });
    const stored = (await box.ballots('m', { layout: null, categories: [] })).map((b) => (b.answers.f as { i: number }).i);
    // Ballot i carries i; slip 405's stored ballot carries 405 or, if its second one won, 1000.
    const slip405 = (results[405] as { kind: string }).kind === 'stored' ? 405 : 1000;
    const expected = [...Array.from({ length: 440 }, (_, i) => (i === 405 ? slip405 : i)), 499];
    const byNumber = (a: number, b: number) => a - b;
    expect(stored.sort(byNumber)).toEqual(expected.sort(byNumber));
    await closeBallotBox(db);
  });

  it('a close writes what is still queued', async () => {
    const { db, path, tokens } = await openPollWithSlips(50);
    const box = sqliteBoxOf(db);
    const pending = tokens.map((tok, i) => cast(db, box, tok, i));
    await closeBallotBox(db);
    const results = await Promise.allSettled(pending);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
    const reopened = sqliteBoxOf(openDb(path));
    expect(await reopened.counts('m')).toEqual({ used: 50, cast: 50, valid: 50 });
    await reopened.close();
    db.$client.close();
  });

  it('a stopped thread is said at once: submits answer 503 and the box says why', async () => {
    const { db, tokens } = await openPollWithSlips(2);
    const box = sqliteBoxOf(db);
    expect(box.failed).toBeNull();
    await box['thread'].terminate();
    await expect.poll(() => box.failed).not.toBeNull();
    await expect(cast(db, box, tokens[0]!, 0)).rejects.toMatchObject({ statusCode: 503, code: 'BALLOT_BOX_UNAVAILABLE' });
    await closeBallotBox(db);
    db.$client.close();
  });
});
