// The PostgreSQL migrations (migrations/pg) on a real PostgreSQL server (test/helpers/postgres.ts): instances that
// start together on a new database migrate it once, under an advisory lock; the database they leave holds exactly
// the tables, columns, keys and indexes that src/db/schema.pg.ts declares; the audit log is append-only there too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { getTableName, is } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_KEY, migratePostgres, pgMigrationsFolder } from '../../src/db/postgres.js';
import * as schema from '../../src/db/schema.pg.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

/** Advisory locks taken in the current database (pg_locks covers the whole server). */
const OUR_ADVISORY_LOCKS = `select count(*) as n from pg_locks
  where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`;

let server: TestPostgres;
let url: string;

const journal = JSON.parse(readFileSync(join(pgMigrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
const tables = (Object.values(schema) as unknown[])
  .filter((v): v is PgTable => is(v, PgTable))
  .map((t) => getTableConfig(t));

async function query<T extends pg.QueryResultRow>(databaseUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  server = await startTestPostgres();
  url = server.url;
  await migratePostgres(url);
});

afterAll(async () => {
  await server?.stop();
});

describe('migratePostgres', () => {
  it('two instances migrating a new database at once both succeed, and each migration is applied once', async () => {
    const fresh = await server.freshDatabase();
    // Hold the lock first, so that both migrators are certainly waiting on it at the same time.
    const holder = new pg.Client({ connectionString: fresh });
    await holder.connect();
    await holder.query(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    const both = Promise.allSettled([migratePostgres(fresh), migratePostgres(fresh)]);
    let waiting = 0;
    for (let i = 0; i < 200 && waiting < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const rows = await query<{ n: string }>(fresh, `${OUR_ADVISORY_LOCKS} and not granted`);
      waiting = Number(rows[0]!.n);
    }
    expect(waiting).toBe(2);
    expect(await query(fresh, `select 1 from information_schema.tables where table_schema = 'public'`)).toEqual([]);
    await holder.query(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    await holder.end();

    const results = await both;
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual(['fulfilled', 'fulfilled']);
    const applied = await query<{ hash: string }>(fresh, 'select hash from drizzle.__drizzle_migrations order by id');
    expect(applied).toHaveLength(journal.entries.length);
    expect(new Set(applied.map((r) => r.hash)).size).toBe(journal.entries.length);
    const present = await query(fresh, `select 1 from information_schema.tables where table_schema = 'public'`);
    expect(present).toHaveLength(tables.length);
    // Nobody is left holding the lock.
    expect(await query(fresh, OUR_ADVISORY_LOCKS)).toEqual([{ n: '0' }]);
  });

  it('does nothing on a database already migrated', async () => {
    const before = await query(url, 'select id, hash from drizzle.__drizzle_migrations order by id');
    await migratePostgres(url);
    expect(await query(url, 'select id, hash from drizzle.__drizzle_migrations order by id')).toEqual(before);
  });
});

describe('the migrated database matches src/db/schema.pg.ts', () => {
  /** information_schema's data_type for each drizzle SQL type (bigserial is a bigint with a sequence default). */
  const DATA_TYPE: Record<string, string> = {
    text: 'text',
    integer: 'integer',
    bigint: 'bigint',
    bigserial: 'bigint',
    boolean: 'boolean',
    'double precision': 'double precision',
    bytea: 'bytea',
  };

  it('has exactly the declared tables and columns, with their types and nullability', async () => {
    const rows = await query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      url,
      `select table_name, column_name, data_type, is_nullable from information_schema.columns
       where table_schema = 'public' order by table_name, ordinal_position`,
    );
    const actual = rows.map((r) => `${r.table_name}.${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`);
    const declared = tables
      .slice()
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap((t) => t.columns.map((c) => `${t.name}.${c.name} ${DATA_TYPE[c.getSQLType()] ?? `unmapped ${c.getSQLType()}`}${c.notNull ? ' not null' : ''}`));
    // Columns added by a later migration come last in PostgreSQL's order, wherever the schema declares them.
    expect(actual.sort()).toEqual(declared.sort());
  });

  it('has the declared primary keys, unique constraints and indexes', async () => {
    const keys = await query<{ table_name: string; constraint_type: string; columns: string }>(
      url,
      `select tc.table_name, tc.constraint_type, string_agg(k.column_name, ',' order by k.ordinal_position) as columns
       from information_schema.table_constraints tc
       join information_schema.key_column_usage k on k.constraint_name = tc.constraint_name and k.table_schema = tc.table_schema
       where tc.table_schema = 'public' and tc.constraint_type in ('PRIMARY KEY', 'UNIQUE')
       group by tc.table_name, tc.constraint_name, tc.constraint_type`,
    );
    // Indexes other than those behind a primary key or a unique constraint, as PostgreSQL prints them.
    const indexes = await query<{ indexdef: string }>(
      url,
      `select indexdef from pg_indexes i where schemaname = 'public'
       and not exists (select 1 from pg_constraint c where c.conname = i.indexname and c.connamespace = 'public'::regnamespace)`,
    );
    const explicitIndexes = indexes.map((r) => r.indexdef.replaceAll('"', '').replace(' ON public.', ' ON ').replace('USING btree ', '')).sort();

    const declaredKeys = tables.flatMap((t) => {
      const pk = t.primaryKeys[0]?.columns.map((c) => c.name) ?? t.columns.filter((c) => c.primary).map((c) => c.name);
      return [
        `${t.name} PRIMARY KEY ${pk.join(',')}`,
        ...t.columns.filter((c) => c.isUnique).map((c) => `${t.name} UNIQUE ${c.name}`),
      ];
    });
    const declaredIndexes = tables.flatMap((t) =>
      t.indexes.map((i) => {
        const cols = i.config.columns.map((c) => (c as { name: string }).name).join(', ');
        return `CREATE ${i.config.unique ? 'UNIQUE ' : ''}INDEX ${i.config.name} ON ${t.name} (${cols})`;
      }),
    );
    expect(keys.map((k) => `${k.table_name} ${k.constraint_type} ${k.columns}`).sort()).toEqual(declaredKeys.sort());
    expect(explicitIndexes).toEqual(declaredIndexes.sort());
  });

  it('keeps the formats of SQLite: ISO times with milliseconds, JSON as text, numbered markers', async () => {
    const db = drizzle({ connection: url, schema });
    try {
      await db.insert(schema.users).values({ id: 'u1', username: 'admin', passwordHash: 'x', role: 'admin' });
      await db.insert(schema.meetings).values({ id: 'm1', title: '测评会', unit: '某村', kind: 'village', formIds: ['village-annual-review'], createdBy: 'u1' });
      await db.insert(schema.slipBatches).values({ id: 'b1', meetingId: 'm1', count: 2, firstSerial: 1, createdBy: 'u1' });
      await db.insert(schema.slipMarkers).values([
        { markerKey: 'k1', meetingId: 'm1', batchId: 'b1' },
        { markerKey: 'k2', meetingId: 'm1', batchId: 'b1' },
      ]);
      await db.insert(schema.loginFailures).values({ key: 'admin', failures: 1, windowStart: Date.UTC(2040, 0, 1) });

      const [user] = await db.select().from(schema.users);
      expect(user!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(user!.disabled).toBe(false);
      const [meeting] = await db.select().from(schema.meetings);
      expect(meeting!.formIds).toEqual(['village-annual-review']);
      expect(await query(url, `select form_ids from meetings`)).toEqual([{ form_ids: '["village-annual-review"]' }]);
      expect((await db.select().from(schema.slipMarkers)).map((m) => m.seq)).toEqual([1, 2]);
      expect((await db.select().from(schema.loginFailures))[0]!.windowStart).toBe(Date.UTC(2040, 0, 1));
    } finally {
      await db.$client.end();
    }
  });

  it('refuses to edit, delete or truncate the audit log', async () => {
    await query(url, `insert into audit_log (seq, at, actor, action, detail, prev_hash, hash) values (1, 'now', 'u1', 'login', '{}', 'p', 'h')`);
    await expect(query(url, `update audit_log set actor = 'x'`)).rejects.toThrow('audit_log is append-only');
    await expect(query(url, `delete from audit_log`)).rejects.toThrow('audit_log is append-only');
    await expect(query(url, `truncate audit_log`)).rejects.toThrow('audit_log is append-only');
    expect(await query(url, `select actor from audit_log`)).toEqual([{ actor: 'u1' }]);
  });
});
