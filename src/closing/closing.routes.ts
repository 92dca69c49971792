// Closing a poll and its closing reports (测评结束报告): the report, its PDF, and the exports archived with it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EXPORT_FORMATS } from '../exports/index.js';
import { meetingView, MeetingView } from '../meetings/index.js';
import { attachment, safeFileName } from '../shared/disposition.js';
import { bodyMayBeAbsent, errorResponses, IdParams } from '../shared/schemas.js';
import { renderClosingReportPdf } from './closing.pdf.js';
import { archivedExport, archivePendingReports, closeWithReport, closingReportList, getClosingReport } from './closing.usecases.js';
import { ClosingReportList, ClosingReportView, ReportIdQuery } from './closing.schemas.js';

/** A file: sent as bytes, described for the OpenAPI document. */
const Binary = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });
const secured = { security: [{ bearer: [] }], tags: ['closing'] };

export const closingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps = { db: app.db, forms: app.forms };
  // A close cut short before its exports were archived (a crash) is completed at the next start.
  app.addHook('onReady', async () => {
    const n = await archivePendingReports(deps);
    if (n > 0) app.log.warn({ reports: n }, 'archived the exports of closing reports left pending');
  });

  app.post(
    '/api/meetings/:id/close',
    {
      onRequest: [app.authenticate],
      preValidation: bodyMayBeAbsent,
      schema: {
        ...secured,
        summary: 'Close the poll and write its closing report (GET /closing-report)',
        params: IdParams,
        body: Type.Object({}, { additionalProperties: false }),
        response: { 200: MeetingView, ...errorResponses },
      },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      const { meeting } = await closeWithReport(deps, req.user, req.params.id);
      app.turnoutLive.poke(req.params.id);
      return meetingView(meeting);
    },
  );

  app.get(
    '/api/meetings/:id/closing-report',
    {
      onRequest: [app.authenticate],
      schema: { ...secured, summary: 'The closing report (the latest, or ?reportId=)', params: IdParams, querystring: ReportIdQuery, response: { 200: ClosingReportView, ...errorResponses } },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return getClosingReport(deps, req.params.id, req.query.reportId);
    },
  );

  app.get(
    '/api/meetings/:id/closing-report.pdf',
    {
      onRequest: [app.authenticate],
      schema: { ...secured, summary: 'The closing report as a PDF', params: IdParams, querystring: ReportIdQuery, produces: ['application/pdf'], response: { 200: Binary, ...errorResponses } },
    },
    async (req, reply) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      const view = await getClosingReport(deps, req.params.id, req.query.reportId);
      return reply
        .type('application/pdf')
        .header('content-disposition', attachment(`closing-report-${view.meetingId}.pdf`, `${safeFileName(view.report.meeting.unit)}-${safeFileName(view.report.meeting.title)}-测评结束报告.pdf`))
        .header('cache-control', 'no-store')
        .send(await renderClosingReportPdf(view));
    },
  );

  app.get(
    '/api/meetings/:id/closing-reports',
    { onRequest: [app.authenticate], schema: { ...secured, summary: 'Every closing report of the meeting, newest first', params: IdParams, response: { 200: ClosingReportList, ...errorResponses } } },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return closingReportList({ db: app.db }, req.params.id);
    },
  );

  app.get(
    '/api/meetings/:id/closing-report/files/:name',
    {
      onRequest: [app.authenticate],
      schema: {
        ...secured,
        summary: 'An export exactly as archived with the closing report (its SHA-256 is in the report)',
        params: Type.Object({ id: IdParams.properties.id, name: Type.Union(EXPORT_FORMATS.map((f) => Type.Literal(f))) }),
        querystring: ReportIdQuery,
        response: { 200: Binary, ...errorResponses },
      },
    },
    async (req, reply) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      const file = await archivedExport(deps, req.params.id, req.params.name, req.query.reportId);
      return reply.type(file.contentType).header('content-disposition', attachment(req.params.name, file.filename)).header('cache-control', 'no-store').send(file.body);
    },
  );
};
