import { recordAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import type { FailureCounter } from './failure-counter.js';
import { liftLoginLockouts } from '../auth/index.js';

/** Lifts every lockout (guessed slips and failed logins) and records that it happened, not for whom. */
export function clearLockouts({ db, counters }: { db: Db; counters: Record<string, FailureCounter> }, actor: string): number {
  let cleared = Object.values(counters).reduce((n, c) => n + c.size, 0);
  for (const c of Object.values(counters)) c.clear();
  cleared += liftLoginLockouts({ db });
  db.transaction((tx) => recordAudit({ db: tx }, { actor, action: 'security.clear-lockouts', meetingId: null, detail: { keys: cleared } }));
  return cleared;
}
