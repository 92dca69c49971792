// The ballot box moved from SQLite to PostgreSQL (`ceping copy-to-postgres`, src/cli/copy-to-postgres.ts): read from
// the box's file with the server stopped, written into the PostgreSQL box's tables in a random order, ballots under
// new random keys, so that the rows' places and transaction ids are those of one shuffled transaction.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { pgConnOf } from '../db/postgres.js';
import type { Db } from '../db/client.js';
import { ballotBoxPath } from './ballot-box.js';
import { shuffle } from './box-store.js';
import { ballotsSource } from './box.repository.js';
import { insertBallots, insertMarkers } from './box.repository.pg.js';

export interface BoxContents {
  markers: Array<{ key: Buffer; meetingId: string; batchId: string; used: boolean; nonceHash: Buffer | null }>;
  ballots: Array<{ meetingId: string; valid: boolean; head: Buffer | null; record: Buffer }>;
}

const ROWS_PER_INSERT = 500;

/**
 * What the SQLite box beside `dbPath` holds: its markers, the markers issued since it last took them in (from the main
 * database's `slip_markers`, unused), and its filled slots with their heads.
 */
export function readSqliteBox(main: Db, dbPath: string): BoxContents {
  const path = ballotBoxPath(dbPath);
  const box = existsSync(path) ? new Database(path, { readonly: true, fileMustExist: true }) : null;
  try {
    const markers = new Map<string, BoxContents['markers'][number]>();
    for (const m of (box?.prepare('select k, m, b, u, n from markers').all() ?? []) as Array<{ k: Buffer; m: string; b: string; u: number; n: Buffer }>) {
      // The SQLite box keeps 32 zero bytes for "no nonce"; PostgreSQL's keeps null.
      markers.set(m.k.toString('hex'), { key: m.k, meetingId: m.m, batchId: m.b, used: m.u === 1, nonceHash: m.u === 1 && m.n.some((x) => x !== 0) ? m.n : null });
    }
    for (const p of main.$client.prepare('select marker_key as k, meeting_id as m, batch_id as b from slip_markers').all() as Array<{ k: string; m: string; b: string }>) {
      if (!markers.has(p.k)) markers.set(p.k, { key: Buffer.from(p.k, 'hex'), meetingId: p.m, batchId: p.b, used: false, nonceHash: null });
    }
    const heads = new Map((box?.prepare('select k, h from heads where f = 1').all() ?? []).map((r) => [(r as { k: number }).k, (r as { h: Buffer }).h]));
    // Every ballot, its record whole, however it was written (box.repository.ts).
    const rows = box?.prepare(`select k, m, v, r from ${ballotsSource(box)}`).all() ?? [];
    const ballots = (rows as Array<{ k: number; m: string; v: number; r: Buffer }>).map((s) => ({
      meetingId: s.m,
      valid: s.v === 1,
      head: heads.get(s.k) ?? null,
      record: s.r,
    }));
    return { markers: [...markers.values()], ballots };
  } finally {
    box?.close();
  }
}

/** Writes `contents` into the PostgreSQL box of `db`, inside the transaction the caller runs, in a random order. */
export async function writePostgresBox(db: Db, contents: BoxContents): Promise<void> {
  const conn = pgConnOf(db);
  const markers = shuffle([...contents.markers]);
  for (let i = 0; i < markers.length; i += ROWS_PER_INSERT) {
    const part = markers.slice(i, i + ROWS_PER_INSERT);
    await insertMarkers({ db: conn }, part);
    const used = part.filter((m) => m.used);
    if (used.length > 0) {
      await conn.query('update box_markers m set used = true, nonce_hash = u.n from unnest($1::bytea[], $2::bytea[]) as u(k, n) where m.key = u.k', [used.map((m) => m.key), used.map((m) => m.nonceHash)]);
    }
  }
  const ballots = shuffle(contents.ballots.map((b) => ({ ...b, key: randomBytes(16) })));
  for (let i = 0; i < ballots.length; i += ROWS_PER_INSERT) await insertBallots({ db: conn }, ballots.slice(i, i + ROWS_PER_INSERT));
}
