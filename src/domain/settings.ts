// A meeting's scoring settings, decided when the meeting is created and kept with it, so that a later change of
// the form catalogue does not change the rules of a meeting already held. Pure.
import type { FormTemplate } from './forms.js';
import type { MinimumBasis } from './turnout.js';

export interface MeetingSettings {
  /** The minimum basis of each form, in the meeting's form order (null: none), as the forms said at creation. */
  minimumBases?: Array<MinimumBasis | null>;
  /**
   * Seed 004 "年度考核测评需严格按照优秀20%比例要求开展测评": off by default, a ballot may rate 优秀 no more than
   * floor(20% × the cadres listed), which is none for fewer than 5. On, a unit with fewer than 5 cadres may rate
   * one 优秀 (a local exception, not the seed's): the ballot says so.
   */
  smallUnitExcellentException?: boolean;
}

/** What the ballot says when the small-unit exception is on: the voter sees the rule in force. */
export const SMALL_UNIT_EXCEPTION_NOTE = '本次测评设定了小单位例外：按 20% 计不足 1 人时，可评 1 人为“优秀”（本单位规定，非上级文件要求）';

/**
 * The forms as a meeting uses them: with the small-unit exception on, each maxGradeShare rule allows at least
 * one (and says so in its message); off, the share alone decides (seed 004_9ba8455c36f7d67d.txt:
 * "年度考核测评需严格按照优秀20%比例要求开展测评"), so 1 of 4 (25 %) is refused.
 */
export function formsWithSettings(forms: readonly FormTemplate[], settings: MeetingSettings | null | undefined): FormTemplate[] {
  if (!settings?.smallUnitExcellentException) return [...forms];
  return forms.map((f) =>
    f.rules?.length
      ? { ...f, rules: f.rules.map((r) => (r.type === 'maxGradeShare' ? { ...r, minAllowed: Math.max(1, r.minAllowed ?? 0), message: `${r.message}（${SMALL_UNIT_EXCEPTION_NOTE}）` } : r)) }
      : f,
  );
}
