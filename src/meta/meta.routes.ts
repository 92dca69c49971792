// GET /api/meta: the words the console needs (meeting kinds and their minimum rules, statuses, subject kinds,
// audit action labels, respondent category presets). Any signed-in user; it holds nothing about a meeting.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../shared/schemas.js';
import { Meta } from './meta.schemas.js';
import { consoleMeta } from './meta.usecases.js';

export const metaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/meta',
    { onRequest: [app.authenticate], schema: { tags: ['meta'], security: [{ bearer: [] }], summary: 'Labels and rules the console shows', response: { 200: Meta, ...errorResponses } } },
    async () => consoleMeta(app.config.publicUrl),
  );
};
