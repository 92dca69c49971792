// The exports module's errors: one code, one Chinese message.
import { AppError } from '../shared/errors.js';

export const exportsErrors = {
  /** Raw ballots would give a small category's ratings back (see anonymisedBallots). */
  rawBallotsWithheld: (why: string) => new AppError(409, 'RAW_BALLOTS_WITHHELD', `原始选票不公布：${why}`),
};
