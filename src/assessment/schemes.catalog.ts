// Loads the shipped scoring schemes (forms/schemes/*.json) once; a broken scheme stops the start. They sit under
// forms/ because that folder ships with the service (Docker copies it); the form catalogue reads only forms/*.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseScheme, SchemeError, type Scheme } from '../domain/assessment/scheme.js';
import { formsFolder } from '../shared/paths.js';

export const schemesFolder = resolve(formsFolder, 'schemes');

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
