// Admin control of the failure lockouts: when a whole hall shares one address and someone in it has been
// guessing, staff can lift the lockout at once rather than wait for it to expire.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../audit/audit.repository.js';
import { errorResponses } from '../shared/schemas.js';

export const securityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.delete(
    '/api/security/lockouts',
    {
      onRequest: [app.requireAdmin],
      schema: {
        tags: ['security'],
        security: [{ bearer: [] }],
        summary: 'Lift every lockout started by failed guesses or logins',
        response: { 200: Type.Object({ cleared: Type.Integer() }), ...errorResponses },
      },
    },
    async (req) => {
      const l = app.failureLimiter;
      const cleared = l.credential.size + l.loginAddress.size + l.loginUser.size;
      l.credential.clear();
      l.loginAddress.clear();
      l.loginUser.clear();
      // The audit entry says that it happened, not for whom: addresses are never stored.
      app.db.transaction((tx) => recordAudit({ db: tx }, { actor: req.user.username, action: 'security.clear-lockouts', meetingId: null, detail: { keys: cleared } }));
      return { cleared };
    },
  );
};
