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
 * The minimum number of respondents belongs to the instrument in its setting, not to the meeting's kind alone:
 * - `village-community`, seed 003_43142c8fa1f20547.txt on its three 民主测评 instruments: "参加测评的人数，村不少于70人，
 *   社区不少于40人（以签到表和考察组考核人数为依据）" and "部门站所参加民主测评和评议的人员：站所全体干部职工";
 * - `staff-questionnaire`, seed 000_a43cfffc0fe01c15.txt on the randomly drawn 机关干部问卷 only: "原则上不少于50人"
 *   (县区), "原则上不少于20人" (市直单位);
 * - `attendees`, seed 000 on the 领导干部问卷: "参加问卷调查范围与参加述职大会人员相同": everyone signed in;
 * - no basis: no seed sets a minimum (e.g. seed 002's 民主测评 and 述职评议, seed 004's 测评): none applies, and an
 *   admin may still set one with a reason.
 * A meeting using several instruments needs the largest of their minimums.
 */
export const DEFAULT_MINIMUMS: Record<Exclude<MeetingKind, 'township-dept' | 'other'>, number> = {
  village: 70,
  community: 40,
  county: 50,
  'city-dept': 20,
};

export type MinimumBasis = 'village-community' | 'staff-questionnaire' | 'attendees';

export interface MinimumFacts {
  kind: MeetingKind;
  /** An explicit minimum set by an admin (with a written reason). */
  override: number | null;
  /** Staff of a township department (部门站所): all of them must take part. */
  staffCount: number | null;
  signedIn: number | null;
  /**
   * The minimum basis of each form the meeting uses (null: the form has none). Absent: the kind's own
   * instrument is assumed (村、社区、部门站所: 民主测评; 县（区）、市直单位: 机关干部问卷).
   */
  bases?: ReadonlyArray<MinimumBasis | null | undefined>;
}

/** Where the minimum in force comes from, for the report and the screens. */
export type MinimumSource = 'override' | 'kind' | 'staff-count' | 'signed-in' | 'unknown' | 'none';

export interface MinimumDecision {
  /** The minimum in force; 0 when no rule applies; null while it cannot be known (or an admin must set it). */
  min: number | null;
  source: MinimumSource;
  /** The rule that applied, in Chinese, naming the document by its title (never a file name or rule id). */
  rule: string;
  /** True when no rule fits the forms in this kind of meeting: an admin must state the minimum. */
  needsAdmin: boolean;
}

const DOC_000 = '《20XX年度政治生态建设成效考核工作方案》';
const DOC_003 = '《关于做好2020年度村（社区）、部门站所党组织政治建设考察暨班子年度考核工作的通知》';
export const NO_MINIMUM_RULE = '所用测评表在依据文件中没有最低参评人数的规定（可由管理员写明理由后设定）';

function basisMinimum(b: MinimumBasis, f: MinimumFacts): MinimumDecision {
  const known = (min: number, source: MinimumSource, rule: string): MinimumDecision => ({ min, source, rule, needsAdmin: false });
  const pending = (rule: string): MinimumDecision => ({ min: null, source: 'unknown', rule, needsAdmin: false });
  const admin = (rule: string): MinimumDecision => ({ min: null, source: 'unknown', rule, needsAdmin: true });
  switch (b) {
    case 'village-community':
      if (f.kind === 'village') return known(70, 'kind', `村参加民主测评的人数不少于70人（${DOC_003}）`);
      if (f.kind === 'community') return known(40, 'kind', `社区参加民主测评的人数不少于40人（${DOC_003}）`);
      if (f.kind === 'township-dept') {
        const rule = `部门站所全体干部职工参加民主测评（${DOC_003}）`;
        if (f.staffCount !== null) return known(f.staffCount, 'staff-count', `${rule}：职工 ${f.staffCount} 人`);
        if (f.signedIn !== null) return known(f.signedIn, 'signed-in', `${rule}：以签到 ${f.signedIn} 人为准`);
        return pending(`${rule}：尚未录入职工人数或签到人数`);
      }
      return admin(`村（社区）、部门站所的测评人数规定（${DOC_003}）不适用于${MEETING_KIND_LABELS[f.kind]}会议，须由管理员设定最低参评人数`);
    case 'staff-questionnaire':
      if (f.kind === 'county') return known(50, 'kind', `机关干部问卷调查（随机抽取，以科级以下干部为主）原则上不少于50人（${DOC_000}，县（区））`);
      if (f.kind === 'city-dept') return known(20, 'kind', `机关干部问卷调查（随机抽取，以科级以下干部为主）原则上不少于20人（${DOC_000}，市直单位）`);
      return admin(`机关干部问卷的人数规定（${DOC_000}）只针对县（区）和市直单位，须由管理员设定最低参评人数`);
    case 'attendees': {
      const rule = `领导干部问卷的参加范围与述职大会参会人员相同（${DOC_000}）`;
      if (f.signedIn !== null) return known(f.signedIn, 'signed-in', `${rule}：以签到 ${f.signedIn} 人为准`);
      return pending(`${rule}：尚未录入签到人数`);
    }
  }
}

/** The minimum in force, where it comes from and the rule, in words. */
export function decideMinimum(f: MinimumFacts): MinimumDecision {
  if (f.override !== null) return { min: f.override, source: 'override', rule: '管理员设定（理由见记录）', needsAdmin: false };
  if (f.bases === undefined && f.kind === 'other') return { min: null, source: 'unknown', rule: MINIMUM_RULES.other, needsAdmin: true };
  const bases = f.bases ?? [f.kind === 'county' || f.kind === 'city-dept' ? 'staff-questionnaire' : 'village-community'];
  const parts = [...new Set(bases.filter((b): b is MinimumBasis => !!b))].map((b) => basisMinimum(b, f));
  if (parts.length === 0) return { min: 0, source: 'none', rule: NO_MINIMUM_RULE, needsAdmin: false };
  const open = parts.filter((p) => p.min === null);
  if (open.length > 0) return { min: null, source: 'unknown', rule: open.map((p) => p.rule).join('；'), needsAdmin: open.some((p) => p.needsAdmin) };
  // The ballots must reach every instrument's minimum: the largest decides.
  return parts.reduce((a, p) => (p.min! > a.min! ? p : a));
}

/** The minimum in force, or null when it cannot be known yet (e.g. 部门站所 without a staff or sign-in count). */
export function minimumRespondents(f: MinimumFacts): number | null {
  return decideMinimum(f).min;
}

export function minimumSource(f: MinimumFacts): MinimumSource {
  return decideMinimum(f).source;
}

/** The rule behind the minimum of a meeting kind's 民主测评 (seed 003) or 机关干部问卷 (seed 000), in words. */
export const MINIMUM_RULES: Record<MeetingKind, string> = {
  village: `村参加民主测评的人数不少于70人（${DOC_003}）`,
  community: `社区参加民主测评的人数不少于40人（${DOC_003}）`,
  'township-dept': `部门站所全体干部职工参加民主测评（${DOC_003}）`,
  county: `机关干部问卷调查原则上不少于50人（${DOC_000}）`,
  'city-dept': `机关干部问卷调查原则上不少于20人（${DOC_000}）`,
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
