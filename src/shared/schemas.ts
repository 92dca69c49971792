// Schemas shared by routes.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error: a code for programs and a Chinese message for people.' },
);

export const errorResponses = {
  400: Type.Ref('ErrorResponse'),
  401: Type.Ref('ErrorResponse'),
  403: Type.Ref('ErrorResponse'),
  404: Type.Ref('ErrorResponse'),
  409: Type.Ref('ErrorResponse'),
  413: Type.Ref('ErrorResponse'),
  415: Type.Ref('ErrorResponse'),
  422: Type.Ref('ErrorResponse'),
  429: Type.Ref('ErrorResponse'),
} as const;

export const Flag = Type.Object({ code: Type.String(), message: Type.String() });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

/**
 * preValidation for a route whose whole body is optional: a request with no body at all (a plain `curl -X POST`)
 * is validated as `{}`. A body schema cannot say this itself: Fastify validates the missing body as `undefined`.
 */
export async function bodyMayBeAbsent(req: FastifyRequest): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}
