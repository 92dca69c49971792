// Users and logins. A login is audited (success and failure, by username only: never the password or the address).
import { transaction, type Db } from '../db/client.js';
import { randomId } from '../shared/ids.js';
import { recordAudit } from '../audit/index.js';
import { authErrors } from './auth.errors.js';
import { dummyHash, hashPassword, verifyPassword } from './passwords.js';
import {
  bumpSessionEpoch,
  countEnabledAdmins,
  countUsers,
  findUserById,
  findUserByUsername,
  insertUser,
  isSessionRevoked,
  listUsers,
  revokeSession,
  updateUser,
  type Role,
  type UserRow,
} from './users.repository.js';
import type { SessionClaims, SessionUser } from './session.js';
import { weakPasswordReason } from './common-passwords.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { liftLoginLockouts, loginLockedFor, recordLoginFailure, recordLoginSuccess, tooManyAttempts } from './login-throttle.js';

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  displayName?: string;
}

/** Refuses a password on the common list or built on the username (common-passwords.ts). */
function assertStrongPassword(password: string, username: string): void {
  const why = weakPasswordReason(password, username);
  if (why !== null) throw authErrors.weakPassword(why);
}

export async function createUser({ db }: { db: Db }, actor: string, input: NewUser): Promise<{ id: string }> {
  if (await findUserByUsername({ db }, input.username)) throw authErrors.usernameTaken(input.username);
  assertStrongPassword(input.password, input.username);
  const passwordHash = await hashPassword(input.password);
  const id = randomId();
  await transaction(db, async (tx) => {
    if (await findUserByUsername({ db: tx }, input.username)) throw authErrors.usernameTaken(input.username);
    await insertUser({ db: tx }, { id, username: input.username, passwordHash, role: input.role, displayName: input.displayName ?? '' });
    await recordAudit({ db: tx }, { actor, action: 'user.create', meetingId: null, detail: { userId: id, username: input.username, role: input.role } });
  });
  return { id };
}

/** True once any account exists. */
export const hasUsers = async ({ db }: { db: Db }): Promise<boolean> => (await countUsers({ db })) > 0;

/** Creates the configured admin when the database has no user yet (first start). */
export async function ensureInitialAdmin({ db }: { db: Db }, username: string | null, password: string | null): Promise<boolean> {
  if (!username || !password || (await countUsers({ db })) > 0) return false;
  await createUser({ db }, 'system', { username, password, role: 'admin', displayName: '管理员' });
  return true;
}

const userView = (u: UserRow) => ({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, disabled: u.disabled });

export async function listUserViews({ db }: { db: Db }) {
  return (await listUsers({ db })).map(userView);
}

/** Signs a session for a user; the route passes Fastify's JWT signer, so this module needs no web framework. */
export type SignSession = (payload: SessionClaims) => string;

const signFor = (sign: SignSession, user: UserRow) => sign({ sub: user.id, username: user.username, role: user.role, ep: user.sessionEpoch, jti: randomId(16) });

/**
 * Checks a username and password and returns a signed session. Unknown users are checked against a dummy hash,
 * so the response time does not reveal which usernames exist. Failures are throttled (login-throttle.ts). Both outcomes go to the audit log; a failure for
 * an unknown username records no name at all (it may be a password typed into the wrong field).
 */
export async function login({ db, sign }: { db: Db; sign: SignSession }, input: { username: string; password: string }, address: string) {
  const locked = await loginLockedFor({ db }, input.username, address);
  if (locked > 0) throw tooManyAttempts(locked);
  const user = await findUserByUsername({ db }, input.username);
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), input.password);
  if (!user || !ok || user.disabled) {
    // The failure is counted and audited in one transaction; the slow-down waits after it has committed.
    const delay = await transaction(db, async (tx) => {
      await recordAudit({ db: tx }, { actor: user ? user.username : '（未知用户）', action: 'auth.login-failed', meetingId: null, detail: { reason: !user ? 'unknown-user' : user.disabled ? 'disabled' : 'wrong-password' } });
      return recordLoginFailure({ db: tx }, input.username, address);
    });
    if (delay > 0) await sleep(delay);
    throw authErrors.loginFailed();
  }
  await transaction(db, async (tx) => {
    await recordLoginSuccess({ db: tx }, input.username, address);
    await recordAudit({ db: tx }, { actor: user.username, action: 'auth.login', meetingId: null, detail: {} });
  });
  return { token: signFor(sign, user), user: userView(user) };
}

/**
 * The user behind a verified session token: the account still exists, is enabled, and has not moved to a new
 * session epoch (password changed, logged out everywhere) since; the session itself was not ended by a logout.
 */
export async function sessionUser({ db }: { db: Db }, claims: { sub: string; ep?: unknown; jti?: unknown; exp?: unknown }): Promise<SessionUser> {
  const user = await findUserById({ db }, claims.sub);
  if (!user || user.disabled) throw authErrors.accountGone();
  if ((typeof claims.ep === 'number' ? claims.ep : 0) !== user.sessionEpoch) throw authErrors.unauthorized();
  if (typeof claims.jti === 'string' && await isSessionRevoked({ db }, claims.jti)) throw authErrors.unauthorized();
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    ...(typeof claims.jti === 'string' && typeof claims.exp === 'number' ? { session: { jti: claims.jti, exp: claims.exp } } : {}),
  };
}

/** Ends the caller's session now (its token is refused from here on). */
export async function logout({ db }: { db: Db }, user: SessionUser): Promise<void> {
  await transaction(db, async (tx) => {
    if (user.session) await revokeSession({ db: tx }, user.session.jti, user.session.exp);
    await recordAudit({ db: tx }, { actor: user.username, action: 'auth.logout', meetingId: null, detail: {} });
  });
}

/** A fresh session for a user still at work (the console renews before expiry); the old one ends. */
export async function renewSession({ db, sign }: { db: Db; sign: SignSession }, user: SessionUser) {
  const row = await findUserById({ db }, user.id);
  if (!row || row.disabled) throw authErrors.accountGone();
  // Not audited (the login was); its two statements (sweep, revoke) still commit together.
  if (user.session) await transaction(db, async (tx) => revokeSession({ db: tx }, user.session!.jti, user.session!.exp));
  return { token: signFor(sign, row), user: userView(row) };
}

/** Changes one's own password (the current one is asked); every other session of the account ends. */
export async function changeOwnPassword({ db, sign }: { db: Db; sign: SignSession }, user: SessionUser, input: { currentPassword: string; newPassword: string }) {
  const row = await findUserById({ db }, user.id);
  if (!row || row.disabled) throw authErrors.accountGone();
  if (!(await verifyPassword(row.passwordHash, input.currentPassword))) throw authErrors.wrongCurrentPassword();
  assertStrongPassword(input.newPassword, row.username);
  const passwordHash = await hashPassword(input.newPassword);
  await transaction(db, async (tx) => {
    await updateUser({ db: tx }, row.id, { passwordHash });
    await bumpSessionEpoch({ db: tx }, row.id);
    await recordAudit({ db: tx }, { actor: row.username, action: 'user.password', meetingId: null, detail: { userId: row.id, by: 'self' } });
  });
  const fresh = (await findUserById({ db }, row.id))!;
  return { token: signFor(sign, fresh), user: userView(fresh) };
}

/** An admin sets a user's new password (a forgotten one); the user's sessions end. */
export async function resetPassword({ db }: { db: Db }, actor: string, userId: string, password: string): Promise<void> {
  const row = await findUserById({ db }, userId);
  if (!row) throw authErrors.userNotFound();
  assertStrongPassword(password, row.username);
  const passwordHash = await hashPassword(password);
  await transaction(db, async (tx) => {
    await updateUser({ db: tx }, row.id, { passwordHash });
    await bumpSessionEpoch({ db: tx }, row.id);
    await recordAudit({ db: tx }, { actor, action: 'user.password', meetingId: null, detail: { userId: row.id, username: row.username, by: 'admin' } });
  });
}

/** An admin changes a user's name, role or enabled state; the last enabled admin cannot be removed. */
export function updateUserByAdmin({ db }: { db: Db }, actor: SessionUser | { id: null; username: string }, userId: string, patch: { displayName?: string; role?: Role; disabled?: boolean }) {
  return transaction(db, async (tx) => {
    const row = await findUserById({ db: tx }, userId);
    if (!row) throw authErrors.userNotFound();
    const losesAdmin = row.role === 'admin' && !row.disabled && (patch.disabled === true || patch.role === 'assessor');
    if (losesAdmin && actor.id === row.id) throw authErrors.notYourself();
    if (losesAdmin && (await countEnabledAdmins({ db: tx })) <= 1) throw authErrors.lastAdmin();
    await updateUser({ db: tx }, row.id, patch);
    if (patch.disabled === true || (patch.role !== undefined && patch.role !== row.role)) await bumpSessionEpoch({ db: tx }, row.id);
    await recordAudit({ db: tx }, { actor: actor.username, action: 'user.update', meetingId: null, detail: { userId: row.id, username: row.username, ...patch } });
    return userView((await findUserById({ db: tx }, row.id))!);
  });
}

/** The user by name, for the command line. */
export async function userByName({ db }: { db: Db }, username: string): Promise<UserRow> {
  const row = await findUserByUsername({ db }, username);
  if (!row) throw authErrors.userNotFound();
  return row;
}

/**
 * Lifts login lockouts from the command line (`ceping users unlock`), for one username or everyone, and records
 * it in the audit log in the same transaction, as the console's lifting does.
 */
export async function unlockLogins({ db }: { db: Db }, actor: string, username?: string): Promise<number> {
  return transaction(db, async (tx) => {
    const lifted = await liftLoginLockouts({ db: tx }, username);
    await recordAudit({ db: tx }, { actor, action: 'auth.unlock', meetingId: null, detail: { username: username ?? null, keys: lifted } });
    return lifted;
  });
}
