import { recordAudit } from '../audit/index.js';
import { transaction, type Db } from '../db/client.js';
import type { FailureCounter } from './failure-counter.js';
import { liftLoginLockouts } from '../auth/index.js';

/**
 * Lifts every lockout (guessed slips and failed logins) and records that it happened, not for whom. The login
 * lockouts are lifted in the transaction of the audit entry; the counters in memory are cleared once it has
 * committed, so a clear that failed lifted nothing.
 */
export async function clearLockouts({ db, counters }: { db: Db; counters: Record<string, FailureCounter> }, actor: string): Promise<number> {
  const inMemory = Object.values(counters).reduce((n, c) => n + c.size, 0);
  const cleared = await transaction(db, async (tx) => {
    const keys = inMemory + await liftLoginLockouts({ db: tx });
    await recordAudit({ db: tx }, { actor, action: 'security.clear-lockouts', meetingId: null, detail: { keys } });
    return keys;
  });
  for (const c of Object.values(counters)) c.clear();
  return cleared;
}
