// The turnout module's errors: one code, one Chinese message.
import { AppError, unprocessable } from '../shared/errors.js';

export const turnoutErrors = {
  badTicket: () => new AppError(401, 'TICKET_INVALID', '实时进度的访问凭证无效或已过期，请刷新页面'),
  minimumRequired: () => unprocessable('MINIMUM_REQUIRED', '“其他”类会议须设定最低参评人数'),
};
