// Races: one slip submitted hundreds of times at once counts once; and under any interleaving of submits,
// a close and a void (fast-check's scheduler), every 201 is exactly one stored ballot and nothing else is.
// Also the group commit: one bad ballot in a group fails alone. (docs/security.md, "One vote per slip".)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ballotBoxOf, closeBallotBox } from '../../src/ballots/box.js';
import { openDb } from '../../src/db/client.js';
import type { SessionUser } from '../../src/auth/index.js';
import { markerKey } from '../../src/slips/credentials.js';
import { issueSlips } from '../../src/slips/slips.usecases.js';
import { fullBallot, makeTestApp, storedInBox, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
/** The ballot for the poll being tested (subject ids differ from meeting to meeting). */
let answers: Record<string, Record<string, unknown>>;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

/** Ballots stored for a meeting, and slips used: read from the ballot box itself. */
const storedBallots = async (meetingId: string) => (await storedInBox(t.app, meetingId)).ballots;
const usedSlips = async (meetingId: string) => (await storedInBox(t.app, meetingId)).usedSlips;

async function newPoll(slips: number): Promise<{ id: string; tokens: string[]; serials: number[] }> {
  const m = await t.api('POST', '/api/meetings', villageMeeting());
  const s = await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: slips });
  await t.api('POST', `/api/meetings/${m.body.id}/open`, {});
  answers = fullBallot((await t.api('GET', `/api/ballot/${s.body.tokens[0]}`)).body);
  return { id: m.body.id, tokens: s.body.tokens, serials: s.body.serials };
}

const submit = (token: string, nonce?: string) =>
  t.app.inject({ method: 'POST', url: `/api/ballot/${token}`, payload: { answers, ...(nonce ? { nonce } : {}) } });

describe('one slip, many submissions at once', () => {
  it('300 concurrent submissions of one token give exactly one 201', async () => {
    const poll = await newPoll(1);
    const res = await Promise.all(Array.from({ length: 300 }, () => submit(poll.tokens[0]!)));
    const codes = res.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(299);
    expect(new Set(res.filter((r) => r.statusCode === 409).map((r) => r.json().error.code))).toEqual(new Set(['TOKEN_USED']));
    expect(await storedBallots(poll.id)).toBe(1);
  });

  it('a phone retrying with its nonce while the first request is in flight is told "counted"', async () => {
    const poll = await newPoll(1);
    const nonce = 'retry-nonce-0123456789';
    const res = await Promise.all(Array.from({ length: 50 }, () => submit(poll.tokens[0]!, nonce)));
    const codes = res.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 200)).toHaveLength(49);
    expect(await storedBallots(poll.id)).toBe(1);
  });
});

describe('interleavings of submit, close and void (fc.scheduler)', () => {
  it('every 201 is one stored ballot; a voided or closed poll takes none; a slip counts at most once', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.boolean(), fc.boolean(), async (s, withClose, withVoid) => {
        const poll = await newPoll(3);
        const [a, b, c] = poll.tokens as [string, string, string];
        const before = await storedBallots(poll.id);
        // Each operation starts when the scheduler lets it; they then run concurrently.
        const gate = <T>(label: string, op: () => Promise<T>) => s.schedule(Promise.resolve(label)).then(op);
        const ops = {
          a1: gate('submit a', () => submit(a)),
          a2: gate('submit a again', () => submit(a)),
          b: gate('submit b', () => submit(b)),
          c: gate('submit c', () => submit(c, 'nonce-of-c-0123456789')),
          cRetry: gate('retry c', () => submit(c, 'nonce-of-c-0123456789')),
          close: withClose ? gate('close', () => t.api('POST', `/api/meetings/${poll.id}/close`, {})) : null,
          void: withVoid ? gate('void b', () => t.api('POST', `/api/meetings/${poll.id}/slips/void`, { serials: [poll.serials[1]], reason: '测试作废' })) : null,
        };
        await s.waitAll();
        const r = {
          a1: (await ops.a1).statusCode,
          a2: (await ops.a2).statusCode,
          b: await ops.b,
          c: (await ops.c).statusCode,
          cRetry: (await ops.cRetry).statusCode,
        };
        const close = ops.close ? await ops.close : null;
        const voided = ops.void ? await ops.void : null;
        for (const code of [r.a1, r.a2, r.b.statusCode, r.c, r.cRetry, close?.status ?? 200, voided?.status ?? 200]) expect(code).toBeLessThan(500);

        const stored = (await storedBallots(poll.id)) - before;
        const created = [r.a1, r.a2, r.b.statusCode, r.c, r.cRetry].filter((x) => x === 201).length;
        expect(stored).toBe(created);
        expect(await usedSlips(poll.id)).toBe(stored);
        // Slip a: at most one 201; slip c with one nonce: at most one 201, and a 200 only if the other got 201.
        expect([r.a1, r.a2].filter((x) => x === 201).length).toBeLessThanOrEqual(1);
        expect([r.c, r.cRetry].filter((x) => x === 201).length).toBeLessThanOrEqual(1);
        if (r.c === 200 || r.cRetry === 200) expect([r.c, r.cRetry]).toContain(201);
        // Slip b: refused as voided only when the void went through. Both may succeed: a void cannot tell whether a
        // slip has voted (docs/security.md, "One vote per slip"), so a void that commits after b's vote was checked
        // voids a slip that has voted, and b's ballot stays counted.
        const bVoided = voided?.status === 200 && (voided.body.voided as number[]).includes(poll.serials[1]!);
        if (r.b.statusCode === 409 && r.b.json().error.code === 'TOKEN_VOIDED') expect(bVoided).toBe(true);
        // Nothing is accepted once the close has committed: without a close everything valid is taken.
        if (!withClose && !withVoid) expect(created).toBe(3);
      }),
      { numRuns: 25 },
    );
  });
});

describe('group commit', () => {
  it('a duplicate among good ballots arriving together fails alone; the good ones all get 201', async () => {
    const poll = await newPoll(8);
    const groupsBefore = t.app.ballotWriter.stats.groups;
    const res = await Promise.all([submit(poll.tokens[0]!), submit(poll.tokens[0]!), ...poll.tokens.slice(1).map((tok) => submit(tok))]);
    const dup = res.slice(0, 2).map((r) => r.statusCode).sort();
    expect(dup).toEqual([201, 409]);
    expect(res.slice(2).map((r) => r.statusCode)).toEqual(Array(7).fill(201));
    expect(await storedBallots(poll.id)).toBe(8);
    // They were written together: far fewer transactions than ballots.
    expect(t.app.ballotWriter.stats.groups - groupsBefore).toBeLessThanOrEqual(3);
  });

  it('a ballot refused just before the write fails alone, inside a shared transaction', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ceping-group-'));
    const db = openDb(join(dir, 'g.sqlite'));
    db.$client.exec(`insert into meetings (id, title, unit, kind, form_ids, created_by, status) values ('m', 't', 'u', 'village', '[]', 'a', 'open')`);
    const batch = await issueSlips({ db, publicUrl: 'http://vote.test' }, { id: 'a', username: 'a', role: 'admin' } as SessionUser, 'm', { count: 5 });
    const box = ballotBoxOf(db);
    const version = (db.$client.prepare(`select version from meetings where id = 'm'`).get() as { version: number }).version;
    const refOf = (i: number) => (db.$client.prepare('select token_hash as ref from slips where serial = ?').get(batch.slips[i]!.serial) as { ref: string }).ref;
    // Slip 2 is voided after its ballot was read: its guard (an older version) is checked again, and refuses it.
    db.$client.prepare(`update slips set status = 'voided' where token_hash = ?`).run(refOf(2));
    db.$client.prepare(`update meetings set version = version + 1 where id = 'm'`).run();
    const job = (i: number, seenVersion = version + 1) =>
      box.submit({
        meetingId: 'm',
        // The key findSlipByCredential gives a slip issued with a marker, without a read.
        markerKey: markerKey(batch.slips[i]!.token),
        nonceHash: null,
        recordSize: 64,
        ballot: { category: null, source: 'phone', answers: { f: { i } }, valid: true, breaches: [] },
        guard: { seenVersion, slipRef: refOf(i) },
      });
    const results = await Promise.allSettled([
      job(0),
      job(1),
      job(2, version),
      job(3),
      job(4),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.kind : r.status))).toEqual(['stored', 'stored', 'voided', 'stored', 'stored']);
    expect(box.stats.groups).toBe(1);
    expect(await box.counts('m')).toEqual({ used: 4, cast: 4, valid: 4 });
    expect((await box.ballots('m', { layout: null, categories: [] })).map((b) => (b.answers.f as { i: number }).i).sort()).toEqual([0, 1, 3, 4]);
    // A guard that sees the meeting's version unchanged reads nothing more: the next group writes at once.
    await expect(job(2, version + 1)).resolves.toEqual({ kind: 'stored', valid: true });
    await closeBallotBox(db);
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
