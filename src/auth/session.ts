import type { Role } from './users.repository.js';

/** Who is calling an admin route: read from a verified session token, checked against the users table. */
export interface SessionUser {
  id: string;
  username: string;
  role: Role;
}
