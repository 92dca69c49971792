// The audit log for admins: who did what to which meeting, when; and a check of its hash chain.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../shared/schemas.js';
import { AuditChainView, AuditEntryView, AuditQuery } from './audit.schemas.js';
import { auditEntries, verifyAudit } from './audit.usecases.js';

const secured = { tags: ['audit'], security: [{ bearer: [] }] };

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/audit',
    { onRequest: [app.requireAdmin], schema: { ...secured, summary: 'The audit log, newest first', querystring: AuditQuery, response: { 200: Type.Object({ entries: Type.Array(AuditEntryView) }), ...errorResponses } } },
    async (req) => auditEntries({ db: app.db }, req.query),
  );

  app.get(
    '/api/audit/verify',
    { onRequest: [app.requireAdmin], schema: { ...secured, summary: 'Recompute the hash chain of the audit log', response: { 200: AuditChainView, ...errorResponses } } },
    async () => verifyAudit({ db: app.db }),
  );
};
