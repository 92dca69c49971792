// The audit log for admins: who did what to which meeting, when; and a check of its hash chain.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../shared/schemas.js';
import { checkAuditChain, listAudit } from './audit.repository.js';

const AuditEntryView = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ description: 'ISO time of the admin action' }),
  actor: Type.String(),
  action: Type.String(),
  meetingId: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/audit',
    {
      onRequest: [app.requireAdmin],
      schema: {
        tags: ['audit'],
        security: [{ bearer: [] }],
        summary: 'The audit log, newest first',
        querystring: Type.Object(
          {
            meetingId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
            // Strings: the app does not coerce query types (see app.ts), so numbers arrive as text.
            limit: Type.Optional(Type.String({ pattern: '^(1000|[1-9][0-9]{0,2})$', description: '1 to 1000; default 500' })),
            beforeSeq: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,9}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ entries: Type.Array(AuditEntryView) }), ...errorResponses },
      },
    },
    async (req) => {
      const { meetingId, limit, beforeSeq } = req.query;
      return {
        entries: listAudit({ db: app.db }, {
          ...(meetingId !== undefined ? { meetingId } : {}),
          ...(limit !== undefined ? { limit: Number(limit) } : {}),
          ...(beforeSeq !== undefined ? { beforeSeq: Number(beforeSeq) } : {}),
        }),
      };
    },
  );

  app.get(
    '/api/audit/verify',
    {
      onRequest: [app.requireAdmin],
      schema: {
        tags: ['audit'],
        security: [{ bearer: [] }],
        summary: 'Recompute the hash chain of the audit log',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            entries: Type.Integer(),
            firstBadSeq: Type.Union([Type.Integer(), Type.Null()]),
            headHash: Type.String(),
            message: Type.String(),
          }),
          ...errorResponses,
        },
      },
    },
    async () => {
      const c = checkAuditChain({ db: app.db });
      const ok = c.firstBadSeq === null;
      return {
        ok,
        ...c,
        message: ok ? `审计日志完整，共 ${c.entries} 条记录，未发现篡改。` : `审计日志第 ${c.firstBadSeq} 条记录与哈希链不符，日志可能已被篡改。`,
      };
    },
  );
};
