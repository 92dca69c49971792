import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bodyMayBeAbsent, errorResponses, IdParams } from '../shared/schemas.js';
import { assignAssessors, correctSubject, createMeeting, deleteDraftMeeting, editMeeting, listMeetingViews, loadMeeting, meetingView, openPoll, recordAttendance } from './meetings.usecases.js';
import { AssessorsBody, AttendanceBody, CorrectSubjectBody, CreateMeetingBody, DeletedMeeting, EditMeetingBody, MeetingView, PollActionBody, SubjectParams } from './meetings.schemas.js';

const secured = { security: [{ bearer: [] }], tags: ['meetings'] };

export const meetingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  const deps = { db: app.db, forms: app.forms };

  app.post(
    '/api/meetings',
    { schema: { ...secured, summary: 'Create a meeting (draft)', body: CreateMeetingBody, response: { 201: MeetingView, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(meetingView(await createMeeting(deps, req.user, req.body))),
  );

  app.get(
    '/api/meetings',
    { schema: { ...secured, summary: 'Meetings the user may see', response: { 200: Type.Array(MeetingView), ...errorResponses } } },
    async (req) => listMeetingViews({ db: app.db }, req.user),
  );

  app.get('/api/meetings/:id', { schema: { ...secured, params: IdParams, response: { 200: MeetingView, ...errorResponses } } }, async (req) => {
    await app.assertMeetingAccess(req.user, req.params.id);
    return meetingView(await loadMeeting({ db: app.db }, req.params.id));
  });

  app.post(
    '/api/meetings/:id/open',
    {
      preValidation: bodyMayBeAbsent,
      schema: { ...secured, summary: 'Open the poll; reopening a closed poll needs a written reason', params: IdParams, body: PollActionBody, response: { 200: MeetingView, ...errorResponses } },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      const view = meetingView(await openPoll(deps, req.user, req.params.id, req.body.reason));
      app.turnoutLive.poke(req.params.id);
      return view;
    },
  );

  app.put(
    '/api/meetings/:id/attendance',
    {
      schema: { ...secured, summary: 'Record the sign-in count (签到人数) and the individual interviews held (个别谈话)', params: IdParams, body: AttendanceBody, response: { 200: MeetingView, ...errorResponses } },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return meetingView(await recordAttendance(deps, req.user, req.params.id, req.body));
    },
  );

  app.put(
    '/api/meetings/:id/assessors',
    {
      onRequest: [app.requireAdmin],
      schema: { ...secured, summary: 'Assign the assessors (考核组) who may run this meeting (admin only)', params: IdParams, body: AssessorsBody, response: { 200: MeetingView, ...errorResponses } },
    },
    async (req) => meetingView(await assignAssessors(deps, req.user, req.params.id, req.body.assessorIds)),
  );

  app.patch(
    '/api/meetings/:id',
    {
      schema: {
        ...secured,
        summary: 'Edit a draft meeting; once slips are issued its forms, subjects (but their spelling) and categories stay',
        params: IdParams,
        body: EditMeetingBody,
        response: { 200: MeetingView, ...errorResponses },
      },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return meetingView(await editMeeting(deps, req.user, req.params.id, req.body));
    },
  );

  app.delete(
    '/api/meetings/:id',
    { schema: { ...secured, summary: 'Delete a draft meeting for which no slip has been issued', params: IdParams, response: { 200: DeletedMeeting, ...errorResponses } } },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      return deleteDraftMeeting(deps, req.user, req.params.id);
    },
  );

  app.patch(
    '/api/meetings/:id/subjects/:subjectId',
    {
      schema: {
        ...secured,
        summary: "Correct a subject's name or 职务 (a spelling fix; with a reason once the poll has opened)",
        params: SubjectParams,
        body: CorrectSubjectBody,
        response: { 200: MeetingView, ...errorResponses },
      },
    },
    async (req) => {
      await app.assertMeetingAccess(req.user, req.params.id);
      const view = meetingView(await correctSubject(deps, req.user, req.params.id, req.params.subjectId, req.body));
      app.turnoutLive.poke(req.params.id);
      return view;
    },
  );
};
