import fp from 'fastify-plugin';
import { loadFormCatalog, type FormCatalog } from '../forms/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    forms: FormCatalog;
  }
}

export const formsPlugin = fp<{ dir: string }>(
  async (app, opts) => {
    app.decorate('forms', loadFormCatalog(opts.dir));
  },
  { name: 'ceping-forms' },
);
