import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Conn } from './client.js';
import { settings } from './schema.js';

const known = new WeakMap<object, Map<string, string>>();

/**
 * Reads a secret kept with the data, creating it on first use (the JWT secret, the short-code pepper).
 * Secrets never change once created, so each is read once per connection: the pepper is needed for every
 * short code a voter types.
 */
export function getOrCreateSecret({ db }: { db: Conn }, key: string): string {
  const client = (db as unknown as { session: { client: object } }).session.client;
  let cache = known.get(client);
  if (!cache) known.set(client, (cache = new Map()));
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = readOrCreate({ db }, key);
  cache.set(key, value);
  return value;
}

function readOrCreate({ db }: { db: Conn }, key: string): string {
  return db.transaction((tx) => {
    const row = tx.select().from(settings).where(eq(settings.key, key)).get();
    if (row) return row.value;
    const value = randomBytes(32).toString('base64url');
    tx.insert(settings).values({ key, value }).run();
    return value;
  });
}
