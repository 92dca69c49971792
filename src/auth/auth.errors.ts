// The auth module's errors: one code, one Chinese message.
import { AppError, conflict, forbidden } from '../shared/errors.js';

export const authErrors = {
  loginFailed: () => new AppError(401, 'LOGIN_FAILED', '用户名或密码错误'),
  unauthorized: () => new AppError(401, 'UNAUTHORIZED', '请先登录，或登录已过期'),
  accountGone: () => new AppError(401, 'UNAUTHORIZED', '账号不存在或已停用'),
  adminOnly: () => forbidden('此操作仅限管理员'),
  usernameTaken: (username: string) => conflict('USERNAME_TAKEN', `用户名“${username}”已被使用`),
};
