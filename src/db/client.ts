import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder } from '../shared/paths.js';
import * as schema from './schema.js';
import { defaultKeyFile, openKeyFile } from './keys.js';
import { bindKeyStore, moveSecretsOutOfDatabase } from './settings.repository.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** The database or a transaction on it: what repositories take, so use cases can compose them in one transaction. */
export type Conn = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

/**
 * Opens the SQLite file with the pragmas Ceping relies on, and applies pending migrations.
 * - WAL with synchronous=FULL: a 201 for a ballot means the ballot is on disk (better-sqlite3 would leave
 *   synchronous at NORMAL in WAL mode, which can lose the last commits on power loss).
 * - secure_delete: freed pages are zeroed, so deleted data (e.g. a replaced row) cannot be read back.
 * Ballots and the "used" markers of slips are not here: see src/ballots/ballot-box.ts.
 */
export function openDb(path: string, options: { migrate?: boolean; keyFile?: string | null } = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 32 MB of page cache (SQLite's default is 2 MB): a meeting's slips (a few hundred bytes each) stay in memory, so
  // the lookup of a slip on each ballot page and submit does not read its pages back from the operating system.
  sqlite.pragma('cache_size = -32000');
  const db = drizzle(sqlite, { schema }) as Db;
  if (options.migrate !== false) migrate(db, { migrationsFolder });
  const keys = openKeyFile(options.keyFile === undefined ? defaultKeyFile(path) : options.keyFile);
  bindKeyStore(db, keys);
  if (options.migrate !== false) moveSecretsOutOfDatabase(db, keys);
  return db;
}

/**
 * When a poll closes. Votes never write this database (they go to the ballot box, src/ballots/ballot-box.ts,
 * whose layout holds no order by construction), so nothing here needs rewriting for secrecy: this only folds
 * the WAL back into the file without waiting for readers (a reader holding a snapshot is never waited for;
 * SQLite checkpoints the rest later). Kept for the close path, which calls it.
 */
export function sealAfterPollClose(db: Db): { vacuumed: boolean } {
  db.$client.pragma('wal_checkpoint(PASSIVE)');
  return { vacuumed: false };
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * A prepared statement for `sql` on the connection behind `db` (the database or any transaction on it),
 * prepared once per connection. For the voter's hot path, where building and preparing each query anew
 * cost more than running it (BENCHMARKS.md).
 */
export function statement(db: Conn, sql: string): Database.Statement {
  const client = (db as unknown as { session: { client: Database.Database } }).session.client;
  let byConnection = statements.get(client);
  if (!byConnection) statements.set(client, (byConnection = new Map()));
  let stmt = byConnection.get(sql);
  if (!stmt) byConnection.set(sql, (stmt = client.prepare(sql)));
  return stmt;
}

const snapshots = new WeakMap<Database.Database, (read: () => unknown) => unknown>();

/**
 * Runs `read` (reads only) in one read transaction, so that its statements see one snapshot of the database; inside
 * a transaction already open, it simply runs. The transaction function is built once per connection.
 */
export function readSnapshot<T>(db: Db, read: () => T): T {
  const client = db.$client;
  if (client.inTransaction) return read();
  let run = snapshots.get(client);
  if (!run) snapshots.set(client, (run = client.transaction((r: () => unknown) => r())));
  return run(read) as T;
}

/** True when the database answers a trivial query (the health check). */
export function ping(db: Db): boolean {
  try {
    db.$client.prepare('select 1').get();
    return true;
  } catch {
    return false;
  }
}
