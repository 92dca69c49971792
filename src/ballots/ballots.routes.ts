// The voter's routes. They log nothing per request (no URL, address, user agent or time), so that the
// logs cannot tell who voted when; see app.ts for the logger settings.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LIMITS } from '../config.js';
import { errorResponses } from '../shared/schemas.js';
import { ballotView, castBallot } from './ballots.usecases.js';
import { BallotFormView, CastBody, CountedAgainView, CountedView, CredentialParams } from './ballots.schemas.js';

export const ballotsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const writer = app.ballotWriter;
  const quiet = { logLevel: 'error' as const, config: { voterRoute: true } };

  app.get(
    '/api/ballot/:token',
    { ...quiet, schema: { tags: ['ballot'], summary: 'The ballot form for a slip', params: CredentialParams, response: { 200: BallotFormView, ...errorResponses } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return await ballotView({ db: app.db, forms: app.forms, box: writer }, req.params.token);
    },
  );

  app.post(
    '/api/ballot/:token',
    {
      ...quiet,
      bodyLimit: LIMITS.ballotBodyBytes,
      schema: {
        tags: ['ballot'],
        summary: 'Cast the ballot of a slip, once',
        params: CredentialParams,
        body: CastBody,
        response: { 200: CountedAgainView, 201: CountedView, ...errorResponses },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const out = await castBallot({ db: app.db, forms: app.forms, writer }, req.params.token, req.body);
      if (out.alreadyCounted) return reply.code(200).send({ status: 'counted', alreadyCounted: true, message: '您的选票此前已成功提交并计入，无需再次提交。' });
      return reply.code(201).send({ status: 'counted', alreadyCounted: false, valid: out.valid ?? true, message: '投票成功，感谢您的参与。' });
    },
  );
};

