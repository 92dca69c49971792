#!/usr/bin/env node
// The `ceping` command (package.json "bin"). `npx ceping` in the repository runs this file: npm links the
// project's own bin. In a checkout (tsx installed, as after `npm ci`) it runs the TypeScript source, so it
// works without a build and never runs a stale dist/; where the dev dependencies are left out (the Docker
// image, `npm ci --omit=dev` after `npm run build`) it runs the compiled dist/src/cli/main.js.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const source = join(root, 'src/cli/main.ts');
const built = join(root, 'dist/src/cli/main.js');

let tsx = null;
try {
  tsx = import.meta.resolve('tsx');
} catch {
  tsx = null;
}

if (tsx !== null && existsSync(source)) {
  const r = spawnSync(process.execPath, ['--import', tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else if (existsSync(built)) {
  await import(pathToFileURL(built).href); // main.js exits with the command's status
} else {
  console.error('ceping: neither the TypeScript source with tsx nor a build was found; run `npm ci` (or `npm run build`).');
  process.exit(1);
}
