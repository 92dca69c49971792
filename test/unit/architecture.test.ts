// Keeps the layering true: the domain is pure, SQL lives in repositories, routes do not reach the database.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('architecture', () => {
  it('src/domain imports nothing but itself and typebox (no fastify, drizzle, node: modules)', () => {
    const offenders = files(join(root, 'src/domain')).flatMap((f) =>
      imports(f)
        .filter((i) => !i.startsWith('.') && !/^typebox(\/|$)/.test(i))
        .map((i) => `${relative(root, f)} imports ${i}`),
    );
    const outward = files(join(root, 'src/domain')).flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith('.'))
        .filter((i) => !join(f, '..', i).startsWith(join(root, 'src/domain')))
        .map((i) => `${relative(root, f)} imports ${i}`),
    );
    expect([...offenders, ...outward]).toEqual([]);
  });

  it('route files never import the database schema or drizzle directly', () => {
    const offenders = files(join(root, 'src'))
      .filter((f) => f.endsWith('.routes.ts'))
      .flatMap((f) => imports(f).filter((i) => /db\/schema|drizzle-orm/.test(i)).map((i) => `${relative(root, f)} imports ${i}`));
    expect(offenders).toEqual([]);
  });
});
