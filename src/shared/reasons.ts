// A written reason (理由): reopening a closed poll, overriding a minimum, voiding slips, withdrawing a deduction,
// departing from a suggested grade. One rule for all of them: trimmed, at least MIN_REASON_LENGTH characters
// (counted as characters, so 遗失 is two), and one Chinese message naming what the reason is for.
import { Type } from 'typebox';
import { unprocessable } from './errors.js';

export const MIN_REASON_LENGTH = 2;
export const MAX_REASON_LENGTH = 1000;

/** The schema of a reason field: the length check that matters (after trimming) is requireReason's. */
export const ReasonText = Type.String({ maxLength: MAX_REASON_LENGTH, description: `理由（去掉首尾空格后至少 ${MIN_REASON_LENGTH} 个字）` });

/** True when `text` is a reason by the rule above. */
export const isReason = (text: string | null | undefined): boolean => [...(text ?? '').trim()].length >= MIN_REASON_LENGTH;

/**
 * The trimmed reason, or a 422 REASON_REQUIRED saying what it is for: `purpose` completes
 * "…须写明理由", e.g. '重新开启已结束的测评'.
 */
export function requireReason(text: string | null | undefined, purpose: string): string {
  if (!isReason(text)) throw unprocessable('REASON_REQUIRED', `${purpose}须写明理由（至少 ${MIN_REASON_LENGTH} 个字）`);
  return text!.trim();
}
