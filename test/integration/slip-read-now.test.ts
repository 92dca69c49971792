// The voter's read of a slip and its meeting in one statement (src/slips/credentials.ts
// findSlipWithMeetingVersionNow, src/meetings cachedMeetingAt), which stands for the read transaction of
// BallotBox.readBeforeCast: it must give what that transaction gives, and step aside whenever it could not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../src/auth/index.js';
import { closeBallotBox } from '../../src/ballots/box.js';
import { openDb, readSnapshot, transaction, type Db } from '../../src/db/client.js';
import { cachedMeetingAt, loadMeetingCached } from '../../src/meetings/index.js';
import { findSlipByCredential, findSlipWithMeetingVersionNow, issueSlips } from '../../src/slips/index.js';

const ADMIN = { id: 'a', username: 'a', role: 'admin' } as SessionUser;
const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await closeBallotBox(db);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function meetingWithSlips(count: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-slip-now-'));
  dirs.push(dir);
  const db = openDb(join(dir, 'c.sqlite'));
  dbs.push(db);
  db.$client.exec(`insert into meetings (id, title, unit, kind, form_ids, created_by, status) values ('m', 't', 'u', 'village', '[]', 'a', 'open')`);
  const { slips } = await issueSlips({ db, publicUrl: 'http://vote.test' }, ADMIN, 'm', { count });
  return { db, slips };
}

const version = (db: Db) => db.$client.prepare(`select version from meetings where id = 'm'`).pluck().get() as number;

describe('a slip and its meeting read in one statement', () => {
  it('gives the slip the read transaction gives, with the version its meeting is at', async () => {
    const { db, slips } = await meetingWithSlips(2);
    const token = slips[0]!.token;
    const viaSnapshot = await readSnapshot(db, () => findSlipByCredential({ db }, token));
    const now = findSlipWithMeetingVersionNow({ db }, token);
    expect(now).toBeDefined();
    expect(now!.slip).toEqual(viaSnapshot);
    expect(now!.meetingVersion).toBe(version(db));

    db.$client.exec(`update meetings set version = version + 1 where id = 'm'`);
    db.$client.prepare(`update slips set status = 'voided' where token_hash = ?`).run(now!.slip.ref);
    const after = findSlipWithMeetingVersionNow({ db }, token);
    expect(after!.meetingVersion).toBe(now!.meetingVersion + 1);
    expect(after!.slip.voided).toBe(true);
  });

  it('steps aside for a short code and for a token that matches no slip (the usual read answers those)', async () => {
    const { db, slips } = await meetingWithSlips(1);
    expect(findSlipWithMeetingVersionNow({ db }, slips[0]!.shortCode)).toBeUndefined();
    expect(await findSlipByCredential({ db }, slips[0]!.shortCode)).toBeDefined();
    expect(findSlipWithMeetingVersionNow({ db }, 'A'.repeat(43))).toBeUndefined();
  });

  it('steps aside while a transaction is open on the connection, so that nothing it has not committed is read', async () => {
    const { db, slips } = await meetingWithSlips(1);
    const token = slips[0]!.token;
    const seen: unknown[] = [];
    await expect(
      transaction(db, async () => {
        db.$client.prepare(`update slips set status = 'voided'`).run();
        seen.push(findSlipWithMeetingVersionNow({ db }, token));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(seen).toEqual([undefined]);
    expect(findSlipWithMeetingVersionNow({ db }, token)!.slip.voided).toBe(false);
  });

  it("answers with the cached meeting record only at the version read; another version is read again", async () => {
    const { db } = await meetingWithSlips(1);
    expect(cachedMeetingAt({ db }, 'm', version(db))).toBeUndefined();
    const rec = await loadMeetingCached({ db }, 'm');
    expect(cachedMeetingAt({ db }, 'm', version(db))).toBe(rec);
    db.$client.exec(`update meetings set version = version + 1, title = 't2' where id = 'm'`);
    expect(cachedMeetingAt({ db }, 'm', version(db))).toBeUndefined();
    const again = await loadMeetingCached({ db }, 'm');
    expect(again.meeting.title).toBe('t2');
    expect(cachedMeetingAt({ db }, 'm', version(db))).toBe(again);
  });
});
