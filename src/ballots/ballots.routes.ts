// The voter's routes. They log nothing per request (no URL, address, user agent or time), so that the
// logs cannot tell who voted when; see app.ts for the logger settings.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { LIMITS } from '../config.js';
import { errorResponses } from '../shared/schemas.js';
import { ballotFormView, castBallot, openSlipForm } from './ballots.usecases.js';
import { preferredEncoding, VoterFormCache } from './form-cache.js';
import { BallotFormView, CastBody, CountedAgainView, CountedView, CredentialParams } from './ballots.schemas.js';

export const ballotsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const writer = app.ballotWriter;
  const quiet = { logLevel: 'error' as const, config: { voterRoute: true } };

  // The voter's form, serialised by this route's response schema and compressed once per meeting version and
  // category (form-cache.ts): the route sends the kept bytes with the coding it chose, so compression is off here.
  const formCache = new VoterFormCache();
  app.get(
    '/api/ballot/:token',
    { ...quiet, compress: false, decompress: false, schema: { tags: ['ballot'], summary: 'The ballot form for a slip', params: CredentialParams, response: { 200: BallotFormView, ...errorResponses } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const form = await openSlipForm({ db: app.db, box: writer }, req.params.token);
      const key = { meetingId: form.rec.meeting.id, version: form.rec.meeting.version, category: form.category?.key ?? null };
      const encoded = formCache.get(key, () => reply.serialize(ballotFormView(app.forms, form)));
      const encoding = preferredEncoding(req.headers['accept-encoding']);
      reply.header('content-type', 'application/json; charset=utf-8').header('vary', 'accept-encoding');
      if (encoding !== 'identity') reply.header('content-encoding', encoding);
      // Already the schema's serialisation (above): sent as bytes, with their content-length.
      return reply.send(encoded.bytes(encoding) as unknown as Static<typeof BallotFormView>);
    },
  );

  app.post(
    '/api/ballot/:token',
    {
      ...quiet,
      // The answer is a sentence: under compress's threshold, so its hook would only look and pass. A phone sends its
      // ballot uncompressed: a compressed body is refused as unreadable rather than inflated.
      compress: false,
      decompress: false,
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

