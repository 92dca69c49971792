import fp from 'fastify-plugin';
import { openDb, type Db } from '../db/client.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

/** Opens the database (running migrations) and closes it with the server. */
export const dbPlugin = fp<{ path: string; keyFile: string | null }>(
  async (app, opts) => {
    const db = openDb(opts.path, { keyFile: opts.keyFile });
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      db.$client.close();
    });
  },
  { name: 'ceping-db' },
);
