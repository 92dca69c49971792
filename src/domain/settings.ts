// A meeting's scoring settings, decided when the meeting is created and kept with it, so that a later change of
// the form catalogue does not change the rules of a meeting already held. Pure.
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
