import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../shared/schemas.js';
import { notFound } from '../shared/errors.js';

const FormSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  seed: Type.String(),
  questionCount: Type.Integer(),
  subjectKinds: Type.Array(Type.String()),
});

export const formsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const summary = (id: string) => {
    const f = app.forms.get(id)!;
    const kinds = new Set<string>();
    for (const q of f.questions) if (q.type === 'graded') for (const k of q.subjects ?? []) kinds.add(k);
    return { id: f.id, title: f.title, description: f.description ?? null, seed: f.source.seed, questionCount: f.questions.length, subjectKinds: [...kinds] };
  };

  app.get('/api/forms', { schema: { tags: ['forms'], summary: 'The questionnaire templates in forms/', response: { 200: Type.Array(FormSummary) } } }, async () =>
    app.forms.list().map((f) => summary(f.id)),
  );

  app.get(
    '/api/forms/:id',
    {
      schema: {
        tags: ['forms'],
        summary: 'One template, whole (see forms/form.schema.json)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses },
      },
    },
    async (req) => {
      const f = app.forms.get(req.params.id);
      if (!f) throw notFound('测评表', 'FORM_NOT_FOUND');
      return f;
    },
  );
};
