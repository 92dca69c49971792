// Logger settings and the one request line per admin request. No client address, user agent, token or query
// string is ever logged, and voter routes log nothing at all: the time of a line would date a ballot
// (docs/security.md).
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';

/** Paths that carry a ballot token; never written to a log. */
const SECRET_PATH = /^\/(v|api\/ballot)\/[^/?#]+/;
export function redactUrl(url: string): string {
  return url.replace(SECRET_PATH, (_m, p: string) => `/${p}/[redacted]`).replace(/\?.*$/, '');
}

/** The options of Fastify's own logger: `false`, or Pino options that tests may extend (e.g. with a stream). */
export function loggerOptions(config: Config, logger: boolean | Record<string, unknown> | undefined): FastifyServerOptions['logger'] {
  if (logger === false) return false;
  return {
    level: config.logLevel,
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    ...(typeof logger === 'object' ? logger : {}),
  };
}

/** Request ids are random, not the default 1, 2, 3 that would number voters in order. */
export const genReqId = (): string => randomUUID();

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks a voter route: excluded from request logs, counted as a guess when the slip is unknown. */
    voterRoute?: boolean;
  }
}

/**
 * For the voter routes of one plugin: every request shares one child logger per level instead of a new child for
 * each (Fastify's default, which binds the request id and, for a route's own level, rebuilds pino's log methods:
 * about 10 µs of every ballot). These routes log only failures, and those without a request id: nothing in a
 * voter's log line numbers or dates it beyond the line itself.
 */
export function shareVoterLoggers(app: FastifyInstance): void {
  const children = new Map<string, FastifyBaseLogger>();
  app.setChildLoggerFactory((logger, _bindings, options) => {
    const level = options.level ?? logger.level;
    let child = children.get(level);
    if (!child) children.set(level, (child = logger.child({}, options.level ? { level: options.level } : {})));
    return child;
  });
}

export const requestLogPlugin = fp(
  async (app) => {
    app.addHook('onResponse', (req, reply, done) => {
      // Asset loads would date voters too.
      if (!req.routeOptions.config?.voterRoute && !req.url.startsWith('/assets/')) {
        req.log.info({ method: req.method, route: req.routeOptions.url ?? redactUrl(req.url), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
      }
      done();
    });
  },
  { name: 'ceping-request-log' },
);
