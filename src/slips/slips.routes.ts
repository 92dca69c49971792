import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../shared/errors.js';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { issueSlips } from './slips.usecases.js';

export const SlipsBody = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 10000 }),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  },
  { additionalProperties: false },
);

export const slipsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/meetings/:id/slips',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['slips'],
        security: [{ bearer: [] }],
        summary: 'Issue one-time ballot slips. With Accept: application/json the tokens are returned once, as JSON.',
        params: IdParams,
        body: SlipsBody,
        response: {
          201: Type.Object({
            batchId: Type.String(),
            tokens: Type.Array(Type.String()),
            urls: Type.Array(Type.String()),
            shortCodes: Type.Array(Type.String()),
            serials: Type.Array(Type.Integer()),
            category: Type.Union([Type.Object({ key: Type.String(), label: Type.String() }), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      app.assertMeetingAccess(req.user, req.params.id);
      if (!(req.headers.accept ?? '').includes('application/json')) {
        throw new AppError(406, 'NOT_ACCEPTABLE', '请以 Accept: application/json 请求测评票');
      }
      const batch = issueSlips({ db: app.db, publicUrl: app.config.publicUrl }, req.user, req.params.id, req.body);
      return reply.code(201).send({
        batchId: batch.batchId,
        tokens: batch.slips.map((s) => s.token),
        urls: batch.slips.map((s) => s.url),
        shortCodes: batch.slips.map((s) => s.shortCode),
        serials: batch.slips.map((s) => s.serial),
        category: batch.category,
      });
    },
  );
};
