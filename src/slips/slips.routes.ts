import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { pdfDisposition, slipsPdfStream } from './pdf.js';
import { IssuedSlipsView, SlipsBody, VoidBody, VoidView } from './slips.schemas.js';
import { issueSlips, sheetInfo, voidSlips } from './slips.usecases.js';
import { assertPrintable } from './slips.errors.js';
import { isLoopbackUrl } from '../config.js';

export const slipsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const loopback = isLoopbackUrl(app.config.publicUrl);
  app.post(
    '/api/meetings/:id/slips',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['slips'],
        security: [{ bearer: [] }],
        summary: 'Issue one-time ballot slips: a PDF to print (A4, 10 slips a sheet), or with Accept: application/json the tokens once, as JSON.',
        description:
          'Without `Accept: application/json` the answer is `application/pdf`, streamed: the tokens exist only in that PDF. Each slip shows the meeting, the category, a QR code of <PUBLIC_URL>/v/<token>, the short code and the serial.',
        params: IdParams,
        body: SlipsBody,
        response: { 201: IssuedSlipsView, ...errorResponses },
      },
    },
    async (req, reply) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      const wantsJson = (req.headers.accept ?? '').includes('application/json');
      // A print whose QR codes no phone can open is refused unless the address is confirmed (before anything is issued).
      if (!wantsJson) assertPrintable(app.config.publicUrl, loopback, req.body.confirmPublicUrl);
      // Issued (and committed) in one transaction before the first byte of the PDF is sent.
      const batch = await issueSlips({ db: app.db, publicUrl: app.config.publicUrl }, req.user, req.params.id, req.body);
      if (!wantsJson) {
        const info = await sheetInfo({ db: app.db, publicUrl: app.config.publicUrl }, batch);
        return reply
          .code(201)
          .header('content-type', 'application/pdf')
          .header('content-disposition', pdfDisposition('slips', info.unit, batch))
          .header('cache-control', 'no-store')
          .send(slipsPdfStream(info, batch.slips));
      }
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

  app.post(
    '/api/meetings/:id/slips/void',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['slips'],
        security: [{ bearer: [] }],
        summary: 'Void lost or damaged slips by serial or short code, or a whole batch; all or nothing',
        params: IdParams,
        body: VoidBody,
        response: { 200: VoidView, ...errorResponses },
      },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      const out = await voidSlips({ db: app.db }, req.user, req.params.id, req.body);
      return { ...out, message: `已作废 ${out.voided.length} 张测评票（其中如有已投的票，照常计入）` };
    },
  );
};
