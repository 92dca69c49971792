import fp from 'fastify-plugin';
import type { Db } from '../db/client.js';
import { openDatabase } from '../db/open.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /** Which engine the database runs on. */
    dbEngine: 'sqlite' | 'postgres';
  }
}

/** Opens the database (running migrations) and closes it with the server. */
export const dbPlugin = fp<{ dbPath: string | null; databaseUrl: string | null; keyFile: string | null }>(
  async (app, opts) => {
    const opened = await openDatabase(opts);
    app.decorate('db', opened.db);
    app.decorate('dbEngine', opened.engine);
    app.addHook('onClose', async () => {
      await opened.close();
    });
  },
  { name: 'ceping-db' },
);
