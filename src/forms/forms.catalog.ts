// Loads the questionnaire templates from forms/ at start. A broken template stops the start, naming the
// file and the reason, rather than surfacing in the middle of a meeting.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FormTemplateError, parseFormTemplate, type FormTemplate } from '../domain/forms.js';

export interface FormCatalog {
  get(id: string): FormTemplate | undefined;
  list(): FormTemplate[];
}

export const SCHEMA_FILE = 'form.schema.json';

export function loadFormCatalog(dir: string): FormCatalog {
  const forms = new Map<string, FormTemplate>();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== SCHEMA_FILE)
    .sort();
  for (const file of files) {
    const path = join(dir, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new FormTemplateError(path, [`not valid JSON: ${(e as Error).message}`]);
    }
    const form = parseFormTemplate(raw, path, basename(file, '.json'));
    forms.set(form.id, form);
  }
  if (forms.size === 0) throw new FormTemplateError(dir, ['no form templates found']);
  return {
    get: (id) => forms.get(id),
    list: () => [...forms.values()],
  };
}
