// Minimum respondent counts and the turnout flags. Pure.
import { MIN_GROUP_SIZE } from './group-size.js';
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

/** Where the minimum in force comes from, for the report and the screens. */
export type MinimumSource = 'override' | 'kind' | 'staff-count' | 'signed-in' | 'unknown';

export function minimumSource(f: MinimumFacts): MinimumSource {
  if (f.override !== null) return 'override';
  if (f.kind === 'other') return 'unknown';
  if (f.kind === 'township-dept') return f.staffCount !== null ? 'staff-count' : f.signedIn !== null ? 'signed-in' : 'unknown';
  return 'kind';
}

/** The rule behind the minimum, in words for the report (seed file named). */
export const MINIMUM_RULES: Record<MeetingKind, string> = {
  village: '村参加测评的人数不少于70人（003_43142c8fa1f20547.txt）',
  community: '社区参加测评的人数不少于40人（003_43142c8fa1f20547.txt）',
  'township-dept': '部门站所全体干部职工参加（003_43142c8fa1f20547.txt）',
  county: '县（区）机关干部问卷原则上不少于50人（000_a43cfffc0fe01c15.txt）',
  'city-dept': '市直单位机关干部问卷原则上不少于20人（000_a43cfffc0fe01c15.txt）',
  other: '无统一规定，须由管理员设定',
};

/**
 * The minimum number of individual interviews (个别谈话):
 * - county 40: "随机选取人员进行个别谈话，谈话人员不少于40人" (000_a43cfffc0fe01c15.txt, 县区);
 * - city department 20: "谈话人员不少于20人" (000_a43cfffc0fe01c15.txt, 市直单位);
 * - village and community 30, township departments all staff: "原则上村（社区）接触人数不得少于30人，部门站所接触全体干部职工"
 *   (003_43142c8fa1f20547.txt);
 * - other: no rule.
 */
export const INTERVIEW_MINIMUMS: Record<Exclude<MeetingKind, 'township-dept' | 'other'>, number> = {
  village: 30,
  community: 30,
  county: 40,
  'city-dept': 20,
};

export function minimumInterviews(f: Pick<MinimumFacts, 'kind' | 'staffCount'>): number | null {
  if (f.kind === 'other') return null;
  if (f.kind === 'township-dept') return f.staffCount;
  return INTERVIEW_MINIMUMS[f.kind];
}

export interface TurnoutFacts {
  minRespondents: number | null;
  signedIn: number | null;
  slipsIssued: number;
  slipsVoided: number;
  ballotsCast: number;
  /** Individual interviews held and their minimum; both optional (interviews are a separate step). */
  interviews?: number | null;
  minInterviews?: number | null;
}

export function meetsMinimum(t: Pick<TurnoutFacts, 'minRespondents' | 'ballotsCast'>): boolean {
  return t.minRespondents !== null && t.ballotsCast >= t.minRespondents;
}

/**
 * 全部签到人员已投票: the exact ballots cast equal the sign-in count the team entered. It is how the team knows the
 * room is done while the live counts are coarsened, and it is safe to show exactly, like meetsMinimum: it is one
 * boolean that flips once, when the last person present votes, which the room sees anyway (no one is left holding
 * a slip); before that it says only "not everyone yet", which the coarsened count already says. It never carries
 * a count. Moving the sign-in count to probe the exact number would take one edit per 10-second sample, each in the
 * audit log under the editor's name (src/meetings recordAttendance). More ballots than people signed in is not
 * "done" but the red flag BALLOTS_EXCEED_SIGNED_IN.
 */
export function allSignedInVoted(t: Pick<TurnoutFacts, 'signedIn' | 'ballotsCast'>): boolean {
  return t.signedIn !== null && t.signedIn > 0 && t.ballotsCast === t.signedIn;
}

/**
 * Reconciliation: every ballot consumed one issued slip in the same transaction, and only an unused slip can
 * be voided, so ballots can never exceed the slips issued less those voided. This checks that it still holds.
 */
export function slipsReconcile(t: Pick<TurnoutFacts, 'slipsIssued' | 'slipsVoided' | 'ballotsCast'>): boolean {
  return t.ballotsCast <= t.slipsIssued - t.slipsVoided;
}

/** Flag codes shown in red wherever they appear: each makes the round void or needs an inquiry. */
export const RED_FLAGS: ReadonlySet<string> = new Set(['BELOW_MINIMUM', 'BALLOTS_EXCEED_SIGNED_IN', 'BALLOTS_EXCEED_SLIPS']);

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
  if (!slipsReconcile(t)) {
    flags.push({ code: 'BALLOTS_EXCEED_SLIPS', message: `投票数 ${t.ballotsCast} 超过有效测评票数 ${t.slipsIssued - t.slipsVoided}（发放 ${t.slipsIssued}，作废 ${t.slipsVoided}），数据不一致，请立即核查` });
  }
  const minI = t.minInterviews ?? null;
  const held = t.interviews ?? null;
  if (minI !== null && held !== null && held < minI) {
    flags.push({ code: 'INTERVIEWS_BELOW_MINIMUM', message: `个别谈话 ${held} 人，少于最低 ${minI} 人` });
  }
  return flags;
}

/** The 无效 stamp of a tally below its minimum: shown, with the minimum and the count, wherever the tally is. */
export interface VoidStamp {
  label: '无效';
  minRespondents: number;
  ballotsCast: number;
  text: string;
}

export function voidStamp(t: Pick<TurnoutFacts, 'minRespondents' | 'ballotsCast'>): VoidStamp | null {
  if (t.minRespondents === null || t.ballotsCast >= t.minRespondents) return null;
  return { label: '无效', minRespondents: t.minRespondents, ballotsCast: t.ballotsCast, text: `无效：参评 ${t.ballotsCast} 人，少于最低参评人数 ${t.minRespondents} 人` };
}

/**
 * Live progress is coarsened so that watching it does not tell who just voted: the counts that move when a
 * voter submits (ballots cast and valid, slips used) are rounded down to a multiple of `step`, and the caller
 * publishes them only at fixed ticks shared by every reader (see src/turnout/live.ts). Slips issued and voided
 * move by the team's own actions and stay exact. Whether the minimum is met and the flags are exact booleans:
 * each flips once, and the team needs them; their messages carry no exact count.
 */
export const LIVE_STEP = MIN_GROUP_SIZE;

export interface ExactFigures {
  minRespondents: number | null;
  signedIn: number | null;
  interviews: number | null;
  minInterviews: number | null;
  slipsIssued: number;
  slipsUsed: number;
  slipsVoided: number;
  ballotsCast: number;
  ballotsValid: number;
}

export interface PublishedFigures extends ExactFigures {
  meetsMinimum: boolean;
  /** See allSignedInVoted: computed from the exact counts, shown exactly. */
  allSignedInVoted: boolean;
  flags: Flag[];
  voidStamp: VoidStamp | null;
}

export const roundDown = (n: number, step: number) => Math.floor(n / step) * step;

/** The exact figures with their flags and stamp: for a closed (or not yet open) poll, and for reports. */
export function exactFigures(f: ExactFigures): PublishedFigures {
  return { ...f, meetsMinimum: meetsMinimum(f), allSignedInVoted: allSignedInVoted(f), flags: turnoutFlags(f), voidStamp: voidStamp(f) };
}

/** The figures of an open poll as screens show them (see LIVE_STEP). */
export function coarsenFigures(f: ExactFigures, step = LIVE_STEP): PublishedFigures {
  const flags = turnoutFlags(f).map((flag): Flag => {
    switch (flag.code) {
      case 'BELOW_MINIMUM':
        return { code: flag.code, message: `尚未达到最低参评人数 ${f.minRespondents} 人，此时结束测评则结果无效` };
      case 'BALLOTS_EXCEED_SIGNED_IN':
        return { code: flag.code, message: `投票数已超过签到人数 ${f.signedIn}，请核查` };
      case 'BALLOTS_EXCEED_SLIPS':
        return { code: flag.code, message: '投票数超过有效测评票数，数据不一致，请立即核查' };
      default:
        return flag;
    }
  });
  const stamp = voidStamp(f);
  return {
    ...f,
    slipsUsed: roundDown(f.slipsUsed, step),
    ballotsCast: roundDown(f.ballotsCast, step),
    ballotsValid: roundDown(f.ballotsValid, step),
    meetsMinimum: meetsMinimum(f),
    allSignedInVoted: allSignedInVoted(f),
    flags,
    voidStamp: stamp && { label: '无效', minRespondents: stamp.minRespondents, ballotsCast: roundDown(f.ballotsCast, step), text: `未达到最低参评人数 ${stamp.minRespondents} 人，此时结束测评则结果无效` },
  };
}

/** The verdict printed on a closing report. A red flag other than the minimum means "check before use". */
export type Verdict = 'valid' | 'void' | 'check' | 'unknown';
export const VERDICT_LABELS: Record<Verdict, string> = {
  valid: '有效',
  void: '无效',
  check: '待核查',
  unknown: '不能认定有效',
};

export function verdictOf(f: Pick<PublishedFigures, 'minRespondents' | 'meetsMinimum' | 'flags'>): Verdict {
  if (f.minRespondents === null) return 'unknown';
  if (!f.meetsMinimum) return 'void';
  if (f.flags.some((x) => RED_FLAGS.has(x.code))) return 'check';
  return 'valid';
}
