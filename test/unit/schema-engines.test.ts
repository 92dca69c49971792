// The SQLite schema (src/db/schema.ts) and the PostgreSQL schema (src/db/schema.pg.ts) describe the same tables.
// A change to one that is not made to the other fails here, table by table: columns, types (through the table of
// allowed pairs below), nullability, defaults, enum values, primary keys, unique constraints, indexes and foreign keys.
// And the PostgreSQL migrations keep to the plain SQL that docs/postgresql.md lists, so that they run on the
// PostgreSQL-derived databases too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getTableName, is, SQL } from 'drizzle-orm';
import { getTableConfig as pgTableConfig, PgDialect, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteSyncDialect, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as sqliteSchema from '../../src/db/schema.js';
import * as pgSchema from '../../src/db/schema.pg.js';

/**
 * The PostgreSQL types a SQLite column may become, by drizzle column type. Anything else is a divergence.
 * - a JSON text column stays text (schema.pg.ts's jsonText): `PgCustomColumn` whose SQL type is text;
 * - an integer becomes integer, or bigint where values pass 2^31 (epoch times, sequence numbers);
 * - an integer in boolean mode becomes boolean; REAL (8 bytes) becomes double precision.
 */
const ALLOWED_TYPES: Record<string, string[]> = {
  'SQLiteText text': ['PgText text'],
  'SQLiteTextJson text': ['PgCustomColumn text'],
  'SQLiteInteger integer': ['PgInteger integer', 'PgBigInt53 bigint'],
  'SQLiteBoolean integer': ['PgBoolean boolean'],
  'SQLiteReal real': ['PgDoublePrecision double precision'],
};
/** An INTEGER PRIMARY KEY numbers itself in SQLite (rowid); PostgreSQL needs a sequence for that, or the app numbers it. */
const ALLOWED_FOR_INTEGER_PRIMARY_KEY = ['PgBigSerial53 bigserial', 'PgBigInt53 bigint'];

/** SQL defaults that mean the same on both engines. */
const ALLOWED_SQL_DEFAULTS: Record<string, string> = {
  // Now, in UTC, as ISO 8601 text with milliseconds.
  "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))": `(to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
};

const pgMigrationsFolder = join(import.meta.dirname, '../../migrations/pg');

const sqliteDialect = new SQLiteSyncDialect();
const pgDialect = new PgDialect();

interface Shape {
  columns: Array<{ name: string; notNull: boolean; default: string | null; enumValues: string[] | null }>;
  primaryKey: string[];
  unique: string[];
  indexes: string[];
  foreignKeys: string[];
}

type AnyConfig = ReturnType<typeof sqliteTableConfig> | ReturnType<typeof pgTableConfig>;
type AnyColumn = AnyConfig['columns'][number];

function defaultOf(column: AnyColumn, dialect: SQLiteSyncDialect | PgDialect): string | null {
  if (column.default === undefined) return null;
  if (is(column.default, SQL)) {
    const text = dialect.sqlToQuery(column.default).sql;
    return dialect === pgDialect ? (Object.entries(ALLOWED_SQL_DEFAULTS).find(([, pg]) => pg === text)?.[0] ?? `pg: ${text}`) : text;
  }
  return JSON.stringify(column.default);
}

function namesOf(columns: readonly unknown[]): string {
  return columns.map((c) => (is(c, SQL) ? `(expression)` : (c as { name: string }).name)).join(', ');
}

/** What both engines must agree on, in one comparable shape. */
function shapeOf(config: AnyConfig, dialect: SQLiteSyncDialect | PgDialect): Shape {
  const columnPk = config.columns.filter((c) => c.primary).map((c) => c.name);
  const tablePk = config.primaryKeys.map((pk) => pk.columns.map((c) => c.name));
  return {
    columns: config.columns.map((c) => ({
      name: c.name,
      notNull: c.notNull,
      // bigserial's sequence stands for SQLite's rowid numbering, which drizzle records as no default either.
      default: defaultOf(c, dialect),
      enumValues: c.enumValues && c.enumValues.length > 0 ? [...c.enumValues] : null,
    })),
    primaryKey: tablePk[0] ?? columnPk,
    unique: [
      ...config.columns.filter((c) => c.isUnique).map((c) => `${c.uniqueName ?? ''} (${c.name})`),
      ...config.uniqueConstraints.map((u) => `${u.name ?? ''} (${namesOf(u.columns)})`),
      ...config.indexes.filter((i) => i.config.unique).map((i) => `${i.config.name ?? ''} (${namesOf(i.config.columns)})`),
    ].sort(),
    indexes: config.indexes
      .filter((i) => !i.config.unique)
      .map((i) => `${i.config.name ?? ''} (${namesOf(i.config.columns)})`)
      .sort(),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference();
        return `(${namesOf(ref.columns)}) -> ${getTableName(ref.foreignTable)} (${namesOf(ref.foreignColumns)}) on delete ${fk.onDelete ?? 'no action'} on update ${fk.onUpdate ?? 'no action'}`;
      })
      .sort(),
  };
}

const sqliteTables = new Map(
  (Object.values(sqliteSchema) as unknown[])
    .filter((v): v is SQLiteTable => is(v, SQLiteTable))
    .map((t) => [getTableName(t), sqliteTableConfig(t)] as const),
);
/**
 * Tables PostgreSQL alone has. The ballot box's (src/ballots/box-store.pg.ts): on SQLite the box is a file of its own,
 * whose tables src/ballots/box.repository.ts creates. The live turnout's shared sample (src/turnout/live.ts): on SQLite
 * the one process keeps it in memory. They have no counterpart in src/db/schema.ts.
 */
const PG_BOX_TABLES = new Set(['box_markers', 'box_ballots', 'live_samples']);
const pgTables = new Map(
  (Object.values(pgSchema) as unknown[])
    .filter((v): v is PgTable => is(v, PgTable))
    .map((t) => [getTableName(t), pgTableConfig(t)] as const)
    .filter(([name]) => !PG_BOX_TABLES.has(name)),
);

describe('the SQLite and PostgreSQL schemas describe the same tables', () => {
  it('have the same table names (besides the tables PostgreSQL alone has)', () => {
    expect([...pgTables.keys()].sort()).toEqual([...sqliteTables.keys()].sort());
    expect([...PG_BOX_TABLES].every((t) => (Object.values(pgSchema) as unknown[]).some((v) => is(v, PgTable) && getTableName(v) === t))).toBe(true);
    expect(sqliteTables.size).toBeGreaterThan(20);
  });

  for (const [name, sqlite] of sqliteTables) {
    describe(name, () => {
      const pg = pgTables.get(name);

      it('has the same columns, nullability, defaults, keys, unique constraints, indexes and foreign keys', () => {
        expect(pg, `${name} is missing from schema.pg.ts`).toBeDefined();
        expect(shapeOf(pg!, pgDialect)).toEqual(shapeOf(sqlite, sqliteDialect));
      });

      it('maps every column type through an allowed pair', () => {
        const pgColumns = new Map(pg!.columns.map((c) => [c.name, c]));
        const integerPk = sqlite.columns.find((c) => c.primary && c.columnType === 'SQLiteInteger')?.name;
        const wrong = sqlite.columns.flatMap((c) => {
          const other = pgColumns.get(c.name);
          if (!other) return [];
          const from = `${c.columnType} ${c.getSQLType()}`;
          const to = `${other.columnType} ${other.getSQLType()}`;
          const allowed = c.name === integerPk ? ALLOWED_FOR_INTEGER_PRIMARY_KEY : (ALLOWED_TYPES[from] ?? []);
          return allowed.includes(to) ? [] : [`${name}.${c.name}: ${from} -> ${to} (allowed: ${allowed.join(' | ') || 'none'})`];
        });
        expect(wrong).toEqual([]);
      });
    });
  }
});

/** The kinds of statement the PostgreSQL migrations may hold (docs/postgresql.md, "SQL that Ceping uses"). */
const ALLOWED_STATEMENTS = [
  /^CREATE TABLE "\w+" \(/,
  /^ALTER TABLE "\w+" (ADD CONSTRAINT "\w+" FOREIGN KEY|ADD COLUMN|DROP COLUMN|DROP CONSTRAINT|RENAME COLUMN|ALTER COLUMN)/,
  /^CREATE (UNIQUE )?INDEX "\w+" ON "\w+" USING btree \(/,
  /^DROP (TABLE|INDEX) "\w+"/,
  /^CREATE OR REPLACE FUNCTION "\w+"\(\) RETURNS trigger LANGUAGE plpgsql AS \$\$/,
  /^CREATE TRIGGER "\w+" BEFORE (UPDATE|DELETE|TRUNCATE) ON "\w+"\s+FOR EACH (ROW|STATEMENT) EXECUTE PROCEDURE "\w+"\(\);$/,
];
/**
 * Column types the migrations may use: the right-hand side of ALLOWED_TYPES, and `bytea` for the ballot box (which
 * drizzle-kit quotes, being a custom type in schema.pg.ts); nothing a derived database may lack.
 */
const COLUMN_TYPES = ['text', 'integer', 'bigint', 'bigserial', 'boolean', 'double precision', '"bytea"'];
const FORBIDDEN = /\b(EXTENSION|jsonb?|uuid|GENERATED|IDENTITY|CREATE TYPE|timestamptz|timestamp|CONCURRENTLY|PARTITION|gin|gist|brin|spgist)\b/i;

describe('the PostgreSQL migrations use plain SQL only', () => {
  const files = readdirSync(pgMigrationsFolder).filter((f) => f.endsWith('.sql'));
  const statements = files.flatMap((f) =>
    readFileSync(join(pgMigrationsFolder, f), 'utf8')
      .split('--> statement-breakpoint')
      .map((s) => s.replace(/^--.*$/gm, '').trim())
      .filter(Boolean)
      .map((sql) => ({ file: f, sql })),
  );

  it('holds only the statement kinds and column types listed, and no extension or special type', () => {
    expect(statements.length).toBeGreaterThan(20);
    const wrong = statements.flatMap(({ file, sql }) => {
      const problems: string[] = [];
      if (!ALLOWED_STATEMENTS.some((re) => re.test(sql))) problems.push('statement kind');
      if (FORBIDDEN.test(sql)) problems.push(`feature ${FORBIDDEN.exec(sql)![0]}`);
      // A column's type is what stands between its name and DEFAULT, PRIMARY KEY, NOT NULL or the end.
      const typeOf = (rest: string) => rest.replace(/( DEFAULT | PRIMARY KEY| NOT NULL).*$/, '').replace(/[,;]$/, '').trim();
      const types = [
        ...(sql.startsWith('CREATE TABLE') ? [...sql.matchAll(/^\s+"\w+" (.+)$/gm)].map((m) => typeOf(m[1]!)) : []),
        ...[...sql.matchAll(/(?:ADD COLUMN "\w+"|SET DATA TYPE) ([^;]+)/g)].map((m) => typeOf(m[1]!)),
      ];
      for (const t of types) if (!COLUMN_TYPES.includes(t)) problems.push(`type ${t}`);
      return problems.length > 0 ? [`${file}: ${problems.join(', ')}: ${sql.slice(0, 80)}`] : [];
    });
    expect(wrong).toEqual([]);
  });
});
