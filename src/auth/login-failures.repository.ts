// Failed logins, counted per key in the database (see LIMITS.login): keys are hashes, never a username or an
// address in clear.
import { eq, sql } from 'drizzle-orm';
import type { Conn } from '../db/client.js';
import { loginFailures } from '../db/schema.js';

export type LoginFailureRow = typeof loginFailures.$inferSelect;

export function findLoginFailures({ db }: { db: Conn }, key: string): LoginFailureRow | undefined {
  return db.select().from(loginFailures).where(eq(loginFailures.key, key)).get();
}

export function saveLoginFailures({ db }: { db: Conn }, row: LoginFailureRow): void {
  db.insert(loginFailures)
    .values(row)
    .onConflictDoUpdate({ target: loginFailures.key, set: { failures: row.failures, windowStart: row.windowStart, lockedUntil: row.lockedUntil } })
    .run();
}

export function deleteLoginFailures({ db }: { db: Conn }, key: string): void {
  db.delete(loginFailures).where(eq(loginFailures.key, key)).run();
}

/** Deletes every key starting with `prefix` (all of them for ''); returns how many. */
export function deleteLoginFailuresLike({ db }: { db: Conn }, prefix: string): number {
  // Not LIKE: the hashed keys contain '_', which LIKE would take as a wildcard.
  return db.delete(loginFailures).where(sql`substr(${loginFailures.key}, 1, ${prefix.length}) = ${prefix}`).run().changes;
}
