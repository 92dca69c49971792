// Minimum respondent counts and the turnout flags. Pure.
import type { Flag } from './tally.js';

export const MEETING_KINDS = ['village', 'community', 'township-dept', 'county', 'city-dept', 'other'] as const;
export type MeetingKind = (typeof MEETING_KINDS)[number];

export const MEETING_KIND_LABELS: Record<MeetingKind, string> = {
  village: '村',
  community: '社区',
  'township-dept': '部门站所',
  county: '县（区）机关',
  'city-dept': '市直单位',
  other: '其他',
};

/**
 * The minimum number of respondents by meeting kind:
 * - village 70, community 40: "参加测评的人数，村不少于70人，社区不少于40人（以签到表和考察组考核人数为依据）"
 *   (003_43142c8fa1f20547.txt);
 * - township departments and stations: all staff, "部门站所参加民主测评和评议的人员：站所全体干部职工" (003);
 * - county staff questionnaire at least 50, city department at least 20 (000_a43cfffc0fe01c15.txt);
 * - other: no rule; the meeting must state its own minimum.
 */
export const DEFAULT_MINIMUMS: Record<Exclude<MeetingKind, 'township-dept' | 'other'>, number> = {
  village: 70,
  community: 40,
  county: 50,
  'city-dept': 20,
};

export interface MinimumFacts {
  kind: MeetingKind;
  /** An explicit minimum set by an admin (with a written reason), or required for `other`. */
  override: number | null;
  /** Staff of a township department (部门站所): all of them must take part. */
  staffCount: number | null;
  signedIn: number | null;
}

/** The minimum in force, or null when it cannot be known yet (部门站所 without a staff or sign-in count). */
export function minimumRespondents(f: MinimumFacts): number | null {
  if (f.override !== null) return f.override;
  switch (f.kind) {
    case 'township-dept':
      return f.staffCount ?? f.signedIn;
    case 'other':
      return null;
    default:
      return DEFAULT_MINIMUMS[f.kind];
  }
}

export interface TurnoutFacts {
  minRespondents: number | null;
  signedIn: number | null;
  slipsIssued: number;
  slipsVoided: number;
  ballotsCast: number;
}

export function meetsMinimum(t: Pick<TurnoutFacts, 'minRespondents' | 'ballotsCast'>): boolean {
  return t.minRespondents !== null && t.ballotsCast >= t.minRespondents;
}

/** Flags shown on every view and export of a meeting's figures. */
export function turnoutFlags(t: TurnoutFacts): Flag[] {
  const flags: Flag[] = [];
  if (t.minRespondents === null) {
    flags.push({ code: 'MINIMUM_UNKNOWN', message: '尚未确定最低参评人数，测评结果暂不能认定有效' });
  } else if (t.ballotsCast < t.minRespondents) {
    flags.push({ code: 'BELOW_MINIMUM', message: `无效：参评 ${t.ballotsCast} 人，少于最低 ${t.minRespondents} 人` });
  }
  // The paper rule: more ballots than people present makes the round void (DOMAIN.md, "Minimum respondent counts").
  if (t.signedIn !== null && t.ballotsCast > t.signedIn) {
    flags.push({ code: 'BALLOTS_EXCEED_SIGNED_IN', message: `投票数 ${t.ballotsCast} 超过签到人数 ${t.signedIn}，请核查` });
  }
  return flags;
}
