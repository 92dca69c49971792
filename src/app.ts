// buildApp(config): the Fastify instance with every plugin and route, in order; server.ts only listens.
// Tests build this same app and call app.inject().
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LIMITS, type Config } from './config.js';
import { genReqId, loggerOptions, requestLogPlugin, shareVoterLoggers } from './plugins/logging.js';
import { errorsPlugin, frameworkErrors } from './plugins/errors.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { docsPlugin } from './plugins/docs.js';
import { dbPlugin } from './plugins/db.js';
import { formsPlugin } from './plugins/forms.js';
import { authPlugin } from './plugins/auth.js';
import { healthPlugin } from './plugins/health.js';
import { ballotBoxPlugin } from './ballots/index.js';
import { failureLimiter } from './security/failure-limiter.js';
import { turnoutLivePlugin } from './turnout/live.js';
import { authRoutes } from './auth/auth.routes.js';
import { formsRoutes } from './forms/forms.routes.js';
import { metaRoutes } from './meta/meta.routes.js';
import { meetingsRoutes } from './meetings/meetings.routes.js';
import { slipsRoutes } from './slips/slips.routes.js';
import { paperRoutes } from './paper/paper.routes.js';
import { ballotsRoutes } from './ballots/ballots.routes.js';
import { resultsRoutes } from './results/results.routes.js';
import { exportsRoutes } from './exports/exports.routes.js';
import { turnoutRoutes } from './turnout/turnout.routes.js';
import { closingRoutes } from './closing/closing.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import { assessmentRoutes } from './assessment/assessment.routes.js';
import { securityRoutes } from './security/security.routes.js';
import { webPagesPlugin } from './web/web.routes.js';
import { formsFolder } from './shared/paths.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface BuildOptions {
  formsDir?: string;
  /** Pino logger options or false; tests pass a stream to read what was logged. */
  logger?: boolean | Record<string, unknown>;
  /** Ballots per page of a streamed raw-ballot export (default: ballots/ballot-pages.ts); tests set a small one. */
  exportPageSize?: number;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, options.logger),
    genReqId,
    // Fastify's own per-request lines are off; requestLogPlugin logs admin routes only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: LIMITS.bodyBytes,
    // Against slow clients (LIMITS.http): the whole request in time, idle connections closed.
    requestTimeout: LIMITS.http.requestMs,
    connectionTimeout: LIMITS.http.idleMs,
    keepAliveTimeout: LIMITS.http.keepAliveMs,
    trustProxy: config.trustProxy,
    frameworkErrors,
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('config', config);
  app.server.headersTimeout = LIMITS.http.headersMs;
  app.server.maxConnections = LIMITS.http.connections;

  // The framework: errors, logging, headers, the API description.
  await app.register(errorsPlugin);
  await app.register(requestLogPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(docsPlugin);

  // Shared resources, each closing with the server.
  await app.register(dbPlugin, { dbPath: config.dbPath, databaseUrl: config.databaseUrl, keyFile: config.keyFile });
  await app.register(formsPlugin, { dir: options.formsDir ?? formsFolder });
  await app.register(ballotBoxPlugin);
  await app.register(authPlugin, { secret: config.jwtSecret, sessionMinutes: config.sessionMinutes, adminUser: config.adminUser, adminPassword: config.adminPassword });
  await app.register(failureLimiter);
  await app.register(turnoutLivePlugin);

  // The capabilities.
  for (const routes of [authRoutes, formsRoutes, metaRoutes, meetingsRoutes, slipsRoutes, paperRoutes]) {
    await app.register(routes);
  }
  // The voter's API, in a context of its own whose requests share a child logger (logging.ts, shareVoterLoggers).
  await app.register(async (voter) => {
    shareVoterLoggers(voter);
    await voter.register(ballotsRoutes);
  });
  await app.register(resultsRoutes);
  await app.register(exportsRoutes, { pageSize: options.exportPageSize });
  for (const routes of [turnoutRoutes, closingRoutes, auditRoutes, assessmentRoutes, securityRoutes]) {
    await app.register(routes);
  }
  await app.register(healthPlugin);
  await app.register(webPagesPlugin);
  return app;
}
