// Sessions: @fastify/jwt with the algorithm pinned, and the preHandlers every admin route uses. Creates the
// configured first admin when the database has no user.
import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getOrCreateSecret } from '../db/settings.repository.js';
import { authErrors, ensureInitialAdmin, hasUsers, isAssignedTo, sessionUser, type SessionClaims, type SessionUser } from '../auth/index.js';
import { meetingErrors } from '../meetings/index.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: SessionClaims;
    user: SessionUser & { ep?: number };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: requires a valid session of an enabled user. */
    authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** preHandler: requires an admin session. */
    requireAdmin: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Throws 404 unless the user may see the meeting (admins all; assessors those assigned to them). */
    assertMeetingAccess: (user: SessionUser, meetingId: string) => Promise<void>;
  }
}

export interface AuthOptions {
  secret: string | null;
  sessionMinutes: number;
  adminUser?: string | null;
  adminPassword?: string | null;
}

export const authPlugin = fp<AuthOptions>(
  async (app, opts) => {
    const secret = opts.secret ?? getOrCreateSecret({ db: app.db }, 'jwt-secret');
    const longestSession = opts.sessionMinutes * 60;
    await app.register(jwt, {
      secret,
      // The algorithm is pinned both ways: a token signed any other way (or "none") is refused.
      sign: { algorithm: 'HS256', expiresIn: `${opts.sessionMinutes}m` },
      // A session must say when it was made and when it ends, and lasts no longer than configured: a token
      // without exp, or with one years away, is refused even if correctly signed.
      verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'iat'], maxAge: opts.sessionMinutes * 60_000 },
      formatUser: (p) => {
        // Signed here, a session ends sessionMinutes after it began; one that claims to last longer was not.
        const { exp, iat } = p as { exp?: unknown; iat?: unknown };
        if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > longestSession) throw new Error('session lasts too long');
        return { id: p.sub, username: p.username, role: p.role, ep: p.ep, ...(typeof p.jti === 'string' ? { session: { jti: p.jti, exp } } : {}) };
      },
    });

    app.decorate('authenticate', async (req: FastifyRequest) => {
      try {
        await req.jwtVerify();
      } catch {
        throw authErrors.unauthorized();
      }
      const u = req.user;
      req.user = await sessionUser({ db: app.db }, { sub: u.id, ep: u.ep, jti: u.session?.jti, exp: u.session?.exp });
    });

    app.decorate('requireAdmin', async (req: FastifyRequest, reply: FastifyReply) => {
      await app.authenticate(req, reply);
      if (req.user.role !== 'admin') throw authErrors.adminOnly();
    });

    app.decorate('assertMeetingAccess', async (user: SessionUser, meetingId: string) => {
      if (user.role === 'admin') return;
      if (!(await isAssignedTo({ db: app.db }, user.id, meetingId))) throw meetingErrors.notFound();
    });

    app.addHook('onReady', async () => {
      if (await ensureInitialAdmin({ db: app.db }, opts.adminUser ?? null, opts.adminPassword ?? null)) app.log.info({ username: opts.adminUser }, 'created the initial admin');
      // A server nobody can log in to must say so at start, and say how to fix it.
      else if (!(await hasUsers({ db: app.db })))
        app.log.warn(
          'No user exists yet, so nobody can log in. Start once with CEPING_ADMIN_USER and CEPING_ADMIN_PASSWORD set (for example: CEPING_ADMIN_USER=admin CEPING_ADMIN_PASSWORD=\'a-long-password\' npm start), or run: npx ceping users create admin admin',
        );
    });
  },
  { name: 'ceping-auth', dependencies: ['ceping-db'] },
);
