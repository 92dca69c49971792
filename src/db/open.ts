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
    try {
      const pg = await openPostgres(config.databaseUrl, { keyFile: config.keyFile, ...(options.poolSize ? { max: options.poolSize } : {}) });
      return { db: pg.db, engine: 'postgres', close: pg.close };
    } catch (err) {
      throw unreachable(config.databaseUrl, err);
    }
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

/** Thrown when the PostgreSQL database cannot be opened: says where and why, never the password. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'nothing answers at that address and port',
  ENOTFOUND: 'the host name does not resolve',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  '28P01': 'the password was refused',
  '28000': 'the server refused this user or this client address (pg_hba.conf)',
  '3D000': 'the database does not exist (create it first: docs/postgresql.md, "Running on PostgreSQL")',
  '42501': 'the user may not create the tables (it should own the database)',
};

function unreachable(url: string, err: unknown): Error {
  if (err instanceof Error && err.name === 'KeyFileError') return err;
  const code = (err as { code?: string }).code ?? '';
  const u = new URL(url);
  const where = `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}:${u.port || '5432'}${u.pathname}`;
  const why = REASONS[code] ?? (err instanceof Error ? err.message : String(err));
  return new DatabaseOpenError(`The PostgreSQL database ${where} cannot be opened: ${why}${code ? ` (${code})` : ''}.`);
}
