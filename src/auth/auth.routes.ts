import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../shared/errors.js';
import { errorResponses } from '../shared/schemas.js';
import { dummyHash, verifyPassword } from './passwords.js';
import { findUserByUsername, listUsers } from './users.repository.js';
import { createUser } from './users.usecases.js';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('assessor')]);
const UserView = Type.Object({ id: Type.String(), username: Type.String(), displayName: Type.String(), role: Role, disabled: Type.Boolean() });

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in; returns a bearer token for the admin routes',
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ token: Type.String(), user: UserView, expiresInMinutes: Type.Integer() }), ...errorResponses },
      },
      config: { loginAttempt: true },
    },
    async (req) => {
      const user = findUserByUsername({ db: app.db }, req.body.username);
      // Verify against a dummy hash for unknown users so the response time does not reveal usernames.
      const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), req.body.password);
      if (!user || !ok || user.disabled) throw new AppError(401, 'LOGIN_FAILED', '用户名或密码错误');
      const token = app.jwt.sign({ sub: user.id, username: user.username, role: user.role });
      return {
        token,
        user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role, disabled: user.disabled },
        expiresInMinutes: app.config.sessionMinutes,
      };
    },
  );

  app.get(
    '/api/auth/me',
    { onRequest: [app.authenticate], schema: { tags: ['auth'], security: [{ bearer: [] }], response: { 200: Type.Object({ id: Type.String(), username: Type.String(), role: Role }), ...errorResponses } } },
    async (req) => req.user,
  );

  app.get(
    '/api/users',
    { onRequest: [app.requireAdmin], schema: { tags: ['users'], security: [{ bearer: [] }], response: { 200: Type.Array(UserView), ...errorResponses } } },
    async () => listUsers({ db: app.db }).map((u) => ({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, disabled: u.disabled })),
  );

  app.post(
    '/api/users',
    {
      onRequest: [app.requireAdmin],
      schema: {
        tags: ['users'],
        security: [{ bearer: [] }],
        body: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' }),
            password: Type.String({ minLength: 12, maxLength: 200 }),
            role: Role,
            displayName: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const created = await createUser({ db: app.db }, req.user.username, req.body);
      return reply.code(201).send(created);
    },
  );
};
