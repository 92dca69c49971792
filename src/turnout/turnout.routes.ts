import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getOrCreateSecret } from '../db/settings.repository.js';
import { findUserById } from '../auth/users.repository.js';
import { meetingView, loadMeeting } from '../meetings/meetings.usecases.js';
import { MeetingView } from '../meetings/meetings.schemas.js';
import { AppError } from '../shared/errors.js';
import { webFolder } from '../shared/paths.js';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { renderClosingReportPdf } from './closing.pdf.js';
import { EXPORT_FORMATS } from '../exports/exports.js';
import { archivedExport, closingReportList, getClosingReport } from './closing.usecases.js';
import { setMinimum } from './minimum.usecases.js';
import { signTicket, TICKET_PATTERN, verifyTicket } from './tickets.js';
import { ClosingReportList, ClosingReportView, LiveTicket, MinimumBody, ReportIdQuery } from './turnout.schemas.js';

/** A file or an event stream: sent as bytes, described for the OpenAPI document. */
const Binary = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });

const secured = { security: [{ bearer: [] }], tags: ['turnout'] };
const badTicket = () => new AppError(401, 'TICKET_INVALID', '实时进度的访问凭证无效或已过期，请刷新页面');

export const turnoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const ticketSecret = getOrCreateSecret({ db: app.db }, 'live-ticket-secret');

  app.put(
    '/api/meetings/:id/minimum',
    {
      onRequest: [app.requireAdmin],
      schema: {
        ...secured,
        summary: 'Set another minimum than the kind’s rule, with a written reason (admin only; refused once closed)',
        params: IdParams,
        body: MinimumBody,
        response: { 200: MeetingView, ...errorResponses },
      },
    },
    async (req) => meetingView(setMinimum({ db: app.db }, req.user, req.params.id, req.body)),
  );

  app.post(
    '/api/meetings/:id/live-ticket',
    {
      onRequest: [app.authenticate],
      schema: { ...secured, summary: 'A one-minute ticket to open the live event stream (EventSource cannot send a bearer token)', params: IdParams, response: { 200: LiveTicket, ...errorResponses } },
    },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
      loadMeeting({ db: app.db }, req.params.id);
      const { ticket, expiresAt } = signTicket(ticketSecret, req.params.id, req.user.id);
      return { ticket, expiresAt: new Date(expiresAt).toISOString(), streamUrl: `/api/meetings/${req.params.id}/live?ticket=${ticket}` };
    },
  );

  app.get(
    '/api/meetings/:id/live',
    {
      // Compression would hold events back in its buffer (the reply is hijacked as well); the stream is small.
      compress: false,
      schema: {
        tags: ['turnout'],
        summary: 'Live turnout as server-sent events (event "turnout", JSON as GET /turnout; event "end" before the server closes the stream)',
        params: IdParams,
        querystring: Type.Object({ ticket: Type.String({ pattern: TICKET_PATTERN }) }, { additionalProperties: false }),
        produces: ['text/event-stream'],
        response: { 200: Binary, ...errorResponses },
      },
    },
    async (req, reply) => {
      const userId = verifyTicket(ticketSecret, req.query.ticket, req.params.id);
      if (userId === null) throw badTicket();
      const user = findUserById({ db: app.db }, userId);
      if (!user || user.disabled) throw badTicket();
      app.assertMeetingAccess({ id: user.id, username: user.username, role: user.role }, req.params.id);
      loadMeeting({ db: app.db }, req.params.id);
      reply.hijack();
      app.turnoutLive.subscribe(req.params.id, reply.raw);
    },
  );

  app.get(
    '/api/meetings/:id/closing-report',
    {
      onRequest: [app.authenticate],
      schema: { ...secured, summary: 'The closing report (the latest, or ?reportId=)', params: IdParams, querystring: ReportIdQuery, response: { 200: ClosingReportView, ...errorResponses } },
    },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
      return getClosingReport({ db: app.db }, req.params.id, req.query.reportId);
    },
  );

  app.get(
    '/api/meetings/:id/closing-report.pdf',
    {
      onRequest: [app.authenticate],
      schema: { ...secured, summary: 'The closing report as a PDF', params: IdParams, querystring: ReportIdQuery, produces: ['application/pdf'], response: { 200: Binary, ...errorResponses } },
    },
    async (req, reply) => {
      app.assertMeetingAccess(req.user, req.params.id);
      const view = getClosingReport({ db: app.db }, req.params.id, req.query.reportId);
      const pdf = await renderClosingReportPdf(view);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="closing-report-${view.meetingId}.pdf"; filename*=UTF-8''${encodeURIComponent(`测评结束报告-${view.meetingId}.pdf`)}`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );

  app.get(
    '/api/meetings/:id/closing-reports',
    { onRequest: [app.authenticate], schema: { ...secured, summary: 'Every closing report of the meeting, newest first', params: IdParams, response: { 200: ClosingReportList, ...errorResponses } } },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
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
      app.assertMeetingAccess(req.user, req.params.id);
      const file = archivedExport({ db: app.db }, req.params.id, req.params.name, req.query.reportId);
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename.replace(/[^\x20-\x7e]|"/g, '_')}"`)
        .header('cache-control', 'no-store')
        .send(file.body);
    },
  );

  // The live pages: static HTML whose scripts read the meeting id from the address and log in with the API.
  // One page, two views: the projector (大屏) variant differs only in its title, stylesheet and data-view.
  const liveHtml = readFileSync(join(webFolder, 'public/live.html'), 'utf8');
  const projectorHtml = [
    ['<title>参评进度 · 民主测评</title>', '<title>参评进度 · 投屏</title>'],
    ['/assets/live.css', '/assets/projector.css'],
    ['data-view="live"', 'data-view="projector"'],
  ].reduce((html, [from, to]) => {
    if (!html.includes(from!)) throw new Error(`live.html no longer contains ${from}`);
    return html.replace(from!, to!);
  }, liveHtml);
  const page = { schema: { hide: true, params: IdParams } };
  app.get('/meetings/:id/live.html', page, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(liveHtml));
  app.get('/meetings/:id/projector.html', page, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(projectorHtml));
};
