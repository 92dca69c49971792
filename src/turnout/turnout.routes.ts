// Turnout against the minimum (coarsened while open), the minimum override, and the live event stream.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { meetingView, MeetingView } from '../meetings/index.js';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { TICKET_PATTERN } from './tickets.js';
import { authoriseLiveStream, issueLiveTicket, liveTicketSecret, setMinimum } from './turnout.usecases.js';
import { BatchesView, LiveTicket, MinimumBody, TurnoutView } from './turnout.schemas.js';

/** An event stream: described for the OpenAPI document. */
const EventStream = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });
const secured = { security: [{ bearer: [] }], tags: ['turnout'] };

export const turnoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const secret = liveTicketSecret({ db: app.db });

  app.get(
    '/api/meetings/:id/turnout',
    {
      onRequest: [app.authenticate],
      schema: {
        ...secured,
        summary: 'Turnout against the minimum: coarsened while the poll is open (coarsened: true), exact before and after',
        params: IdParams,
        response: { 200: TurnoutView, ...errorResponses },
      },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return app.turnoutLive.published(req.params.id);
    },
  );

  app.get(
    '/api/meetings/:id/slips/batches',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['slips'],
        security: [{ bearer: [] }],
        summary: 'The slip batches of a meeting with their counts (used counts coarsened and sampled per tick while the poll is open)',
        params: IdParams,
        response: { 200: BatchesView, ...errorResponses },
      },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return app.turnoutLive.batches(req.params.id);
    },
  );

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
    async (req) => meetingView(await setMinimum({ db: app.db }, req.user, req.params.id, req.body)),
  );

  app.post(
    '/api/meetings/:id/live-ticket',
    {
      onRequest: [app.authenticate],
      schema: { ...secured, summary: 'A one-minute ticket to open the live event stream (EventSource cannot send a bearer token)', params: IdParams, response: { 200: LiveTicket, ...errorResponses } },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return issueLiveTicket({ db: app.db, secret }, req.user, req.params.id);
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
        response: { 200: EventStream, ...errorResponses },
      },
    },
    async (req, reply) => {
      await authoriseLiveStream({ db: app.db, secret, assertAccess: app.assertMeetingAccess }, req.query.ticket, req.params.id);
      reply.hijack();
      app.turnoutLive.subscribe(req.params.id, reply.raw);
    },
  );
};
