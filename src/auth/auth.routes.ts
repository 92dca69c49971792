import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../shared/schemas.js';
import { changeOwnPassword, createUser, listUserViews, login, logout, renewSession, resetPassword, updateUserByAdmin } from './auth.usecases.js';
import { ChangePasswordBody, LoginBody, LoginView, MeView, NewUserBody, ResetPasswordBody, SessionView, UpdateUserBody, UserIdParams, UserView } from './auth.schemas.js';

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/auth/login',
    {
      schema: { tags: ['auth'], summary: 'Log in; returns a bearer token for the admin routes', body: LoginBody, response: { 200: LoginView, ...errorResponses } },
    },
    async (req) => ({ ...(await login({ db: app.db, sign: (p) => app.jwt.sign(p) }, req.body, req.ip)), expiresInMinutes: app.config.sessionMinutes }),
  );

  app.get(
    '/api/auth/me',
    { onRequest: [app.authenticate], schema: { tags: ['auth'], security: [{ bearer: [] }], response: { 200: MeView, ...errorResponses } } },
    async (req) => req.user,
  );

  app.get(
    '/api/users',
    { onRequest: [app.requireAdmin], schema: { tags: ['users'], security: [{ bearer: [] }], response: { 200: Type.Array(UserView), ...errorResponses } } },
    async () => listUserViews({ db: app.db }),
  );

  app.post(
    '/api/users',
    {
      onRequest: [app.requireAdmin],
      schema: { tags: ['users'], security: [{ bearer: [] }], body: NewUserBody, response: { 201: Type.Object({ id: Type.String() }), ...errorResponses } },
    },
    async (req, reply) => reply.code(201).send(await createUser({ db: app.db }, req.user.username, req.body)),
  );

  const sign = { db: app.db, sign: (p: Parameters<typeof app.jwt.sign>[0]) => app.jwt.sign(p) };
  const session = { tags: ['auth'], security: [{ bearer: [] }] };

  app.post(
    '/api/auth/logout',
    { onRequest: [app.authenticate], schema: { ...session, summary: 'End this session now', response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await logout({ db: app.db }, req.user);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/auth/renew',
    { onRequest: [app.authenticate], schema: { ...session, summary: 'A fresh session for a user at work (this one ends)', response: { 200: SessionView, ...errorResponses } } },
    async (req) => ({ ...(await renewSession(sign, req.user)), expiresInMinutes: app.config.sessionMinutes }),
  );

  app.put(
    '/api/auth/password',
    {
      onRequest: [app.authenticate],
      schema: { ...session, summary: 'Change one’s own password; every other session of the account ends', body: ChangePasswordBody, response: { 200: SessionView, ...errorResponses } },
    },
    async (req) => ({ ...(await changeOwnPassword(sign, req.user, req.body)), expiresInMinutes: app.config.sessionMinutes }),
  );

  app.patch(
    '/api/users/:id',
    {
      onRequest: [app.requireAdmin],
      schema: { tags: ['users'], security: [{ bearer: [] }], summary: 'Rename, change the role of, disable or enable a user (admin)', params: UserIdParams, body: UpdateUserBody, response: { 200: UserView, ...errorResponses } },
    },
    async (req) => updateUserByAdmin({ db: app.db }, req.user, req.params.id, req.body),
  );

  app.put(
    '/api/users/:id/password',
    {
      onRequest: [app.requireAdmin],
      schema: { tags: ['users'], security: [{ bearer: [] }], summary: 'Set a user’s new password (admin); their sessions end', params: UserIdParams, body: ResetPasswordBody, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (req, reply) => {
      await resetPassword({ db: app.db }, req.user.username, req.params.id, req.body.password);
      return reply.code(204).send(null);
    },
  );
};
