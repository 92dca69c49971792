import type { Role } from './users.repository.js';

/** Who is calling an admin route: read from a verified session token, checked against the users table. */
export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  /** The session token's id and expiry (seconds since the epoch), when the user came with one. */
  session?: { jti: string; exp: number };
}

/** What a session token says: who, in which epoch of their account, which session, until when. */
export interface SessionClaims {
  sub: string;
  username: string;
  role: Role;
  /** The account's session epoch when signed: a new password or "log out everywhere" moves it on. */
  ep: number;
  jti: string;
}
