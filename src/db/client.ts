import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder } from '../shared/paths.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** The database or a transaction on it: what repositories take, so use cases can compose them in one transaction. */
export type Conn = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

/**
 * Opens the SQLite file with the pragmas Ceping relies on, and applies pending migrations.
 * - WAL with synchronous=FULL: a 201 for a ballot means the ballot is on disk (better-sqlite3 would leave
 *   synchronous at NORMAL in WAL mode, which can lose the last commits on power loss).
 * - secure_delete: freed pages are zeroed, so deleted data (e.g. a replaced row) cannot be read back.
 */
export function openDb(path: string, options: { migrate?: boolean } = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema }) as Db;
  if (options.migrate !== false) migrate(db, { migrationsFolder });
  return db;
}

/** Copies the WAL into the main file and truncates it, so it no longer holds the order of recent writes. */
export function checkpointAndTruncate(db: Db): void {
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
}
