// Paper ballots: print them (PDF), read the questionnaire for the key-in page, key a collected one in.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BallotFormView } from '../ballots/index.js';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { assertPrintable, pdfDisposition } from '../slips/index.js';
import { isLoopbackUrl } from '../config.js';
import { LIMITS } from '../config.js';
import { PaperKeyInBody, PaperPrintBody } from './paper.schemas.js';
import { paperBallotsPdfStream } from './paper-pdf.js';
import { issuePaperBallots, keyInPaperBallot, paperForms } from './paper.usecases.js';

export const paperRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/meetings/:id/paper-ballots/print',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['paper ballots'],
        security: [{ bearer: [] }],
        summary: 'Issue slips and print them as paper ballots: the full questionnaire on A4 with the QR and short code in a corner (application/pdf)',
        params: IdParams,
        body: PaperPrintBody,
        response: { 201: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      assertPrintable(app.config.publicUrl, isLoopbackUrl(app.config.publicUrl), req.body.confirmPublicUrl);
      const { batch, info, forms } = await issuePaperBallots({ db: app.db, forms: app.forms, publicUrl: app.config.publicUrl }, req.user, req.params.id, req.body);
      return reply
        .code(201)
        .header('content-type', 'application/pdf')
        .header('content-disposition', pdfDisposition('paper-ballots', info.unit, batch))
        .header('cache-control', 'no-store')
        .send(paperBallotsPdfStream(info, forms, batch.slips));
    },
  );

  app.get(
    '/api/meetings/:id/paper-ballots/form',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['paper ballots'],
        security: [{ bearer: [] }],
        summary: 'The questionnaire as keyed in (the same shape the voter page gets)',
        params: IdParams,
        response: { 200: BallotFormView, ...errorResponses },
      },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return { ...(await paperForms({ db: app.db, forms: app.forms }, req.params.id)), category: null };
    },
  );

  app.post(
    '/api/meetings/:id/paper-ballots',
    {
      onRequest: [app.authenticate],
      // A key-in casts a ballot: like the voter's routes, it writes no request log line that would date one.
      logLevel: 'error',
      bodyLimit: LIMITS.ballotBodyBytes,
      schema: {
        tags: ['paper ballots'],
        security: [{ bearer: [] }],
        summary: 'Key in a collected paper ballot under its code; it counts once, like a phone ballot, recorded as written',
        params: IdParams,
        body: PaperKeyInBody,
        response: {
          201: Type.Object({ status: Type.Literal('counted'), valid: Type.Boolean(), message: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      const out = await keyInPaperBallot({ db: app.db, forms: app.forms, writer: app.ballotWriter }, req.params.id, req.body);
      const valid = out.valid ?? true;
      return reply.code(201).send({
        status: 'counted' as const,
        valid,
        message: valid ? '已录入并计入。' : '已按原样录入并计入票数；该票违反填票规则，计为无效票。',
      });
    },
  );
};
