import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Conn } from './client.js';
import { settings } from './schema.js';

/** Reads a secret kept with the data, creating it on first use (the JWT secret, the short-code pepper). */
export function getOrCreateSecret({ db }: { db: Conn }, key: string): string {
  return db.transaction((tx) => {
    const row = tx.select().from(settings).where(eq(settings.key, key)).get();
    if (row) return row.value;
    const value = randomBytes(32).toString('base64url');
    tx.insert(settings).values({ key, value }).run();
    return value;
  });
}
