// `ceping backup <file>`: an online backup of the live database with SQLite's backup API (better-sqlite3's
// db.backup()), safe while the server runs and voters submit: it copies a consistent snapshot, page by page,
// and restarts by itself when a write lands between steps. Restore: see README, "Backup and restore".
import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';

const HELP = `Usage: ceping backup <file> [--db <path>] [--force]

Copies the database to <file> while the server keeps running, then checks the copy.
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
}

/** Backs `dbPath` up to `file` (through a temporary name, so a half-written file never carries the name). */
export async function backupDatabase(dbPath: string, file: string, options: { force?: boolean } = {}): Promise<BackupResult> {
  if (!existsSync(dbPath)) throw new Error(`No database at ${dbPath}.`);
  if (existsSync(file) && !options.force) throw new Error(`${file} exists; choose another name or pass --force.`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
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
  let result: Omit<BackupResult, 'file' | 'pages'>;
  try {
    // A single file is easier to move and restore: no -wal beside it.
    copy.pragma('journal_mode = DELETE');
    const integrity = (copy.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
    const count = (sql: string) => (copy.prepare(sql).get() as { n: number }).n;
    result = { integrity, ballots: count('select count(*) as n from ballots'), usedSlips: count(`select count(*) as n from slips where status = 'used'`) };
  } finally {
    copy.close();
  }
  if (result.integrity !== 'ok') throw new Error(`The copy failed its integrity check: ${result.integrity}`);
  renameSync(partial, file);
  return { file, pages, ...result };
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
  const r = await backupDatabase(resolve(dbPath), resolve(files[0]!), { force });
  console.log(`Backed up ${resolve(dbPath)} to ${r.file}: ${r.pages} pages, ${r.ballots} ballots, ${r.usedSlips} used slips, integrity ${r.integrity}.`);
  return 0;
}
