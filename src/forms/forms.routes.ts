import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../shared/schemas.js';
import { FormIdParams, FormSummary } from './forms.schemas.js';
import { formById, formSummaries } from './forms.usecases.js';

export const formsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/forms', { schema: { tags: ['forms'], summary: 'The questionnaire templates in forms/', response: { 200: Type.Array(FormSummary) } } }, async () => formSummaries(app.forms));

  app.get(
    '/api/forms/:id',
    {
      schema: {
        tags: ['forms'],
        summary: 'One template, whole (see forms/form.schema.json)',
        params: FormIdParams,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses },
      },
    },
    async (req) => formById(app.forms, req.params.id),
  );
};
