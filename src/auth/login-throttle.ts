// Guessing admin passwords. Three counters, each in the database so that an operator can lift them while the
// server runs (`ceping users unlock`) and several instances share them:
// - username + address: locked after LIMITS.login.pair failures. The guesser is stopped; the real admin, from
//   another address, is not (refusing a username outright let anyone lock the admin out).
// - address: locked after LIMITS.login.address failures over any usernames (one machine spraying names).
// - username, from any address: never locked; past `slowAfter` failures each wrong answer is delayed, doubling
//   up to `maxDelayMs`. A right password is never delayed.
// Keys are hashed: neither a username nor an address is stored in clear.
import { createHash } from 'node:crypto';
import { LIMITS } from '../config.js';
import { transaction, type Conn, type Db } from '../db/client.js';
import { AppError } from '../shared/errors.js';
import { deleteLoginFailures, deleteLoginFailuresLike, findLoginFailures, saveLoginFailures } from './login-failures.repository.js';

const h = (text: string) => createHash('sha256').update(`ceping-login:${text}`).digest('base64url').slice(0, 32);
const normal = (username: string) => username.trim().toLowerCase().slice(0, 64);

export const loginKeys = (username: string, address: string) => ({
  pair: `p:${h(normal(username))}:${h(address)}`,
  address: `a:${h(address)}`,
  user: `u:${h(normal(username))}`,
});

/** The prefix of every key about one username (to lift its lockouts). */
export const userKeyPrefixes = (username: string) => [`p:${h(normal(username))}:`, `u:${h(normal(username))}`];

export function tooManyAttempts(ms: number): AppError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new AppError(429, 'RATE_LIMITED', `登录失败次数过多，已暂时锁定，请${Math.ceil(seconds / 60)}分钟后再试，或请系统管理员解除锁定。`, { retryAfterSeconds: seconds });
}

/** Milliseconds left of a lockout on this attempt's address or username+address, or 0. */
export async function loginLockedFor({ db }: { db: Db }, username: string, address: string, now = Date.now()): Promise<number> {
  const k = loginKeys(username, address);
  let left = 0;
  for (const key of [k.pair, k.address]) left = Math.max(left, ((await findLoginFailures({ db }, key))?.lockedUntil ?? 0) - now);
  return left;
}

/**
 * Records a failed login; returns how long to hold back the answer (the username's slow-down). Runs inside the
 * caller's transaction, with the audit entry of the failure.
 */
export async function recordLoginFailure({ db }: { db: Conn }, username: string, address: string, now = Date.now()): Promise<number> {
  const k = loginKeys(username, address);
  const { pair, address: perAddress } = LIMITS.login;
  const bump = async (key: string, windowMs: number, maxFailures: number | null, lockMs: number) => {
    const row = await findLoginFailures({ db }, key);
    const fresh = !row || now - row.windowStart >= windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const locked = maxFailures !== null && failures > maxFailures;
    await saveLoginFailures({ db }, { key, failures: locked ? 0 : failures, windowStart: fresh || locked ? now : row.windowStart, lockedUntil: locked ? now + lockMs : (row?.lockedUntil ?? 0) });
    return failures;
  };
  await bump(k.pair, pair.windowMs, pair.maxFailures, pair.lockMs);
  await bump(k.address, perAddress.windowMs, perAddress.maxFailures, perAddress.lockMs);
  const userFailures = await bump(k.user, LIMITS.login.user.windowMs, null, 0);
  const over = userFailures - LIMITS.login.user.slowAfter;
  return over <= 0 ? 0 : Math.min(LIMITS.login.user.baseDelayMs * 2 ** (over - 1), LIMITS.login.user.maxDelayMs);
}

/** A successful login clears its username+address counter (inside the caller's transaction, with its audit entry). */
export async function recordLoginSuccess({ db }: { db: Conn }, username: string, address: string): Promise<void> {
  await deleteLoginFailures({ db }, loginKeys(username, address).pair);
}

/**
 * Lifts the login lockouts of one username (every address), or all of them; returns how many were lifted. Given a
 * transaction, it runs inside it (a savepoint), so a use case can record it with its audit entry.
 */
export async function liftLoginLockouts({ db }: { db: Conn }, username?: string): Promise<number> {
  return transaction(db, async (tx) => {
    if (username === undefined) return deleteLoginFailuresLike({ db: tx }, '');
    let lifted = 0;
    for (const prefix of userKeyPrefixes(username)) lifted += await deleteLoginFailuresLike({ db: tx }, prefix);
    return lifted;
  });
}
