// The voter's routes. They log nothing per request (no URL, address, user agent or time), so that the
// logs cannot tell who voted when; see app.ts for the logger settings.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../shared/schemas.js';
import { ballotView, castBallot } from './ballots.usecases.js';

export const CredentialParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 64 }) });

const Option = Type.Object({ value: Type.String(), label: Type.String() });
const QuestionView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  text: Type.String(),
  required: Type.Boolean(),
  section: Type.Union([Type.String(), Type.Null()]),
  help: Type.Union([Type.String(), Type.Null()]),
  scale: Type.Optional(Type.Array(Type.Object({ value: Type.String(), label: Type.String(), points: Type.Union([Type.Number(), Type.Null()]) }))),
  subjects: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String(), title: Type.Union([Type.String(), Type.Null()]) }))),
  options: Type.Optional(Type.Array(Option)),
  maxChoices: Type.Optional(Type.Integer()),
  maxLength: Type.Optional(Type.Integer()),
  maxNominations: Type.Optional(Type.Integer()),
  allowWriteIn: Type.Optional(Type.Boolean()),
});
export const BallotFormView = Type.Object({
  meeting: Type.Object({ title: Type.String(), unit: Type.String() }),
  category: Type.Union([Type.Object({ key: Type.String(), label: Type.String() }), Type.Null()]),
  forms: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      description: Type.Union([Type.String(), Type.Null()]),
      questions: Type.Array(QuestionView),
      rules: Type.Array(
        Type.Object({
          id: Type.String(),
          grade: Type.String(),
          message: Type.String(),
          policy: Type.String(),
          questions: Type.Array(Type.Object({ questionId: Type.String(), maxCount: Type.Integer() })),
        }),
      ),
    }),
  ),
});

export const CastBody = Type.Object(
  {
    answers: Type.Record(Type.String({ maxLength: 64 }), Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
    /** Random, chosen by the phone for this ballot; lets a retry be told "counted". */
    nonce: Type.Optional(Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

export const ballotsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const writer = app.ballotWriter;
  const quiet = { logLevel: 'error' as const, config: { voterRoute: true } };

  app.get(
    '/api/ballot/:token',
    { ...quiet, schema: { tags: ['ballot'], summary: 'The ballot form for a slip', params: CredentialParams, response: { 200: BallotFormView, ...errorResponses } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return ballotView({ db: app.db, forms: app.forms, box: writer }, req.params.token);
    },
  );

  app.post(
    '/api/ballot/:token',
    {
      ...quiet,
      bodyLimit: 256 * 1024,
      schema: {
        tags: ['ballot'],
        summary: 'Cast the ballot of a slip, once',
        params: CredentialParams,
        body: CastBody,
        response: {
          200: Type.Object({ status: Type.Literal('counted'), alreadyCounted: Type.Literal(true), message: Type.String() }),
          201: Type.Object({ status: Type.Literal('counted'), alreadyCounted: Type.Literal(false), valid: Type.Boolean(), message: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const out = await castBallot({ db: app.db, forms: app.forms, writer }, req.params.token, req.body);
      if (out.alreadyCounted) return reply.code(200).send({ status: 'counted', alreadyCounted: true, message: '您的选票此前已成功提交并计入，无需再次提交。' });
      return reply.code(201).send({ status: 'counted', alreadyCounted: false, valid: out.valid ?? true, message: '投票成功，感谢您的参与。' });
    },
  );
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks a voter route: excluded from request logs and counted as a guess when the slip is unknown. */
    voterRoute?: boolean;
    loginAttempt?: boolean;
  }
}
