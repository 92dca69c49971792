import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root, whether we run from src/ (tsx, vitest) or from the compiled dist/src/. */
export const projectRoot = here.includes(`${sep}dist${sep}`) ? resolve(here, '../../..') : resolve(here, '../..');

export const migrationsFolder = resolve(projectRoot, 'migrations');
export const formsFolder = resolve(projectRoot, 'forms');
/** Static assets of the voter page and the console; copied nowhere, read from src/web in both modes. */
export const webFolder = resolve(projectRoot, 'src/web');
