import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { Conn as Db } from '../db/client.js';
import { meetingAssessors, revokedSessions, users } from '../db/schema.js';

export type Role = 'admin' | 'assessor';
export type UserRow = typeof users.$inferSelect;

export function findUserByUsername({ db }: { db: Db }, username: string): UserRow | undefined {
  return db.select().from(users).where(eq(users.username, username)).get();
}

export function findUserById({ db }: { db: Db }, id: string): UserRow | undefined {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function countUsers({ db }: { db: Db }): number {
  return db.select({ n: sql<number>`count(*)` }).from(users).get()?.n ?? 0;
}

export function insertUser({ db }: { db: Db }, user: typeof users.$inferInsert): void {
  db.insert(users).values(user).run();
}

export function listUsers({ db }: { db: Db }): UserRow[] {
  return db.select().from(users).orderBy(asc(users.username)).all();
}

export function isAssignedTo({ db }: { db: Db }, userId: string, meetingId: string): boolean {
  return db.select().from(meetingAssessors).where(and(eq(meetingAssessors.userId, userId), eq(meetingAssessors.meetingId, meetingId))).get() !== undefined;
}

export function updateUser({ db }: { db: Db }, id: string, patch: Partial<Pick<UserRow, 'displayName' | 'role' | 'disabled' | 'passwordHash'>>): void {
  db.update(users).set(patch).where(eq(users.id, id)).run();
}

/** Ends every session of the user: tokens carry the epoch they were signed in. */
export function bumpSessionEpoch({ db }: { db: Db }, id: string): void {
  db.update(users).set({ sessionEpoch: sql`${users.sessionEpoch} + 1` }).where(eq(users.id, id)).run();
}

export function countEnabledAdmins({ db }: { db: Db }): number {
  return db.select({ n: sql<number>`count(*)` }).from(users).where(and(eq(users.role, 'admin'), eq(users.disabled, false))).get()?.n ?? 0;
}

/** Ends one session before its time (logout); rows whose session would have expired anyway are dropped. */
export function revokeSession({ db }: { db: Db }, jti: string, expiresAt: number, now = Math.floor(Date.now() / 1000)): void {
  db.delete(revokedSessions).where(lt(revokedSessions.expiresAt, now)).run();
  db.insert(revokedSessions).values({ jti, expiresAt }).onConflictDoNothing().run();
}

export function isSessionRevoked({ db }: { db: Db }, jti: string): boolean {
  return db.select({ jti: revokedSessions.jti }).from(revokedSessions).where(eq(revokedSessions.jti, jti)).get() !== undefined;
}
