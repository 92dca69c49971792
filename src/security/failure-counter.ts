// Counting failures, per key, in a sliding window, with a lockout. Pure and in memory: the keys (client
// addresses, usernames) are never written to disk or to a log.
//
// Why not @fastify/rate-limit: it counts every request, so it would throttle a hall of 300 phones behind one
// village Wi-Fi address that are all using valid slips. Ceping must limit failures (unknown tokens, wrong short
// codes, wrong passwords), never valid use, and only the response tells a failure from a success.

export interface FailurePolicy {
  /** Failures allowed within `windowMs`; the next one starts a lockout. */
  maxFailures: number;
  windowMs: number;
  /** How long a key stays locked out. */
  lockMs: number;
}

interface Entry {
  /** Times of the failures still inside the window (at most maxFailures of them). */
  failures: number[];
  lockedUntil: number;
}

export class FailureCounter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly policy: FailurePolicy,
    private readonly now: () => number = Date.now,
    /** Bound on the keys kept, so that a flood of addresses cannot exhaust memory; oldest are dropped first. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Milliseconds left of the key's lockout, or 0 when it is not locked out. */
  lockedFor(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const left = e.lockedUntil - this.now();
    return left > 0 ? left : 0;
  }

  /** Records one failure; returns the lockout in milliseconds that it started, or 0. */
  fail(key: string): number {
    const t = this.now();
    let e = this.entries.get(key);
    if (e) this.entries.delete(key); // re-inserted below: the Map's order is then "least recently failed first"
    else e = { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((at) => t - at < this.policy.windowMs);
    e.failures.push(t);
    let started = 0;
    if (e.failures.length > this.policy.maxFailures) {
      e.lockedUntil = t + this.policy.lockMs;
      e.failures = [];
      started = this.policy.lockMs;
    }
    this.entries.set(key, e);
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
    return started;
  }

  /** Forgets every key (an admin's "clear the lockouts"). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
