// The database the configuration names, on either engine: the server, the CLI and the tests open it here.
import { openDb, type Db } from './client.js';
import { openPostgres } from './postgres.js';

export interface OpenDatabase {
  db: Db;
  /** Which engine: what `/healthz` and the start line report. */
  engine: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

/**
 * Opens the SQLite file at `dbPath`, or the PostgreSQL database at `databaseUrl`, applying pending migrations (on
 * PostgreSQL under an advisory lock, so instances starting together migrate once).
 */
export async function openDatabase(config: { dbPath: string | null; databaseUrl: string | null; keyFile: string | null }, options: { poolSize?: number } = {}): Promise<OpenDatabase> {
  if (config.databaseUrl !== null) {
    const pg = await openPostgres(config.databaseUrl, { keyFile: config.keyFile, ...(options.poolSize ? { max: options.poolSize } : {}) });
    return { db: pg.db, engine: 'postgres', close: pg.close };
  }
  if (config.dbPath === null) throw new Error('openDatabase: neither a file nor an address');
  const db = openDb(config.dbPath, { keyFile: config.keyFile });
  return {
    db,
    engine: 'sqlite',
    close: async () => {
      db.$client.close();
    },
  };
}
