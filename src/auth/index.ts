// The auth module's public surface.
export type { SessionClaims, SessionUser } from './session.js';
export type { Role } from './users.repository.js';
export { findUserById, isAssignedTo } from './users.repository.js';
export { createUser, ensureInitialAdmin, hasUsers, listUserViews, resetPassword, sessionUser, unlockLogins, updateUserByAdmin, userByName } from './auth.usecases.js';
export { authErrors } from './auth.errors.js';
export { liftLoginLockouts } from './login-throttle.js';
