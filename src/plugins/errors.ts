// One error shape for every failure: { error: { code, message } }, the message in Chinese for people; details of
// a 5xx stay in the log. Known errors are AppErrors thrown by use cases; Fastify's own (validation, body size,
// media type, malformed URLs) are translated here.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyServerOptions } from 'fastify';
import { AppError } from '../shared/errors.js';
import { ErrorResponse } from '../shared/schemas.js';

type Body = { error: { code: string; message: string; details?: unknown } };
const body = (code: string, message: string, details?: unknown): Body => ({ error: { code, message, ...(details !== undefined ? { details } : {}) } });

/** Malformed URLs and over-long path parameters, which Fastify reports before any route runs. */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (err, _req, reply) => {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  // The reply here is typed for the raw server; it has the usual methods.
  const r = reply as unknown as FastifyReply;
  r.code(tooLong ? 414 : 400)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(tooLong ? body('URL_TOO_LONG', '请求地址过长') : body('BAD_URL', '请求地址格式不正确')));
};

const STATUS_MESSAGES: Record<number, [string, string]> = {
  413: ['BODY_TOO_LARGE', '提交的内容过大'],
  415: ['UNSUPPORTED_MEDIA_TYPE', '请以 JSON 格式提交（Content-Type: application/json）'],
};

export const errorsPlugin = fp(
  async (app) => {
    app.addSchema(ErrorResponse);

    app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
      if (err instanceof AppError) {
        if (err.statusCode >= 500) req.log.error({ err }, 'request failed');
        const retry = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
        if (typeof retry === 'number') reply.header('retry-after', String(retry));
        return reply.code(err.statusCode).send(body(err.code, err.message, err.details));
      }
      if (err.validation) {
        const first = err.validation[0];
        const where = first ? `${err.validationContext ?? ''}${first.instancePath || ''}`.replace(/^body\/?/, '') : '';
        // A value outside a list (an enum) says which values are allowed, in words people can act on.
        const allowed = first?.keyword === 'enum' ? (first.params as { allowedValues?: unknown[] }).allowedValues : undefined;
        const what = allowed ? `须为以下之一：${allowed.map(String).join('、')}` : (first?.message ?? '');
        return reply.code(400).send(
          body(
            'VALIDATION_ERROR',
            `请求内容不符合要求${where ? `（${where}）` : ''}：${what}`,
            err.validation.map((v) => ({ path: v.instancePath, message: v.message })),
          ),
        );
      }
      const status = err.statusCode ?? 500;
      const known = STATUS_MESSAGES[status];
      if (known) return reply.code(status).send(body(...known));
      if (status === 429) return reply.code(429).send(body('RATE_LIMITED', err.message || '尝试次数过多，请稍后再试'));
      if (status >= 400 && status < 500) return reply.code(status).send(body('BAD_REQUEST', '请求格式不正确，请检查后重试'));
      req.log.error({ err }, 'request failed');
      return reply.code(500).send(body('INTERNAL', '服务器内部错误，请稍后重试'));
    });

    app.setNotFoundHandler((_req, reply) => reply.code(404).send(body('NOT_FOUND', '请求的地址不存在')));

    // An empty body with Content-Type: application/json (a bare POST .../close from many clients) means "no body",
    // not a 400; everything else goes through Fastify's own parser, which guards against prototype poisoning.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => {
      if (String(text).trim() === '') return done(null, undefined);
      return parseJson(req, String(text), done);
    });
  },
  { name: 'ceping-errors' },
);
