import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getOrCreateSecret } from '../db/settings.repository.js';
import { findUserById, isAssignedTo, type Role } from '../auth/users.repository.js';
import { AppError, forbidden, notFound } from '../shared/errors.js';

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; username: string; role: Role };
    user: SessionUser;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: requires a valid session of an enabled user. */
    authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** preHandler: requires an admin session. */
    requireAdmin: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Throws 404 unless the user may see the meeting (admins all; assessors those assigned to them). */
    assertMeetingAccess: (user: SessionUser, meetingId: string) => void;
  }
}

export const authPlugin = fp<{ secret: string | null; sessionMinutes: number }>(
  async (app, opts) => {
    const secret = opts.secret ?? getOrCreateSecret({ db: app.db }, 'jwt-secret');
    await app.register(jwt, {
      secret,
      // The algorithm is pinned both ways: a token signed any other way (or "none") is refused.
      sign: { algorithm: 'HS256', expiresIn: `${opts.sessionMinutes}m` },
      verify: { algorithms: ['HS256'] },
      formatUser: (p) => ({ id: p.sub, username: p.username, role: p.role }),
    });

    app.decorate('authenticate', async (req: FastifyRequest) => {
      try {
        await req.jwtVerify();
      } catch {
        throw new AppError(401, 'UNAUTHORIZED', '请先登录，或登录已过期');
      }
      const user = findUserById({ db: app.db }, req.user.id);
      if (!user || user.disabled) throw new AppError(401, 'UNAUTHORIZED', '账号不存在或已停用');
      req.user = { id: user.id, username: user.username, role: user.role };
    });

    app.decorate('requireAdmin', async (req: FastifyRequest, reply: FastifyReply) => {
      await app.authenticate(req, reply);
      if (req.user.role !== 'admin') throw forbidden('此操作仅限管理员');
    });

    app.decorate('assertMeetingAccess', (user: SessionUser, meetingId: string) => {
      if (user.role === 'admin') return;
      if (!isAssignedTo({ db: app.db }, user.id, meetingId)) throw notFound('测评会议', 'MEETING_NOT_FOUND');
    });
  },
  { name: 'ceping-auth', dependencies: ['ceping-db'] },
);
