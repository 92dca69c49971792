// The admin console: one static page at `/`; its script and styles are under /assets/ (served by app.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { webFolder } from '../shared/paths.js';

export const webRoutes: FastifyPluginAsync = async (app) => {
  const consoleHtml = readFileSync(join(webFolder, 'public/console.html'));
  // no-store: the page is tiny and must follow the server's version after an upgrade.
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(consoleHtml),
  );
};
