// Keeps the layering true (README, "Layout"): the domain is pure; route files validate and call a use case, never
// a repository or the database; modules reach each other only through their public surface (index.ts); no two
// modules depend on each other, directly or round a circle. Reads the source text only.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, moduleCycles, moduleEdges, root, sourceFiles } from '../helpers/module-graph.js';

/** Folders every module may use directly: libraries with no capability of their own. */
const LIBRARIES = new Set(['shared', 'domain', 'db', 'config']);
/**
 * The files that are the engines themselves: SQLite's connection and start-up (db/client.ts, settings.repository.ts),
 * the ballot box's own file and thread, the legacy-ballot move, the backup, and PostgreSQL's connection
 * (db/postgres.ts). Everything else is written for both engines.
 */
const ENGINE_FILES = /^src\/(db\/client|db\/postgres|db\/settings\.repository|ballots\/box[-.][\w.-]+|ballots\/ballot-box|ballots\/ballots\.repository|cli\/backup|cli\/copy-to-postgres)\.ts$/;
/** The composition root registers every module's routes and plugins. */
const COMPOSITION_ROOTS = new Set(['app', 'server']);

describe('architecture', () => {
  it('src/domain imports nothing but itself and typebox (no fastify, drizzle, node: modules)', () => {
    const domain = join(root, 'src/domain');
    const offenders = sourceFiles(domain).flatMap((f) =>
      importsOf(f)
        .filter((i) => (i.startsWith('.') ? !join(f, '..', i).startsWith(domain) : !/^typebox(\/|$)/.test(i)))
        .map((i) => `${relative(root, f)} imports ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('route files import no repository, no database module and no drizzle', () => {
    const offenders = sourceFiles(join(root, 'src'))
      .filter((f) => f.endsWith('.routes.ts'))
      .flatMap((f) => importsOf(f).filter((i) => /repository|\/db\/|drizzle-orm/.test(i)).map((i) => `${relative(root, f)} imports ${i}`));
    expect(offenders).toEqual([]);
  });

  it('modules import each other only through their index.ts', () => {
    const offenders = moduleEdges()
      .filter((e) => !COMPOSITION_ROOTS.has(e.from) && !LIBRARIES.has(e.to))
      .filter((e) => e.target !== `src/${e.to}/index.ts`)
      .map((e) => `${e.file} imports ${e.target}`);
    expect(offenders).toEqual([]);
  });

  it("outside the engines' own files, queries are awaited and transactions opened by transaction() (db/client.ts)", () => {
    // `.run()`, `.get()` and `.all()` exist on SQLite's query builders only; drizzle's own `db.transaction` on
    // better-sqlite3 commits the statements after an `await` on their own. The prepared statements of the voter's
    // path (`statement(…)`, SQLite's) are named as such and listed by the PostgreSQL step.
    const offenders = sourceFiles(join(root, 'src'))
      .filter((f) => f.endsWith('.ts') && !ENGINE_FILES.test(relative(root, f)))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${relative(root, f)}:${i + 1}` }))
          .filter(({ line }) => (/\.(run|get|all)\(\)/.test(line) && !line.includes('statement(')) || /\.transaction\(/.test(line))
          .map(({ line, at }) => `${at}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  it('no import cycle between modules', () => {
    expect(moduleCycles(moduleEdges())).toEqual([]);
  });

  it('every module with routes has its schemas file', () => {
    const missing = sourceFiles(join(root, 'src'))
      .filter((f) => f.endsWith('.routes.ts') && !f.includes('/web/'))
      .map((f) => f.replace(/\.routes\.ts$/, '.schemas.ts'))
      .filter((f) => !sourceFiles(join(f, '..')).includes(f))
      .map((f) => relative(root, f));
    expect(missing).toEqual([]);
  });
});
