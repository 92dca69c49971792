// PostgreSQL: applying the migrations of migrations/pg (generated from ./schema.pg.ts). The app does not run on
// PostgreSQL yet (docs/postgresql.md); this is the piece every instance will call at start.
import { resolve } from 'node:path';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
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
