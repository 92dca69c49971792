import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { slipsPdfStream } from './pdf.js';
import { issueSlips, listBatches, sheetInfo, voidSlips, type IssuedBatch } from './slips.usecases.js';

/** attachment; filename="…" with an ASCII fallback and the Chinese name (RFC 6266 / 5987). */
export function pdfDisposition(kind: 'slips' | 'paper-ballots', unit: string, batch: IssuedBatch): string {
  const first = batch.slips[0]?.serial ?? 0;
  const last = batch.slips[batch.slips.length - 1]?.serial ?? 0;
  const range = `${String(first).padStart(6, '0')}-${String(last).padStart(6, '0')}`;
  const label = kind === 'slips' ? '测评票' : '纸质测评票';
  const safeUnit = unit.replace(/[\\/:*?"<>|\s]+/g, '').slice(0, 40);
  const utf8 = encodeURIComponent(`${label}-${safeUnit}-${range}.pdf`).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="ceping-${kind}-${range}.pdf"; filename*=UTF-8''${utf8}`;
}

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
        summary: 'Issue one-time ballot slips: a PDF to print (A4, 10 slips a sheet), or with Accept: application/json the tokens once, as JSON.',
        description:
          'Without `Accept: application/json` the answer is `application/pdf`, streamed: the tokens exist only in that PDF. Each slip shows the meeting, the category, a QR code of <PUBLIC_URL>/v/<token>, the short code and the serial.',
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
      const wantsJson = (req.headers.accept ?? '').includes('application/json');
      // Issued (and committed) in one transaction before the first byte of the PDF is sent.
      const batch = issueSlips({ db: app.db, publicUrl: app.config.publicUrl }, req.user, req.params.id, req.body);
      if (!wantsJson) {
        const info = sheetInfo({ db: app.db, publicUrl: app.config.publicUrl }, batch);
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
        body: Type.Object(
          {
            serials: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10000, uniqueItems: true })),
            shortCodes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 1000 })),
            batchId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            reason: Type.String({ minLength: 1, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            voided: Type.Array(Type.Integer(), { description: 'serials voided now' }),
            alreadyVoided: Type.Array(Type.Integer()),
            usedKept: Type.Integer({ description: 'always 0: whether a slip has voted is not known from its serial (a ballot already cast stays counted)' }),
            message: Type.String(),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
      const out = voidSlips({ db: app.db }, req.user, req.params.id, req.body);
      const kept = out.usedKept > 0 ? `；其中 ${out.usedKept} 张已投票，照常计入，未作废` : '';
      return { ...out, message: `已作废 ${out.voided.length} 张测评票${kept}` };
    },
  );

  app.get(
    '/api/meetings/:id/slips/batches',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['slips'],
        security: [{ bearer: [] }],
        summary: 'The slip batches of a meeting with their counts (used counts coarsened while the poll is open)',
        params: IdParams,
        response: {
          200: Type.Object({
            coarsened: Type.Boolean(),
            batches: Type.Array(
              Type.Object({
                batchId: Type.String(),
                category: Type.Union([Type.Object({ key: Type.String(), label: Type.String() }), Type.Null()]),
                count: Type.Integer(),
                firstSerial: Type.Integer(),
                lastSerial: Type.Integer(),
                createdAt: Type.String(),
                createdBy: Type.String(),
                used: Type.Integer(),
                voided: Type.Integer(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
      return listBatches({ db: app.db }, req.params.id);
    },
  );
};
