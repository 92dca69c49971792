// `ceping backup <file>`: an online backup of the live database and its ballot box, safe while the server runs
// and voters submit. Restore: see README, "Backup and restore".
// - The main database (meetings, slips, audit; never written by a vote) with SQLite's backup API, in one step
//   inside one read transaction: in WAL mode that never blocks the server.
// - The ballot box (`<db>.ballots`) is held by the server alone (exclusive lock), so it is copied raw, like a
//   seqlock: read the generation the server bumps in the file header at every commit, check that no commit is
//   in flight (its rollback journal is empty), copy the file, read the generation again; if it moved, copy
//   again. This never takes a lock, so it never blocks the writer, and the box holds no order to copy
//   (src/ballots/ballot-box.ts). The copy gets no journal.
import { closeSync, existsSync, fstatSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { ballotBoxPath, ballotsSource } from '../ballots/index.js';

const HELP = `Usage: ceping backup <file> [--db <path>] [--force]

Copies the database to <file> and its ballot box to <file>.ballots while the server keeps running,
then checks both copies. Restore both files together.
  --db <path>   the database (default: $CEPING_DB, else ./data/ceping.sqlite)
  --force       overwrite <file> if it exists

The copy holds everything the database holds (meetings, ballots, hashed slip secrets, the audit log):
keep it as safe as the server itself. It does not hold the key file (the session signing key, the
live-ticket key and the short-code pepper; see "ceping keys path"): back that file up on its own. Without it
a restored server starts with new keys: everyone logs in again, and short codes typed by hand no longer
resolve (the QR codes still do).`;

export interface BackupResult {
  file: string;
  pages: number;
  ballots: number;
  usedSlips: number;
  integrity: string;
  /** Raw copies of the ballot box made before one was consistent (1 when nothing was written meanwhile). */
  boxAttempts: number;
}

/** The header field the ballot box bumps at every commit (SQLite's "user version", bytes 60–63). */
function generation(fd: number): number | null {
  const b = Buffer.alloc(4);
  return readSync(fd, b, 0, 4, 60) === 4 ? b.readUInt32BE(0) : null;
}

const journalBusy = (path: string) => {
  try {
    return statSync(`${path}-journal`).size > 0;
  } catch {
    return false;
  }
};

/**
 * Copies the ballot box at `src` to `dest` without a lock (see the top of the file). Tries up to `attempts`
 * times, with a short random pause between tries; each copy is kept only if it passes integrity_check.
 */
export async function copyBallotBox(src: string, dest: string, attempts = 200): Promise<{ attempts: number; ballots: number; usedSlips: number }> {
  const chunk = Buffer.alloc(1 << 20);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(2 + Math.random() * 20);
    rmSync(dest, { force: true });
    const fd = openSync(src, 'r');
    let consistent = false;
    try {
      const before = generation(fd);
      if (journalBusy(src)) continue;
      const size = fstatSync(fd).size;
      const out = openSync(dest, 'w');
      try {
        for (let pos = 0; pos < size; ) {
          const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
          if (n <= 0) break;
          writeSync(out, chunk, 0, n);
          pos += n;
        }
      } finally {
        closeSync(out);
      }
      consistent = generation(fd) === before && fstatSync(fd).size === size;
    } finally {
      closeSync(fd);
    }
    if (!consistent) continue;
    const copy = new Database(dest, { fileMustExist: true });
    try {
      if (copy.pragma('integrity_check', { simple: true }) !== 'ok') continue;
      const count = (sql: string) => (copy.prepare(sql).get() as { n: number }).n;
      return { attempts: attempt, ballots: count(`select count(*) as n from ${ballotsSource(copy)}`), usedSlips: count('select count(*) as n from markers where u = 1') };
    } finally {
      copy.close();
    }
  }
  rmSync(dest, { force: true });
  throw new Error(`The ballot box changed during each of ${attempts} copies; try again when fewer ballots are arriving.`);
}

/** Backs `dbPath` up to `file` (through a temporary name, so a half-written file never carries the name). */
export async function backupDatabase(dbPath: string, file: string, options: { force?: boolean } = {}): Promise<BackupResult> {
  if (!existsSync(dbPath)) throw new Error(`No database at ${dbPath}.`);
  if (existsSync(file) && !options.force) throw new Error(`${file} exists; choose another name or pass --force.`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  rmSync(ballotBoxPath(partial), { force: true });
  const source = new Database(dbPath, { fileMustExist: true });
  let pages = 0;
  try {
    source.pragma('busy_timeout = 5000');
    // All remaining pages in one step, inside one read transaction: in WAL mode that never blocks the server's
    // writers, and a write by the server between two smaller steps would restart the copy (forever, under a
    // steady stream of ballots).
    const done = await source.backup(partial, { progress: ({ totalPages }) => ((pages = totalPages), 0x7fffffff) });
    pages = done.totalPages;
  } finally {
    source.close();
  }
  const copy = new Database(partial, { fileMustExist: true });
  let integrity: string;
  try {
    // A single file is easier to move and restore: no -wal beside it.
    copy.pragma('journal_mode = DELETE');
    integrity = (copy.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  } finally {
    copy.close();
  }
  if (integrity !== 'ok') throw new Error(`The copy failed its integrity check: ${integrity}`);
  // The box after the main database: every slip in the copy then has its marker in the box copy, or still
  // waiting in the main copy for the restored server to take in.
  const box = existsSync(ballotBoxPath(dbPath)) ? await copyBallotBox(ballotBoxPath(dbPath), ballotBoxPath(partial)) : { attempts: 0, ballots: 0, usedSlips: 0 };
  if (existsSync(ballotBoxPath(partial))) renameSync(ballotBoxPath(partial), ballotBoxPath(file));
  renameSync(partial, file);
  return { file, pages, integrity, ballots: box.ballots, usedSlips: box.usedSlips, boxAttempts: box.attempts };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  let dbPath = process.env.CEPING_DB || './data/ceping.sqlite';
  let force = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--db') dbPath = argv[++i] ?? '';
    else if (a === '--force') force = true;
    else if (a.startsWith('-')) {
      console.error(`Unknown option ${a}.\n\n${HELP}`);
      return 2;
    } else files.push(a);
  }
  if (files.length !== 1 || !dbPath) {
    console.error(HELP);
    return 2;
  }
  if (/^postgres(ql)?:/i.test(dbPath)) {
    console.error('CEPING_DB is a PostgreSQL database: back it up with PostgreSQL\'s own tools (pg_basebackup, or pg_dump with the server running), and the key file on its own (docs/postgresql.md).');
    return 2;
  }
  const r = await backupDatabase(resolve(dbPath), resolve(files[0]!), { force });
  console.log(`Backed up ${resolve(dbPath)} to ${r.file} (and ${ballotBoxPath(r.file)}): ${r.pages} pages, ${r.ballots} ballots, ${r.usedSlips} used slips, integrity ${r.integrity} (ballot box copied in ${r.boxAttempts} attempt(s)).`);
  return 0;
}
