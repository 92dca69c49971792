// Reading the audit log and checking its hash chain (admins only; the routes check the role).
import type { Db } from '../db/client.js';
import { checkAuditChain, listAudit } from './audit.repository.js';

export async function auditEntries({ db }: { db: Db }, query: { meetingId?: string; limit?: string; beforeSeq?: string }) {
  return {
    entries: await listAudit({ db }, {
      ...(query.meetingId !== undefined ? { meetingId: query.meetingId } : {}),
      ...(query.limit !== undefined ? { limit: Number(query.limit) } : {}),
      ...(query.beforeSeq !== undefined ? { beforeSeq: Number(query.beforeSeq) } : {}),
    }),
  };
}

export async function verifyAudit({ db }: { db: Db }) {
  const c = await checkAuditChain({ db });
  const ok = c.firstBadSeq === null;
  return {
    ok,
    ...c,
    message: ok ? `审计日志完整，共 ${c.entries} 条记录，未发现篡改。` : `审计日志第 ${c.firstBadSeq} 条记录与哈希链不符，日志可能已被篡改。`,
  };
}
