import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../shared/schemas.js';
import { createUser, listUserViews, login } from './auth.usecases.js';
import { LoginBody, LoginView, MeView, NewUserBody, UserView } from './auth.schemas.js';

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
};
