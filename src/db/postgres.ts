// PostgreSQL: the migrations of migrations/pg (generated from ./schema.pg.ts), applied once however many instances
// start, and the connection the use cases run on (docs/postgresql.md says what runs on it so far).
import { AsyncLocalStorage } from 'node:async_hooks';
import { resolve } from 'node:path';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { bindEngine, engineOf, type Conn, type Db, type Engine } from './client.js';
import * as pgSchema from './schema.pg.js';
import { KEY_NAMES, openKeyFile } from './keys.js';
import { bindKeyStore } from './settings.repository.js';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { projectRoot } from '../shared/paths.js';

export const pgMigrationsFolder = resolve(projectRoot, 'migrations/pg');

/**
 * The advisory lock key held while migrating ("cepmig" in ASCII). Every Ceping instance uses the same key, so when
 * several start at once on a new database one migrates and the others wait, then find nothing left to apply.
 */
export const MIGRATION_LOCK_KEY = 0x6365706d6967;

/**
 * Applies pending migrations to the database at `url` (postgres://…), under a session advisory lock on one
 * connection: drizzle's migrator alone is not safe to run twice at once (both would see an empty database and
 * create the same tables). Needs a direct connection, or a pooler in session mode: in transaction mode the lock and
 * the migration could land on different server connections.
 */
export async function migratePostgres(url: string, options: { migrationsFolder?: string } = {}): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    await migrate(drizzle({ client }), { migrationsFolder: options.migrationsFolder ?? pgMigrationsFolder });
    await client.query(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
  } finally {
    // Ending the session also releases the lock when the migration failed.
    await client.end();
  }
}

/** The transaction-level advisory lock every writing use case takes first ("cepwri" in ASCII): see openPostgres. */
export const WRITE_LOCK_KEY = 0x636570777269;

/** What a raw node-postgres statement runs on: a pool, or the client of a transaction. */
export type PgConn = Pick<pg.ClientBase, 'query'>;

interface PgHandle {
  pool: pg.Pool;
  /** The client of the transaction running in this asynchronous context, if any. */
  inTransaction(): PgConn | undefined;
}
const handles = new WeakMap<object, PgHandle>();

/** The pool behind a PostgreSQL `db` (undefined for SQLite). */
export function pgPoolOf(db: Conn): pg.Pool | undefined {
  const engine = engineOf(db);
  return engine ? handles.get(engine)?.pool : undefined;
}

/**
 * Where a raw statement of the ballot box goes (src/ballots/box.repository.pg.ts): into the transaction the running
 * use case is in, so it sees and commits with the rest of it, or else to the pool.
 */
export function pgConnOf(db: Conn): PgConn {
  const engine = engineOf(db);
  const handle = engine && handles.get(engine);
  if (!handle) throw new Error('pgConnOf: not a PostgreSQL connection');
  return handle.inTransaction() ?? handle.pool;
}

export interface PostgresDb {
  /** The database, typed as the SQLite one: same tables, columns and value types (src/db/client.ts). */
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * Opens a pool on the database at `url`, applying pending migrations first (under the advisory lock). Use cases run
 * on it unchanged: `transaction()` (src/db/client.ts) hands the work to `runTransaction` below, and the tables they
 * query come from `tablesOf(db)`.
 *
 * A writing transaction takes one advisory lock first (`WRITE_LOCK_KEY`), so the office's writes run one at a time
 * across every instance, as they do on SQLite: a use case that reads, decides and writes (the audit log's next number
 * and hash, the last enabled admin, a meeting's next slip serial) reads what the writer before it committed (READ
 * COMMITTED, each statement after the lock sees it) and nobody writes in between. Reads take no lock: a read-only
 * transaction is one REPEATABLE READ snapshot. The votes do not take this lock: the ballot box writes them in groups
 * of its own (src/ballots/box-store.pg.ts). Office writes are a few per minute; under SERIALIZABLE instead, two
 * instances appending to the audit log at once would fail and retry each other. A use case called inside a transaction joins it,
 * as on SQLite, even when handed the database rather than `tx`: every query made through the database in the work's
 * asynchronous context goes to the transaction's client (`current` below), never to another pooled connection
 * outside it.
 */
export async function openPostgres(url: string, options: { migrate?: boolean; max?: number; pool?: pg.Pool; keyFile?: string | null } = {}): Promise<PostgresDb> {
  if (options.migrate !== false) await migratePostgres(url);
  const pool = options.pool ?? new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const root = drizzle({ client: pool, schema: pgSchema });
  const current = new AsyncLocalStorage<{ tx: Conn; open: boolean }>();
  const engine: Engine = {
    name: 'postgres',
    tables: pgSchema as unknown as Engine['tables'],
    transaction: async <T>(_db: Conn, work: (tx: Conn) => Promise<T> | T, mode: 'write' | 'read') => {
      const outer = current.getStore();
      if (outer?.open) return work(outer.tx);
      const config = mode === 'read' ? ({ isolationLevel: 'repeatable read', accessMode: 'read only' } as const) : ({ isolationLevel: 'read committed' } as const);
      return root.transaction(async (pgTx) => {
        if (mode === 'write') await pgTx.execute(sql`select pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
        const tx = bindEngine(pgTx, engine) as unknown as Conn;
        const context = { tx, open: true };
        try {
          return await current.run(context, () => work(tx));
        } finally {
          context.open = false;
        }
      }, config);
    },
  };
  // The database as the use cases see it: inside a transaction's work, its queries go to the transaction.
  const db = new Proxy(root, {
    get(target, prop) {
      const open = current.getStore();
      const source: object = open?.open ? open.tx : target;
      const value = Reflect.get(source, prop, source) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(source) : value;
    },
  });
  bindEngine(root, engine);
  handles.set(engine, {
    pool,
    inTransaction: () => {
      const open = current.getStore();
      return open?.open ? (open.tx as unknown as { session: { client: pg.PoolClient } }).session.client : undefined;
    },
  });
  // The secrets stay in a file, never in the database (db/keys.ts): every instance must be given the same one. All of
  // them are made at the first start, so an instance started later finds them there and none makes up its own.
  const keys = openKeyFile(options.keyFile ?? null);
  for (const name of KEY_NAMES) keys.get(name);
  bindKeyStore(db as unknown as Db, keys);
  return { db: db as unknown as Db, pool, close: () => pool.end() };
}
