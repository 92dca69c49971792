import type { Db } from '../db/client.js';
import { randomId } from '../shared/ids.js';
import { AppError, conflict } from '../shared/errors.js';
import { recordAudit } from '../audit/audit.repository.js';
import { hashPassword } from './passwords.js';
import { countUsers, findUserByUsername, insertUser, type Role } from './users.repository.js';

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  displayName?: string;
}

export async function createUser({ db }: { db: Db }, actor: string, input: NewUser): Promise<{ id: string }> {
  if (findUserByUsername({ db }, input.username)) throw conflict('USERNAME_TAKEN', `用户名“${input.username}”已被使用`);
  const passwordHash = await hashPassword(input.password);
  const id = randomId();
  db.transaction((tx) => {
    if (findUserByUsername({ db: tx }, input.username)) throw conflict('USERNAME_TAKEN', `用户名“${input.username}”已被使用`);
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
