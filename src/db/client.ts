import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
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
  const client = sqliteClient(db);
  let byConnection = statements.get(client);
  if (!byConnection) statements.set(client, (byConnection = new Map()));
  let stmt = byConnection.get(sql);
  if (!stmt) byConnection.set(sql, (stmt = client.prepare(sql)));
  return stmt;
}

/**
 * Repositories and use cases are written once for both engines: they await drizzle's query builders (never
 * `.run()`, `.get()` or `.all()`, which only SQLite has; test/unit/architecture.test.ts refuses them outside the
 * engines' own files), take their tables from `tablesOf(db)` and write in transactions opened by `transaction`
 * below. Their queries are typed by the SQLite schema; PostgreSQL's (schema.pg.ts) has the same tables, columns and
 * value types, which test/unit/schema-engines.test.ts keeps true.
 */

/** The first row a query returns, or undefined (SQLite's `.get()`, on either engine). */
export async function first<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  return (await query)[0];
}

/** The rows of a raw query (SQL both engines accept), as the driver gives them. */
export async function rawRows<T>(db: Conn, query: SQL): Promise<T[]> {
  if (engineOf(db)) return (await (db as unknown as { execute(q: SQL): Promise<{ rows: T[] }> }).execute(query)).rows;
  return db.all<T>(query);
}

/** How many rows an awaited insert, update or delete wrote (SQLite's `changes`, PostgreSQL's `rowCount`). */
export function affected(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

/** Thrown when a transaction's work waited on something other than the database: see `transaction`. */
export class TransactionEscaped extends Error {
  constructor() {
    super('A transaction waited on something other than the database (a timer, a thread, a file); it was rolled back.');
  }
}

/**
 * What a connection to another engine carries (PostgreSQL: src/db/postgres.ts): its tables, the same as
 * ./schema.ts's in names, columns and value types (test/unit/schema-engines.test.ts), and how it runs transactions.
 * A SQLite connection carries none: its tables are ./schema.ts's and `transaction` below runs them.
 */
export interface Engine {
  readonly name: 'postgres';
  readonly tables: typeof schema;
  transaction<T>(db: Conn, work: (tx: Conn) => Promise<T> | T, mode: 'write' | 'read'): Promise<T>;
}
const ENGINE = Symbol('ceping.engine');

/** Marks a connection (or a transaction on it) as belonging to `engine`. */
export function bindEngine<T extends object>(conn: T, engine: Engine): T {
  Object.defineProperty(conn, ENGINE, { value: engine, configurable: true });
  return conn;
}

export function engineOf(db: Conn): Engine | undefined {
  return (db as { [ENGINE]?: Engine })[ENGINE];
}

/** One object per database, whichever engine and whether given the database or a transaction: for caches. */
export function databaseKey(db: Conn): object {
  return engineOf(db) ?? sqliteClient(db);
}

/** The tables to query through `db`: repositories take them from here, so one query runs on either engine. */
export function tablesOf(db: Conn): typeof schema {
  return engineOf(db)?.tables ?? schema;
}

/** The transaction the running use case is in (per asynchronous call chain), so that what it calls joins it. */
const current = new AsyncLocalStorage<{ client: Database.Database; tx: Conn; open: boolean }>();
const queues = new WeakMap<Database.Database, Promise<unknown>>();

/**
 * Runs `work` in one transaction: every statement it awaits commits together, or none does (an error rolls all
 * back). `work` must await only statements (hash passwords, call the ballot box, read files before or after).
 * A use case called from `work` joins the transaction, whether it is handed `tx` or the database.
 *
 * On SQLite, whose one connection every request shares, the transaction is BEGIN … COMMIT on that connection, one
 * at a time: another request's transaction waits its turn. A statement of better-sqlite3 answers at once, so work
 * that awaits only statements ends within the same turn of the event loop, and no timer, socket or thread of
 * another request runs in between. Work that waited on anything else would keep the connection in its transaction
 * while other requests' statements ran in it (the async-callback trap of drizzle's own better-sqlite3
 * transactions, where the statements after an `await` commit on their own): it is rolled back and refused with
 * `TransactionEscaped` (test/integration/transaction.test.ts). `mode` says whether the work writes; on SQLite both begin the
 * same way (deferred: the write lock is taken at the first write). Another engine runs its own (src/db/postgres.ts).
 */
export async function transaction<T>(db: Conn, work: (tx: Conn) => Promise<T> | T, mode: 'write' | 'read' = 'write'): Promise<T> {
  const other = engineOf(db);
  if (other) return other.transaction(db, work, mode);
  const client = sqliteClient(db);
  const outer = current.getStore();
  if (outer?.open && outer.client === client) return work(outer.tx);
  const before = queues.get(client);
  let release!: () => void;
  const turn = new Promise<void>((resolve) => (release = resolve));
  queues.set(client, turn);
  try {
    if (before) await before;
    const context = { client, tx: db, open: true };
    try {
      return await current.run(context, () => runTransaction(client, db, work));
    } finally {
      // Anything the work left running (it should not) no longer counts as inside the transaction.
      context.open = false;
    }
  } finally {
    if (queues.get(client) === turn) queues.delete(client);
    release();
  }
}

/** BEGIN, COMMIT and ROLLBACK prepared once per connection (`exec` would parse them on every transaction). */
const controls = new WeakMap<Database.Database, { begin: Database.Statement; commit: Database.Statement; rollback: Database.Statement }>();
function transactionControls(client: Database.Database) {
  let c = controls.get(client);
  if (!c) controls.set(client, (c = { begin: client.prepare('BEGIN'), commit: client.prepare('COMMIT'), rollback: client.prepare('ROLLBACK') }));
  return c;
}

async function runTransaction<T>(client: Database.Database, tx: Conn, work: (tx: Conn) => Promise<T> | T): Promise<T> {
  let escaped = false;
  const watch = setImmediate(() => {
    escaped = true;
  });
  const control = transactionControls(client);
  // Deferred, as drizzle's transactions were: SQLite takes its write lock at the first write.
  control.begin.run();
  try {
    const result = await work(tx);
    if (escaped) throw new TransactionEscaped();
    control.commit.run();
    return result;
  } catch (err) {
    if (client.inTransaction) control.rollback.run();
    throw err;
  } finally {
    clearImmediate(watch);
  }
}

/** Runs `read` (reads only) in one read transaction, so that its statements see one snapshot of the database. */
export function readSnapshot<T>(db: Conn, read: () => Promise<T> | T): Promise<T> {
  return transaction(db, read, 'read');
}

const syncSnapshots = new WeakMap<Database.Database, (read: () => unknown) => unknown>();

/**
 * `readSnapshot` for the SQLite ballot box's own synchronous checks (src/ballots/ballot-box.ts), which run between
 * two writes of its thread and must not yield. The transaction function is built once per connection.
 */
export function readSnapshotSync<T>(db: Db, read: () => T): T {
  const client = db.$client;
  if (client.inTransaction) return read();
  let run = syncSnapshots.get(client);
  if (!run) syncSnapshots.set(client, (run = client.transaction((r: () => unknown) => r())));
  return run(read) as T;
}

/** The better-sqlite3 connection behind `db` (the database or a transaction on it). */
export function sqliteClient(db: Conn): Database.Database {
  return (db as unknown as { session: { client: Database.Database } }).session.client;
}

/** True when the database answers a trivial query (the health check); a server that does not answer within `ms` is down. */
export async function ping(db: Db, ms = 2000): Promise<boolean> {
  try {
    if (!engineOf(db)) {
      db.$client.prepare('select 1').get();
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([rawRows(db, sql`select 1`).then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  } catch {
    return false;
  }
}
