// Admin control of the failure lockouts: when a whole hall shares one address and someone in it has been
// guessing, staff can lift the lockout at once rather than wait for it to expire.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../shared/schemas.js';
import { ClearedView } from './security.schemas.js';
import { clearLockouts } from './security.usecases.js';

export const securityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.delete(
    '/api/security/lockouts',
    {
      onRequest: [app.requireAdmin],
      schema: {
        tags: ['security'],
        security: [{ bearer: [] }],
        summary: 'Lift every lockout started by failed guesses or logins',
        response: { 200: ClearedView, ...errorResponses },
      },
    },
    async (req) => ({ cleared: await clearLockouts({ db: app.db, counters: app.failureLimiter }, req.user.username) }),
  );
};
