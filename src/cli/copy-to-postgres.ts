// `ceping copy-to-postgres <url>`: moves a SQLite database and its ballot box onto an empty PostgreSQL database, with
// the server stopped. Everything is written in one transaction (a failure leaves the target as it was), and nothing
// about when a ballot arrived is carried over, because nothing is there to carry: the box's file holds none
// (src/ballots/box-store.ts), and the copy adds none. Ballots are written in a random order under new random keys,
// markers in a random order, so the rows' places and transaction ids in PostgreSQL are those of one shuffled
// transaction. The key file stays a file: the PostgreSQL instances are started with CEPING_KEY_FILE naming it.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { readSqliteBox, writePostgresBox } from '../ballots/index.js';
import { openDb, transaction, type Db } from '../db/client.js';
import { defaultKeyFile } from '../db/keys.js';
import { openPostgres, pgConnOf } from '../db/postgres.js';
import * as sqliteSchema from '../db/schema.js';
import * as pgSchema from '../db/schema.pg.js';

const HELP = `Usage: ceping copy-to-postgres <postgres://user:password@host:port/database> [--db <path>] [--key-file <path>]

Copies the SQLite database (default: $CEPING_DB, else ./data/ceping.sqlite) and its ballot box onto an empty
PostgreSQL database, applying its migrations first. Stop the server before, and start the PostgreSQL instances
after with CEPING_DB=<the address> and CEPING_KEY_FILE=<the SQLite database's key file> (printed at the end).
The target must be empty: the copy refuses a database that has users, meetings or an audit log.`;

/** Tables not copied row by row: the box is copied from its own file, markers waiting for it go in with it. */
const NOT_COPIED = new Set(['ballots', 'slip_markers']);
const ROWS_PER_INSERT = 500;

export interface CopyResult {
  tables: Array<{ name: string; rows: number }>;
  ballots: number;
  markers: number;
  keyFile: string | null;
}

/** The main tables by their schema export name, in an order that inserts every row after the rows it refers to. */
function tablesInOrder(): Array<{ exportName: string; name: string; table: SQLiteTable }> {
  const all = Object.entries(sqliteSchema as Record<string, unknown>)
    .filter((e): e is [string, SQLiteTable] => is(e[1], SQLiteTable))
    .map(([exportName, table]) => ({ exportName, name: getTableConfig(table).name, table }));
  const byName = new Map(all.map((t) => [t.name, t]));
  const done = new Set<string>();
  const order: typeof all = [];
  const visit = (name: string) => {
    if (done.has(name)) return;
    done.add(name);
    for (const fk of getTableConfig(byName.get(name)!.table).foreignKeys) visit(getTableConfig(fk.reference().foreignTable).name);
    order.push(byName.get(name)!);
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return order.filter((t) => !NOT_COPIED.has(t.name));
}

/** Copies the SQLite database at `dbPath` (and `<dbPath>.ballots`) onto the empty PostgreSQL database at `url`. */
export async function copyToPostgres(dbPath: string, url: string, options: { keyFile?: string | null } = {}): Promise<CopyResult> {
  if (!existsSync(dbPath)) throw new Error(`No database at ${dbPath}.`);
  const keyFile = options.keyFile === undefined ? defaultKeyFile(dbPath) : options.keyFile;
  // Opened as the server opens it: pending migrations applied, secrets moved out into the key file.
  const source: Db = openDb(dbPath, { keyFile });
  const target = await openPostgres(url, { keyFile, max: 2 });
  try {
    const legacy = source.$client.prepare('select count(*) as n from ballots').get() as { n: number };
    if (legacy.n > 0) throw new Error('The database still holds ballots written before the ballot box: start the current Ceping on it once, stop it, then copy.');
    const box = readSqliteBox(source, dbPath);
    const copied: CopyResult['tables'] = [];
    await transaction(target.db, async (tx) => {
      // The PostgreSQL tables of the same names (src/db/schema.pg.ts), through the transaction.
      const pgTx = tx as unknown as { insert: (t: unknown) => { values: (rows: object[]) => Promise<unknown> } };
      const pgTables = pgSchema as unknown as Record<string, unknown>;
      for (const name of ['users', 'meetings', 'audit_log']) {
        const rows = await pgConnOf(target.db).query<{ n: string }>(`select count(*) as n from ${name}`);
        if (Number(rows.rows[0]!.n) > 0) throw new Error(`The PostgreSQL database is not empty (its table ${name} has rows): copy into a new database.`);
      }
      for (const { exportName, name, table } of tablesInOrder()) {
        const rows = source.select().from(table).all() as object[];
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await pgTx.insert(pgTables[exportName]).values(rows.slice(i, i + ROWS_PER_INSERT));
        copied.push({ name, rows: rows.length });
      }
      await writePostgresBox(target.db, box);
    });
    return { tables: copied, ballots: box.ballots.length, markers: box.markers.length, keyFile };
  } finally {
    source.$client.close();
    await target.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  let dbPath = process.env.CEPING_DB || './data/ceping.sqlite';
  let keyFile: string | undefined = process.env.CEPING_KEY_FILE || undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--db') dbPath = argv[++i] ?? '';
    else if (argv[i] === '--key-file') keyFile = argv[++i] ?? '';
    else rest.push(argv[i]!);
  }
  const url = rest[0];
  if (rest.length !== 1 || !url || !/^postgres(ql)?:\/\//.test(url) || /^postgres(ql)?:/.test(dbPath)) {
    console.error(HELP);
    return 2;
  }
  const r = await copyToPostgres(resolve(dbPath), url, keyFile ? { keyFile: resolve(keyFile) } : {});
  for (const t of r.tables) if (t.rows > 0) console.log(`${t.name.padEnd(24)} ${t.rows}`);
  console.log(`ballot box: ${r.ballots} ballots, ${r.markers} slip markers (in a random order)`);
  console.log(`Done. Start Ceping with CEPING_DB=<the address> and CEPING_KEY_FILE=${r.keyFile ?? '<the key file>'}.`);
  return 0;
}
