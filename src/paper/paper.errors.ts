// The paper module's errors: one code, one Chinese message.
import { AppError, conflict } from '../shared/errors.js';

export const paperErrors = {
  codeNotFound: () => new AppError(404, 'CODE_NOT_FOUND', '该测评码不属于本次测评，请核对票面上的测评码'),
  /** Keyed in twice, or already used on a phone: the slip counts once, paper or phone. */
  alreadyCounted: () => conflict('TOKEN_USED', '这张票已经计入（已录入过，或已用手机投票），不能重复录入'),
};
