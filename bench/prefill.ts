// A database whose ballot box already holds `ballots` ballots of other (closed) meetings, for the "cost per
// ballot is flat" benchmark: the same submissions on it must run as fast as on a fresh file. Written straight
// through the box's repository (the state the ballot box would reach after those polls), in random order.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ballotBoxPath } from '../src/ballots/ballot-box.js';
import { encodeRecord } from '../src/ballots/ballot-record.js';
import { BoxStore } from '../src/ballots/box-store.js';
import { insertFilledSlot, insertMarker } from '../src/ballots/box.repository.js';
import { openDb } from '../src/db/client.js';

/** Creates the folder and database; returns the database path (the box is `<path>.ballots`). */
export function prefilledDatabase(ballots: number, perMeeting = 1000): { dir: string; dbPath: string; seconds: number } {
  const t0 = process.hrtime.bigint();
  const dir = mkdtempSync(join(tmpdir(), 'ceping-bench-full-'));
  const dbPath = join(dir, 'ceping.sqlite');
  const db = openDb(dbPath);
  const meetings = Math.ceil(ballots / perMeeting);
  const insertMeeting = db.$client.prepare(`insert into meetings (id, title, unit, kind, status, form_ids, created_by) values (?, ?, ?, 'village', 'closed', '[]', 'bench')`);
  db.$client.transaction(() => {
    for (let i = 0; i < meetings; i++) insertMeeting.run(`other-${i}`, `其他测评 ${i}`, '其他单位');
  })();
  // Written through the box's file directly (no server runs on it yet).
  const box = new BoxStore(ballotBoxPath(dbPath));
  // A ballot of about the size of a small meeting's record.
  const answers = { f: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`s${i}`, 'good'])) };
  const record = encodeRecord(1024, { category: null, source: 'phone', answers, valid: true, breaches: [] });
  const key = () => Math.floor(Math.random() * 2 ** 52);
  for (let done = 0; done < ballots; ) {
    const n = Math.min(50_000, ballots - done);
    box.db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const m = `other-${Math.floor((done + i) / perMeeting)}`;
        insertMarker({ db: box.db }, randomBytes(16), m, 'bench-batch', true, randomBytes(32));
        while (!insertFilledSlot({ db: box.db }, key(), m, true, record));
      }
    })();
    done += n;
  }
  box.close();
  db.$client.close();
  return { dir, dbPath, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}
