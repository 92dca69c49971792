import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { ResultsView } from './results.schemas.js';
import { meetingResults } from './results.usecases.js';

export const resultsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/meetings/:id/results',
    {
      onRequest: [app.authenticate],
      schema: { tags: ['results'], security: [{ bearer: [] }], summary: 'The tally of the valid ballots, with turnout and flags (409 MEETING_OPEN while the poll is open)', params: IdParams, response: { 200: ResultsView, ...errorResponses } },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return meetingResults({ db: app.db, forms: app.forms }, req.params.id);
    },
  );
};
