import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams } from '../shared/schemas.js';
import { listMeetings } from './meetings.repository.js';
import { assignAssessors, createMeeting, loadMeeting, meetingView, openPoll, recordAttendance } from './meetings.usecases.js';
import { CreateMeetingBody, MeetingView, TurnoutView } from './meetings.schemas.js';
import { closeWithReport } from '../turnout/closing.usecases.js';

const secured = { security: [{ bearer: [] }], tags: ['meetings'] };

export const meetingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  const deps = { db: app.db, forms: app.forms };

  app.post(
    '/api/meetings',
    { schema: { ...secured, summary: 'Create a meeting (draft)', body: CreateMeetingBody, response: { 201: MeetingView, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(meetingView(createMeeting(deps, req.user, req.body))),
  );

  app.get(
    '/api/meetings',
    { schema: { ...secured, summary: 'Meetings the user may see', response: { 200: Type.Array(MeetingView), ...errorResponses } } },
    async (req) =>
      listMeetings({ db: app.db }, req.user.role === 'admin' ? {} : { assessorId: req.user.id }).map((m) => meetingView(loadMeeting({ db: app.db }, m.id))),
  );

  app.get('/api/meetings/:id', { schema: { ...secured, params: IdParams, response: { 200: MeetingView, ...errorResponses } } }, async (req) => {
    app.assertMeetingAccess(req.user, req.params.id);
    return meetingView(loadMeeting({ db: app.db }, req.params.id));
  });

  app.post(
    '/api/meetings/:id/open',
    {
      schema: {
        ...secured,
        summary: 'Open the poll; reopening a closed poll needs a written reason',
        params: IdParams,
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
        response: { 200: MeetingView, ...errorResponses },
      },
    },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
      const view = meetingView(openPoll(deps, req.user, req.params.id, req.body?.reason));
      app.turnoutLive.poke(req.params.id);
      return view;
    },
  );

  app.post(
    '/api/meetings/:id/close',
    { schema: { ...secured, summary: 'Close the poll and write its closing report (GET /closing-report)', params: IdParams, response: { 200: MeetingView, ...errorResponses } } },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
      const { meeting } = await closeWithReport(deps, req.user, req.params.id);
      app.turnoutLive.poke(req.params.id);
      return meetingView(meeting);
    },
  );

  app.put(
    '/api/meetings/:id/attendance',
    {
      schema: {
        ...secured,
        summary: 'Record the sign-in count (签到人数) and the individual interviews held (个别谈话)',
        params: IdParams,
        body: Type.Object(
          { signedIn: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })), interviews: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: MeetingView, ...errorResponses },
      },
    },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
      return meetingView(recordAttendance(deps, req.user, req.params.id, req.body));
    },
  );

  app.get(
    '/api/meetings/:id/turnout',
    {
      schema: {
        ...secured,
        summary: 'Turnout against the minimum: coarsened while the poll is open (coarsened: true), exact before and after',
        params: IdParams,
        response: { 200: TurnoutView, ...errorResponses },
      },
    },
    async (req) => {
      app.assertMeetingAccess(req.user, req.params.id);
      return app.turnoutLive.published(req.params.id);
    },
  );

  app.put(
    '/api/meetings/:id/assessors',
    {
      onRequest: [app.requireAdmin],
      schema: {
        ...secured,
        summary: 'Assign the assessors (考核组) who may run this meeting (admin only)',
        params: IdParams,
        body: Type.Object({ assessorIds: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 }) }, { additionalProperties: false }),
        response: { 200: MeetingView, ...errorResponses },
      },
    },
    async (req) => meetingView(assignAssessors(deps, req.user, req.params.id, req.body.assessorIds)),
  );
};
