import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { streamExport, type ExportName } from './exports.usecases.js';
import { attachment } from '../shared/disposition.js';
import { ExportFile } from './exports.schemas.js';

const ROUTES: Array<{ format: ExportName; summary: string }> = [
  { format: 'results.csv', summary: 'The tally in long format as CSV (UTF-8 with BOM, RFC 4180), with the turnout flags and the 无效 stamp' },
  { format: 'statistics.csv', summary: 'The 民主测评结果统计表 as CSV: per instrument one row per person or team, with the formulas and signature lines' },
  { format: 'results.xlsx', summary: 'The tally as an Excel workbook: the 统计表 (fitted to A4 landscape), a summary sheet and one long sheet per instrument' },
  { format: 'results.pdf', summary: 'The PDF report: the 统计表 (landscape where wide), meeting facts, charts per instrument, text answers' },
  { format: 'ballots.json', summary: 'The anonymised ballots, in a fresh random order on each export (no ids, no times)' },
  { format: 'ballots.csv', summary: 'The anonymised ballots as CSV, in a fresh random order on each export' },
];

export interface ExportsRoutesOptions {
  /** Ballots read, decoded and written at a time by the raw-ballot exports (tests set a small one). */
  pageSize?: number;
}

export const exportsRoutes: FastifyPluginAsyncTypebox<ExportsRoutesOptions> = async (app, opts) => {
  for (const { format, summary } of ROUTES) {
    app.get(
      `/api/meetings/:id/${format}`,
      {
        onRequest: [app.authenticate],
        schema: { tags: ['exports'], security: [{ bearer: [] }], summary, params: IdParams, response: { 200: ExportFile, ...errorResponses } },
      },
      async (req, reply) => {
        await app.assertMeetingAccess(req.user, req.params.id);
        const out = await streamExport(format, { db: app.db, forms: app.forms }, req.params.id, { pageSize: opts.pageSize });
        return reply
          .type(out.contentType)
          .header('content-disposition', attachment(format, out.filename))
          .header('cache-control', 'no-store')
          .send(out.body);
      },
    );
  }
};
