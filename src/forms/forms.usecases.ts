// The questionnaire templates as the console lists them.
import type { FormTemplate } from '../domain/forms.js';
import { documentTitle } from '../domain/sources.js';
import { notFound } from '../shared/errors.js';
import type { FormCatalog } from './forms.catalog.js';

function summary(f: FormTemplate) {
  const kinds = new Set<string>();
  for (const q of f.questions) if (q.type === 'graded') for (const k of q.subjects ?? []) kinds.add(k);
  return { id: f.id, title: f.title, description: f.description ?? null, seed: f.source.seed, document: documentTitle(f.source.seed), questionCount: f.questions.length, subjectKinds: [...kinds] };
}

export const formSummaries = (forms: FormCatalog) => forms.list().map(summary);

export function formById(forms: FormCatalog, id: string): FormTemplate {
  const f = forms.get(id);
  if (!f) throw notFound('测评表', 'FORM_NOT_FOUND');
  return f;
}
