// The auth module's errors: one code, one Chinese message.
import { AppError, conflict, forbidden, notFound, unprocessable } from '../shared/errors.js';

export const authErrors = {
  loginFailed: () => new AppError(401, 'LOGIN_FAILED', '用户名或密码错误'),
  unauthorized: () => new AppError(401, 'UNAUTHORIZED', '请先登录，或登录已过期'),
  accountGone: () => new AppError(401, 'UNAUTHORIZED', '账号不存在或已停用'),
  adminOnly: () => forbidden('此操作仅限管理员'),
  usernameTaken: (username: string) => conflict('USERNAME_TAKEN', `用户名“${username}”已被使用`),
  weakPassword: (why: string) => unprocessable('WEAK_PASSWORD', why),
  wrongCurrentPassword: () => unprocessable('WRONG_PASSWORD', '当前密码不正确'),
  userNotFound: () => notFound('该用户', 'USER_NOT_FOUND'),
  lastAdmin: () => conflict('LAST_ADMIN', '这是最后一个可用的管理员账号，不能停用或改为考核组成员'),
  notYourself: () => conflict('NOT_YOURSELF', '不能停用自己的账号或取消自己的管理员权限'),
};
