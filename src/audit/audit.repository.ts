// The audit log: append-only (triggers refuse UPDATE and DELETE) and hash-chained, so that an edit made by
// someone who drops the triggers is detected by verifyAuditChain.
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { tablesOf, first, rawRows, type Conn } from '../db/client.js';
import type { auditLog } from '../db/schema.js';
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
export async function recordAudit({ db }: { db: Conn }, entry: AuditEntry, now: () => Date = () => new Date()): Promise<void> {
  const { auditLog } = tablesOf(db);
  const last = await first(db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1));
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS;
  const at = now().toISOString();
  await db.insert(auditLog)
    .values({ seq, at, actor: entry.actor, action: entry.action, meetingId: entry.meetingId, detail: entry.detail, prevHash, hash: entryHash(prevHash, seq, at, entry) });
}

export type AuditRow = typeof auditLog.$inferSelect;

/** Newest first; `beforeSeq` pages back through older entries. */
export async function listAudit({ db }: { db: Conn }, filter: { meetingId?: string; limit?: number; beforeSeq?: number } = {}): Promise<AuditRow[]> {
  const { auditLog } = tablesOf(db);
  const conds = [
    ...(filter.meetingId ? [eq(auditLog.meetingId, filter.meetingId)] : []),
    ...(filter.beforeSeq !== undefined ? [lt(auditLog.seq, filter.beforeSeq)] : []),
  ];
  return await db
    .select()
    .from(auditLog)
    .where(conds.length > 0 ? and(...conds) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(filter.limit ?? 500);
}

/** Recomputes the chain; returns the first sequence number whose entry does not match, or null if intact. */
export async function verifyAuditChain({ db }: { db: Conn }): Promise<number | null> {
  return (await checkAuditChain({ db })).firstBadSeq;
}

export interface AuditChainCheck {
  /** Entries read. */
  entries: number;
  /** The first entry whose sequence number, link or hash is wrong; null when the whole chain holds. */
  firstBadSeq: number | null;
  /** The hash of the last entry: written down (e.g. in a closing report), it also reveals a truncated log. */
  headHash: string;
}

export async function checkAuditChain({ db }: { db: Conn }): Promise<AuditChainCheck> {
  let prev = GENESIS;
  let expectedSeq = 1;
  let entries = 0;
  // Raw rows: a `detail` that is no longer valid JSON must count as tampering, not crash the check.
  const rows = await rawRows<{ seq: number | string; at: string; actor: string; action: string; meeting_id: string | null; detail: string; prev_hash: string; hash: string }>(
    db,
    sql`select seq, at, actor, action, meeting_id, detail, prev_hash, hash from audit_log order by seq`,
  );
  for (const raw of rows) {
    // PostgreSQL's driver gives a bigint as text.
    const row = { ...raw, seq: Number(raw.seq) };
    entries++;
    let detail: Record<string, unknown>;
    try {
      detail = JSON.parse(row.detail) as Record<string, unknown>;
    } catch {
      return { entries, firstBadSeq: row.seq, headHash: prev };
    }
    const hash = entryHash(prev, row.seq, row.at, { actor: row.actor, action: row.action, meetingId: row.meeting_id, detail });
    if (row.seq !== expectedSeq || row.prev_hash !== prev || row.hash !== hash) return { entries, firstBadSeq: row.seq, headHash: prev };
    prev = row.hash;
    expectedSeq++;
  }
  return { entries, firstBadSeq: null, headHash: prev };
}
