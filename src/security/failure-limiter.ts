// Limits failures, not use: guesses of ballot credentials lock out the client address for a while; valid slips
// are never throttled, whatever their number per address (a hall of 300 phones behind one village Wi-Fi
// address). See FailureCounter for why this is not @fastify/rate-limit, and docs/security.md for the figures.
// Failed logins are counted by the login use case itself (auth/login-throttle.ts), in the database.
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LIMITS } from '../config.js';
import { AppError } from '../shared/errors.js';
import { findSlipByCredential, normaliseShortCode, TOKEN_PATTERN } from '../slips/index.js';
import { FailureCounter, type FailurePolicy } from './failure-counter.js';

export interface FailureLimiterOptions {
  /** Wrong ballot credentials per client address. */
  credential?: Partial<FailurePolicy>;
  now?: () => number;
}

export const DEFAULT_POLICIES: Record<'credential', FailurePolicy> = LIMITS.lockout;

declare module 'fastify' {
  interface FastifyInstance {
    failureLimiter: { credential: FailureCounter };
  }
}

/**
 * A credential that could match a slip: a 43-character token, or a short code whose check symbol is right.
 * Anything else cannot match (findSlipByCredential rejects it without a lookup), so it reveals nothing and is not a guess.
 */
export function isWellFormedCredential(credential: unknown): boolean {
  return typeof credential === 'string' && (TOKEN_PATTERN.test(credential) || normaliseShortCode(credential) !== null);
}

function lockedOut(reply: FastifyReply, ms: number): AppError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  reply.header('retry-after', String(seconds));
  const minutes = Math.ceil(seconds / 60);
  return new AppError(429, 'RATE_LIMITED', `尝试次数过多，已暂时锁定，请${minutes}分钟后再试。如需帮助，请联系现场工作人员。`);
}

const isCredentialRoute = (req: FastifyRequest) =>
  req.routeOptions.config?.voterRoute === true && typeof (req.params as { token?: unknown } | undefined)?.token === 'string';

export const failureLimiter = fp<FailureLimiterOptions>(
  async (app, opts) => {
    const counters = {
      credential: new FailureCounter({ ...DEFAULT_POLICIES.credential, ...opts.credential }, opts.now),
    };
    app.decorate('failureLimiter', counters);

    // Before any work (no body parsing, no password hashing): refuse a locked-out address. Plain callbacks, not
    // async functions: these hooks run on every request, and almost always have nothing to do.
    app.addHook('onRequest', (req, reply, done) => {
      if (!isCredentialRoute(req)) return done();
      // A locked-out address is refused for every credential that matches no slip; a valid slip still votes.
      // The seed's hall of 300 phones shares one Wi-Fi address, and one person guessing there must not stop
      // the meeting. This leaves "200 versus 429" as an answer to each guess, exactly as "200 versus 404" is
      // without a lockout: what defeats guessing is the credentials' entropy (docs/security.md, "Guessing");
      // the lockout keeps a search cheap for the server and visible.
      const ms = counters.credential.lockedFor(req.ip);
      if (ms <= 0) return done();
      findSlipByCredential({ db: app.db }, (req.params as { token: string }).token).then(
        (slip) => done(slip ? undefined : lockedOut(reply, ms)),
        (err: Error) => done(err),
      );
    });

    // Counted in onSend, before the reply leaves, so that a burst of guesses is cut off as early as possible.
    app.addHook('onSend', (req, reply, payload, done) => {
      if (reply.statusCode === 404 && isCredentialRoute(req) && isWellFormedCredential((req.params as { token: string }).token)) {
        counters.credential.fail(req.ip);
      }
      done(null, payload);
    });
  },
  { name: 'ceping-failure-limiter' },
);
