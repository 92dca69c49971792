// Failed logins, counted per key in the database (see LIMITS.login): keys are hashes, never a username or an
// address in clear.
import { eq, sql } from 'drizzle-orm';
import { tablesOf, affected, first, type Conn } from '../db/client.js';
import type { loginFailures } from '../db/schema.js';

export type LoginFailureRow = typeof loginFailures.$inferSelect;

export async function findLoginFailures({ db }: { db: Conn }, key: string): Promise<LoginFailureRow | undefined> {
  const { loginFailures } = tablesOf(db);
  return first(db.select().from(loginFailures).where(eq(loginFailures.key, key)));
}

export async function saveLoginFailures({ db }: { db: Conn }, row: LoginFailureRow): Promise<void> {
  const { loginFailures } = tablesOf(db);
  await db.insert(loginFailures)
    .values(row)
    .onConflictDoUpdate({ target: loginFailures.key, set: { failures: row.failures, windowStart: row.windowStart, lockedUntil: row.lockedUntil } });
}

export async function deleteLoginFailures({ db }: { db: Conn }, key: string): Promise<void> {
  const { loginFailures } = tablesOf(db);
  await db.delete(loginFailures).where(eq(loginFailures.key, key));
}

/** Deletes every key starting with `prefix` (all of them for ''); returns how many. */
export async function deleteLoginFailuresLike({ db }: { db: Conn }, prefix: string): Promise<number> {
  const { loginFailures } = tablesOf(db);
  // Not LIKE: the hashed keys contain '_', which LIKE would take as a wildcard.
  return affected(await db.delete(loginFailures).where(sql`substr(${loginFailures.key}, 1, ${prefix.length}) = ${prefix}`));
}
