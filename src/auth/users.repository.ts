import { and, asc, eq, lt, sql } from 'drizzle-orm';
import { tablesOf, first, type Conn as Db } from '../db/client.js';
import type { meetingAssessors, revokedSessions, users } from '../db/schema.js';

export type Role = 'admin' | 'assessor';
export type UserRow = typeof users.$inferSelect;

export async function findUserByUsername({ db }: { db: Db }, username: string): Promise<UserRow | undefined> {
  const { users } = tablesOf(db);
  return first(db.select().from(users).where(eq(users.username, username)));
}

export async function findUserById({ db }: { db: Db }, id: string): Promise<UserRow | undefined> {
  const { users } = tablesOf(db);
  return first(db.select().from(users).where(eq(users.id, id)));
}

export async function countUsers({ db }: { db: Db }): Promise<number> {
  const { users } = tablesOf(db);
  return (await first(db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(users)))?.n ?? 0;
}

export async function insertUser({ db }: { db: Db }, user: typeof users.$inferInsert): Promise<void> {
  const { users } = tablesOf(db);
  await db.insert(users).values(user);
}

export async function listUsers({ db }: { db: Db }): Promise<UserRow[]> {
  const { users } = tablesOf(db);
  return await db.select().from(users).orderBy(asc(users.username));
}

export async function isAssignedTo({ db }: { db: Db }, userId: string, meetingId: string): Promise<boolean> {
  const { meetingAssessors } = tablesOf(db);
  return (await first(db.select().from(meetingAssessors).where(and(eq(meetingAssessors.userId, userId), eq(meetingAssessors.meetingId, meetingId))))) !== undefined;
}

export async function updateUser({ db }: { db: Db }, id: string, patch: Partial<Pick<UserRow, 'displayName' | 'role' | 'disabled' | 'passwordHash'>>): Promise<void> {
  const { users } = tablesOf(db);
  await db.update(users).set(patch).where(eq(users.id, id));
}

/** Ends every session of the user: tokens carry the epoch they were signed in. */
export async function bumpSessionEpoch({ db }: { db: Db }, id: string): Promise<void> {
  const { users } = tablesOf(db);
  await db.update(users).set({ sessionEpoch: sql`${users.sessionEpoch} + 1` }).where(eq(users.id, id));
}

export async function countEnabledAdmins({ db }: { db: Db }): Promise<number> {
  const { users } = tablesOf(db);
  return (await first(db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(users).where(and(eq(users.role, 'admin'), eq(users.disabled, false)))))?.n ?? 0;
}

/** Ends one session before its time (logout); rows whose session would have expired anyway are dropped. */
export async function revokeSession({ db }: { db: Db }, jti: string, expiresAt: number, now = Math.floor(Date.now() / 1000)): Promise<void> {
  const { revokedSessions } = tablesOf(db);
  await db.delete(revokedSessions).where(lt(revokedSessions.expiresAt, now));
  await db.insert(revokedSessions).values({ jti, expiresAt }).onConflictDoNothing();
}

export async function isSessionRevoked({ db }: { db: Db }, jti: string): Promise<boolean> {
  const { revokedSessions } = tablesOf(db);
  return (await first(db.select({ jti: revokedSessions.jti }).from(revokedSessions).where(eq(revokedSessions.jti, jti)))) !== undefined;
}
