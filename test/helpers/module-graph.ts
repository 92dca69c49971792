// The import graph between Ceping's modules (the folders under src/), read from the source text.
// Run `npx tsx test/helpers/module-graph.ts` to print it; test/unit/architecture.test.ts holds it to the rules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (static imports only). */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

/** The module a source file belongs to: `meetings` for src/meetings/x.ts, `app` for src/app.ts. */
export function moduleOf(file: string): string {
  const rel = relative(join(root, 'src'), file).split(sep);
  return rel.length === 1 ? rel[0]!.replace(/\.ts$/, '') : rel[0]!;
}

export interface Edge {
  from: string;
  to: string;
  /** The importing file and the imported file, relative to the repository. */
  file: string;
  target: string;
}

/** Imports that cross from one module into another. */
export function moduleEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const from = moduleOf(file);
      const to = moduleOf(target);
      if (from !== to) edges.push({ from, to, file: relative(root, file), target: relative(root, target) });
    }
  }
  return edges;
}

/** Pairs of modules that import each other, directly or through others (strongly connected components > 1). */
export function moduleCycles(edges: Edge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  // Tarjan's algorithm.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const edges = moduleEdges();
  const byPair = new Map<string, number>();
  for (const e of edges) byPair.set(`${e.from} -> ${e.to}`, (byPair.get(`${e.from} -> ${e.to}`) ?? 0) + 1);
  for (const [pair, n] of [...byPair].sort()) console.log(`${pair}  (${n} import${n === 1 ? '' : 's'})`);
  const cycles = moduleCycles(edges);
  console.log(cycles.length === 0 ? 'no cycles between modules' : cycles.map((c) => `cycle: ${c.join(' <-> ')}`).join('\n'));
}
