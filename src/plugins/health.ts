// GET /healthz: 200 when the database answers, for load balancers and the operator.
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { ping } from '../db/client.js';

export const healthPlugin = fp(
  async (app) => {
    app.get(
      '/healthz',
      { schema: { tags: ['health'], summary: 'Ready when the database answers', response: { 200: Type.Object({ status: Type.Literal('ok') }), 503: Type.Ref('ErrorResponse') } } },
      async (_req, reply) => {
        if (ping(app.db)) return { status: 'ok' as const };
        return reply.code(503).send({ error: { code: 'DB_UNAVAILABLE', message: '数据库不可用' } });
      },
    );
  },
  { name: 'ceping-health', dependencies: ['ceping-db', 'ceping-errors'] },
);
