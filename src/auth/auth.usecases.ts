// Users and logins. A login is audited (success and failure, by username only: never the password or the address).
import type { Db } from '../db/client.js';
import { randomId } from '../shared/ids.js';
import { AppError } from '../shared/errors.js';
import { recordAudit } from '../audit/index.js';
import { authErrors } from './auth.errors.js';
import { dummyHash, hashPassword, verifyPassword } from './passwords.js';
import { countUsers, findUserById, findUserByUsername, insertUser, listUsers, type Role, type UserRow } from './users.repository.js';
import type { SessionUser } from './session.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { loginLockedFor, recordLoginFailure, recordLoginSuccess, tooManyAttempts } from './login-throttle.js';

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  displayName?: string;
}

export async function createUser({ db }: { db: Db }, actor: string, input: NewUser): Promise<{ id: string }> {
  if (findUserByUsername({ db }, input.username)) throw authErrors.usernameTaken(input.username);
  const passwordHash = await hashPassword(input.password);
  const id = randomId();
  db.transaction((tx) => {
    if (findUserByUsername({ db: tx }, input.username)) throw authErrors.usernameTaken(input.username);
    insertUser({ db: tx }, { id, username: input.username, passwordHash, role: input.role, displayName: input.displayName ?? '' });
    recordAudit({ db: tx }, { actor, action: 'user.create', meetingId: null, detail: { userId: id, username: input.username, role: input.role } });
  });
  return { id };
}

/** Creates the configured admin when the database has no user yet (first start). */
export async function ensureInitialAdmin({ db }: { db: Db }, username: string | null, password: string | null): Promise<boolean> {
  if (!username || !password || countUsers({ db }) > 0) return false;
  await createUser({ db }, 'system', { username, password, role: 'admin', displayName: '管理员' });
  return true;
}

export function assertRole(role: string): asserts role is Role {
  if (role !== 'admin' && role !== 'assessor') throw new AppError(400, 'VALIDATION_ERROR', '角色无效');
}

const userView = (u: UserRow) => ({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, disabled: u.disabled });

export function listUserViews({ db }: { db: Db }) {
  return listUsers({ db }).map(userView);
}

/** Signs a session for a user; the route passes Fastify's JWT signer, so this module needs no web framework. */
export type SignSession = (payload: { sub: string; username: string; role: Role }) => string;

/**
 * Checks a username and password and returns a signed session. Unknown users are checked against a dummy hash,
 * so the response time does not reveal which usernames exist. Failures are throttled (login-throttle.ts). Both outcomes go to the audit log; a failure for
 * an unknown username records no name at all (it may be a password typed into the wrong field).
 */
export async function login({ db, sign }: { db: Db; sign: SignSession }, input: { username: string; password: string }, address: string) {
  const locked = loginLockedFor({ db }, input.username, address);
  if (locked > 0) throw tooManyAttempts(locked);
  const user = findUserByUsername({ db }, input.username);
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), input.password);
  if (!user || !ok || user.disabled) {
    recordAudit({ db }, { actor: user ? user.username : '（未知用户）', action: 'auth.login-failed', meetingId: null, detail: { reason: !user ? 'unknown-user' : user.disabled ? 'disabled' : 'wrong-password' } });
    const delay = recordLoginFailure({ db }, input.username, address);
    if (delay > 0) await sleep(delay);
    throw authErrors.loginFailed();
  }
  recordLoginSuccess({ db }, input.username, address);
  recordAudit({ db }, { actor: user.username, action: 'auth.login', meetingId: null, detail: {} });
  return { token: sign({ sub: user.id, username: user.username, role: user.role }), user: userView(user) };
}

/** The user behind a verified session, if the account still exists and is enabled. */
export function sessionUser({ db }: { db: Db }, userId: string): SessionUser {
  const user = findUserById({ db }, userId);
  if (!user || user.disabled) throw authErrors.accountGone();
  return { id: user.id, username: user.username, role: user.role };
}
