// GET /healthz: 200 when the database answers and the ballot box's thread works, for load balancers and the operator.
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { ping } from '../db/client.js';

export const healthPlugin = fp(
  async (app) => {
    app.get(
      '/healthz',
      { schema: { tags: ['health'], summary: 'Ready when the database answers and ballots can be stored', response: { 200: Type.Object({ status: Type.Literal('ok') }), 503: Type.Ref('ErrorResponse') } } },
      async (_req, reply) => {
        if (!(await ping(app.db))) return reply.code(503).send({ error: { code: 'DB_UNAVAILABLE', message: '数据库不可用' } });
        // The ballot box's thread: without it no ballot can be stored.
        if (app.hasDecorator('ballotWriter') && app.ballotWriter.failed !== null) return reply.code(503).send({ error: { code: 'BALLOT_BOX_UNAVAILABLE', message: '选票箱不可用，选票暂时无法保存' } });
        return { status: 'ok' as const };
      },
    );
  },
  { name: 'ceping-health', dependencies: ['ceping-db', 'ceping-errors'] },
);
