// Every HTML page Ceping serves, in one place: the admin console (`/`), the voter page (`/v`, `/v/<token>`), the
// live and projector pages of a meeting, and their static assets under /assets/. Pages are static files; their
// scripts read what they need (token, meeting id, view) from the address and call the API.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { webFolder } from '../shared/paths.js';
import { IdParams } from '../shared/schemas.js';

const page = (name: string) => readFileSync(join(webFolder, 'public', name));

export const webPagesPlugin = fp(
  async (app) => {
    const consoleHtml = page('console.html');
    const voterHtml = page('voter.html');
    const liveHtml = page('live.html');
    // no-store: the pages are tiny and must follow the server's version after an upgrade.
    const send = (reply: FastifyReply, html: Buffer) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);

    app.get('/', { schema: { hide: true } }, async (_req, reply) => send(reply, consoleHtml));

    // One static page for every slip; its script reads the token (or shows the code entry) from the address.
    // A voter route: no request log line (see plugins/logging.ts).
    const voter = { logLevel: 'error' as const, config: { voterRoute: true }, schema: { hide: true } };
    app.get('/v', voter, async (_req, reply) => send(reply, voterHtml));
    app.get('/v/:token', voter, async (_req, reply) => send(reply, voterHtml));

    // The team's laptop and the projector (大屏) load the same page; its script picks the view from the address.
    const meetingPage = { schema: { hide: true, params: IdParams } };
    app.get('/meetings/:id/live.html', meetingPage, async (_req, reply) => send(reply, liveHtml));
    app.get('/meetings/:id/projector.html', meetingPage, async (_req, reply) => send(reply, liveHtml));

    // Assets are revalidated on every load (ETag → 304), so an upgrade reaches every browser at once; each voter
    // loads the page once anyway, so a long cache would save them nothing.
    await app.register(fastifyStatic, { root: join(webFolder, 'public'), prefix: '/assets/', index: false, maxAge: 0, etag: true, logLevel: 'error' });
  },
  { name: 'ceping-web-pages' },
);
