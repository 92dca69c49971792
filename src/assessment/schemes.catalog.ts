// Loads the shipped scoring schemes (src/assessment/schemes/*.json) once; a broken scheme stops the start.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseScheme, SchemeError, type Scheme } from '../domain/assessment/scheme.js';
import { projectRoot } from '../shared/paths.js';

export const schemesFolder = resolve(projectRoot, 'src/assessment/schemes');

export function loadSchemes(dir = schemesFolder): Map<string, Scheme> {
  const out = new Map<string, Scheme>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const path = join(dir, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new SchemeError(path, [`not valid JSON: ${(e as Error).message}`]);
    }
    const s = parseScheme(raw, path);
    if (`${s.id}.json` !== file) throw new SchemeError(path, [`id "${s.id}" must match the file name`]);
    out.set(s.id, s);
  }
  return out;
}
