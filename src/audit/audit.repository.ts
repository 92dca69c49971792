// The audit log: append-only (triggers refuse UPDATE and DELETE) and hash-chained, so that an edit made by
// someone who drops the triggers is detected by verifyAuditChain.
import { asc, desc, eq } from 'drizzle-orm';
import type { Conn } from '../db/client.js';
import { auditLog } from '../db/schema.js';
import { sha256Hex } from '../shared/ids.js';

export interface AuditEntry {
  actor: string;
  action: string;
  meetingId: string | null;
  detail: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

function entryHash(prevHash: string, seq: number, at: string, e: AuditEntry): string {
  return sha256Hex(JSON.stringify([prevHash, seq, at, e.actor, e.action, e.meetingId, e.detail]));
}

/** Appends one entry. Call it inside the transaction of the change it records. */
export function recordAudit({ db }: { db: Conn }, entry: AuditEntry, now: () => Date = () => new Date()): void {
  const last = db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get();
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS;
  const at = now().toISOString();
  db.insert(auditLog)
    .values({ seq, at, actor: entry.actor, action: entry.action, meetingId: entry.meetingId, detail: entry.detail, prevHash, hash: entryHash(prevHash, seq, at, entry) })
    .run();
}

export type AuditRow = typeof auditLog.$inferSelect;

export function listAudit({ db }: { db: Conn }, filter: { meetingId?: string; limit?: number } = {}): AuditRow[] {
  const q = db.select().from(auditLog);
  const rows = (filter.meetingId ? q.where(eq(auditLog.meetingId, filter.meetingId)) : q).orderBy(desc(auditLog.seq)).limit(filter.limit ?? 500).all();
  return rows;
}

/** Recomputes the chain; returns the first sequence number whose entry does not match, or null if intact. */
export function verifyAuditChain({ db }: { db: Conn }): number | null {
  let prev = GENESIS;
  let expectedSeq = 1;
  for (const row of db.select().from(auditLog).orderBy(asc(auditLog.seq)).all()) {
    const hash = entryHash(prev, row.seq, row.at, { actor: row.actor, action: row.action, meetingId: row.meetingId, detail: row.detail });
    if (row.seq !== expectedSeq || row.prevHash !== prev || row.hash !== hash) return row.seq;
    prev = row.hash;
    expectedSeq++;
  }
  return null;
}
