import { recordAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import type { FailureCounter } from './failure-counter.js';

/** Lifts every lockout and records that it happened (not for whom: addresses are never stored). */
export function clearLockouts({ db, counters }: { db: Db; counters: Record<string, FailureCounter> }, actor: string): number {
  const cleared = Object.values(counters).reduce((n, c) => n + c.size, 0);
  for (const c of Object.values(counters)) c.clear();
  db.transaction((tx) => recordAudit({ db: tx }, { actor, action: 'security.clear-lockouts', meetingId: null, detail: { keys: cleared } }));
  return cleared;
}
