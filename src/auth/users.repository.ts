import { and, asc, eq, sql } from 'drizzle-orm';
import type { Conn as Db } from '../db/client.js';
import { meetingAssessors, users } from '../db/schema.js';

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
