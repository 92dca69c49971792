// buildApp(config): registers every plugin and route; server.ts only listens. Tests build the real app.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import type { Config } from './config.js';
import { dbPlugin } from './plugins/db.js';
import { formsPlugin } from './plugins/forms.js';
import { authPlugin } from './plugins/auth.js';
import { authRoutes } from './auth/auth.routes.js';
import { ensureInitialAdmin } from './auth/users.usecases.js';
import { meetingsRoutes } from './meetings/meetings.routes.js';
import { slipsRoutes } from './slips/slips.routes.js';
import { paperRoutes } from './paper/paper.routes.js';
import { ballotsRoutes } from './ballots/ballots.routes.js';
import { ballotBoxPlugin } from './ballots/ballot-box.js';
import { resultsRoutes } from './results/results.routes.js';
import { exportsRoutes } from './exports/exports.routes.js';
import { turnoutLivePlugin } from './turnout/live.js';
import { turnoutRoutes } from './turnout/turnout.routes.js';
import { formsRoutes } from './forms/forms.routes.js';
import { webRoutes } from './web/web.routes.js';
import { failureLimiter } from './security/failure-limiter.js';
import { securityRoutes } from './security/security.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import { assessmentRoutes } from './assessment/assessment.routes.js';
import { AppError } from './shared/errors.js';
import { ErrorResponse } from './shared/schemas.js';
import { formsFolder, webFolder } from './shared/paths.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface BuildOptions {
  formsDir?: string;
  /** Pino logger options or false; tests pass a stream to read what was logged. */
  logger?: boolean | Record<string, unknown>;
}

/** Paths that carry a ballot token; never written to a log. */
const SECRET_PATH = /^\/(v|api\/ballot)\/[^/?#]+/;
export function redactUrl(url: string): string {
  return url.replace(SECRET_PATH, (_m, p: string) => `/${p}/[redacted]`).replace(/\?.*$/, '');
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            level: config.logLevel,
            // No client address, user agent or full URL in any log line: see docs/security.md.
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            ...(typeof options.logger === 'object' ? options.logger : {}),
          },
    // Request ids are random, not the default 1, 2, 3 that would number voters in order.
    genReqId: () => randomUUID(),
    // Fastify's own per-request lines are off; the onResponse hook below logs admin routes only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 512 * 1024,
    trustProxy: config.trustProxy,
    // Malformed URLs and over-long path parameters: the same JSON error as everything else (and no echo of the path).
    frameworkErrors: (err, _req, reply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const raw = reply as unknown as { code: (n: number) => typeof raw; type: (t: string) => typeof raw; send: (b: string) => void };
      raw
        .code(tooLong ? 414 : 400)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ error: { code: tooLong ? 'URL_TOO_LONG' : 'BAD_URL', message: tooLong ? '请求地址过长' : '请求地址格式不正确' } }));
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.addSchema(ErrorResponse);

  // An empty body with Content-Type: application/json (a bare POST .../close from many clients) means "no body",
  // not a 400; everything else goes through Fastify's own parser, which guards against prototype poisoning.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    return parseJson(req, String(body), done);
  });

  // One log line per request, but never for a voter route: its time would date a ballot.
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.config?.voterRoute || req.url.startsWith('/assets/')) return; // asset loads would date voters too
    req.log.info({ method: req.method, route: req.routeOptions.url ?? redactUrl(req.url), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) {
      if (err.statusCode >= 500) req.log.error({ err }, 'request failed');
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
    }
    const e = err as FastifyError;
    if (e.validation) {
      const first = e.validation[0];
      const where = first ? `${e.validationContext ?? ''}${first.instancePath || ''}`.replace(/^body\/?/, '') : '';
      return reply.code(400).send({
        error: {
          code: 'VALIDATION_ERROR',
          message: `请求内容不符合要求${where ? `（${where}）` : ''}：${first?.message ?? ''}`,
          details: e.validation.map((v) => ({ path: v.instancePath, message: v.message })),
        },
      });
    }
    const status = e.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ error: { code: 'BODY_TOO_LARGE', message: '提交的内容过大' } });
    if (status === 415) return reply.code(415).send({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: '请以 JSON 格式提交（Content-Type: application/json）' } });
    if (status === 429) return reply.code(429).send({ error: { code: 'RATE_LIMITED', message: e.message || '尝试次数过多，请稍后再试' } });
    if (status >= 400 && status < 500) return reply.code(status).send({ error: { code: 'BAD_REQUEST', message: '请求格式不正确，请检查后重试' } });
    req.log.error({ err: e }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: '服务器内部错误，请稍后重试' } });
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: '请求的地址不存在' } }));

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // Tokens are in the path of /v/<token>: never send them to another site.
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip', 'deflate'] });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Ceping 测评 API', version: '1', description: 'Anonymous democratic evaluation (民主测评). Errors: {error: {code, message}}.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(dbPlugin, { path: config.dbPath });
  await app.register(formsPlugin, { dir: options.formsDir ?? formsFolder });
  await app.register(ballotBoxPlugin);
  await app.register(authPlugin, { secret: config.jwtSecret, sessionMinutes: config.sessionMinutes });
  await app.register(failureLimiter);
  await app.register(turnoutLivePlugin);

  await app.register(authRoutes);
  await app.register(formsRoutes);
  await app.register(meetingsRoutes);
  await app.register(slipsRoutes);
  await app.register(paperRoutes);
  await app.register(ballotsRoutes);
  await app.register(resultsRoutes);
  await app.register(exportsRoutes);
  await app.register(turnoutRoutes);
  await app.register(auditRoutes);
  await app.register(assessmentRoutes);
  await app.register(securityRoutes);
  await app.register(webRoutes);

  // The voter page: one static HTML for every token; its script reads the token from the address.
  const voterHtml = readFileSync(join(webFolder, 'public/voter.html'));
  const sendVoter = { logLevel: 'error' as const, config: { voterRoute: true }, schema: { hide: true } };
  app.get('/v', sendVoter, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(voterHtml));
  app.get('/v/:token', sendVoter, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(voterHtml));
  // Assets are revalidated on every load (ETag → 304), so an upgrade reaches every browser at once; each voter
  // loads the page once anyway, so a long cache would save them nothing.
  await app.register(fastifyStatic, { root: join(webFolder, 'public'), prefix: '/assets/', index: false, maxAge: 0, etag: true, logLevel: 'error' });

  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'Ready when the database answers', response: { 200: Type.Object({ status: Type.Literal('ok') }), 503: Type.Ref('ErrorResponse') } } },
    async (_req, reply) => {
      try {
        app.db.$client.prepare('select 1').get();
        return { status: 'ok' as const };
      } catch {
        return reply.code(503).send({ error: { code: 'DB_UNAVAILABLE', message: '数据库不可用' } });
      }
    },
  );

  app.addHook('onReady', async () => {
    if (await ensureInitialAdmin({ db: app.db }, config.adminUser, config.adminPassword)) app.log.info({ username: config.adminUser }, 'created the initial admin');
  });

  return app;
}
