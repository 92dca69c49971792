import { defineConfig } from 'drizzle-kit';

// The PostgreSQL migrations, beside SQLite's (drizzle.config.ts): `npx drizzle-kit generate --config drizzle.pg.config.ts --name <what_changed>`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.pg.ts',
  out: './migrations/pg',
});
