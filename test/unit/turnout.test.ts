import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  coarsenFigures,
  decideMinimum,
  exactFigures,
  meetsMinimum,
  minimumInterviews,
  minimumRespondents,
  minimumSource,
  slipsReconcile,
  turnoutFlags,
  verdictOf,
  voidStamp,
  type ExactFigures,
  type MeetingKind,
} from '../../src/domain/turnout.js';
import { signTicket, verifyTicket } from '../../src/turnout/tickets.js';

const facts = (kind: MeetingKind, extra: Partial<{ override: number | null; staffCount: number | null; signedIn: number | null }> = {}) => ({
  kind,
  override: null,
  staffCount: null,
  signedIn: null,
  ...extra,
});

const codes = (f: ReturnType<typeof turnoutFlags>) => f.map((x) => x.code);

describe('minimum respondents by the forms used and the kind', () => {
  const SEED_FILE = /\d{3}_[0-9a-f]{16}\.txt/;
  const decide = (kind: MeetingKind, bases: Parameters<typeof decideMinimum>[0]['bases'], extra: Partial<{ override: number | null; staffCount: number | null; signedIn: number | null }> = {}) =>
    decideMinimum({ ...facts(kind, extra), bases });

  it('seed 000_a43cfffc0fe01c15.txt "原则上不少于50人" / "原则上不少于20人" concern the 机关干部问卷 only', () => {
    expect(decide('county', ['staff-questionnaire'])).toMatchObject({ min: 50, source: 'kind' });
    expect(decide('city-dept', ['staff-questionnaire'])).toMatchObject({ min: 20, source: 'kind' });
    expect(decide('county', ['staff-questionnaire']).rule).toContain('《20XX年度政治生态建设成效考核工作方案》');
    // A 002 民主测评 in a city department: no seed sets a minimum, so 15 ballots are not 无效.
    const d = decide('city-dept', [null]);
    expect(d).toMatchObject({ min: 0, source: 'none', needsAdmin: false });
    expect(d.rule).toBe('所用测评表在依据文件中没有最低参评人数的规定（可由管理员写明理由后设定）');
    expect(exactFigures({ minRespondents: d.min, signedIn: 15, interviews: null, minInterviews: null, slipsIssued: 15, slipsUsed: 15, slipsVoided: 0, ballotsCast: 15, ballotsValid: 15 })).toMatchObject({ meetsMinimum: true, voidStamp: null, flags: [] });
  });

  it('seed 000 "参加问卷调查范围与参加述职大会人员相同": the 领导干部问卷 needs everyone signed in, unknown until the sign-in is recorded', () => {
    expect(decide('county', ['attendees'])).toMatchObject({ min: null, source: 'unknown', needsAdmin: false });
    expect(decide('county', ['attendees'], { signedIn: 63 })).toMatchObject({ min: 63, source: 'signed-in' });
    expect(decide('county', ['attendees'], { signedIn: 63 }).rule).toContain('领导干部问卷的参加范围与述职大会参会人员相同');
    // Both questionnaires in one county meeting: the larger minimum decides (here the 63 attendees).
    expect(decide('county', ['attendees', 'staff-questionnaire'], { signedIn: 63 })).toMatchObject({ min: 63, source: 'signed-in' });
    expect(decide('county', ['attendees', 'staff-questionnaire'], { signedIn: 40 })).toMatchObject({ min: 50, source: 'kind' });
  });

  it('seed 003_43142c8fa1f20547.txt "村不少于70人，社区不少于40人" concern its three village and community instruments', () => {
    expect(decide('village', ['village-community', 'village-community', 'village-community', null])).toMatchObject({ min: 70, source: 'kind' });
    expect(decide('community', ['village-community'])).toMatchObject({ min: 40 });
    expect(decide('township-dept', ['village-community'], { staffCount: 12 })).toMatchObject({ min: 12, source: 'staff-count' });
    expect(decide('village', ['village-community']).rule).toBe('村参加民主测评的人数不少于70人（《关于做好2020年度村（社区）、部门站所党组织政治建设考察暨班子年度考核工作的通知》）');
    // Used in a county meeting, the village rule does not fit: an admin must state the minimum.
    expect(decide('county', ['village-community'])).toMatchObject({ min: null, needsAdmin: true });
    expect(decide('county', ['village-community'], { override: 30 })).toMatchObject({ min: 30, source: 'override' });
  });

  it('names documents by their titles, never by file name', () => {
    for (const kind of ['village', 'community', 'township-dept', 'county', 'city-dept', 'other'] as const)
      for (const bases of [[null], ['village-community'], ['staff-questionnaire'], ['attendees']] as const) expect(decide(kind, bases).rule).not.toMatch(SEED_FILE);
  });
});

describe('minimum respondents by meeting kind', () => {
  it('takes village 70 and community 40 from 003_43142c8fa1f20547.txt, county 50 and city department 20 from 000_a43cfffc0fe01c15.txt', () => {
    expect(minimumRespondents(facts('village'))).toBe(70);
    expect(minimumRespondents(facts('community'))).toBe(40);
    expect(minimumRespondents(facts('county'))).toBe(50);
    expect(minimumRespondents(facts('city-dept'))).toBe(20);
    expect(minimumRespondents(facts('other'))).toBeNull();
    expect(minimumSource(facts('village'))).toBe('kind');
  });

  it('takes all staff for township departments (003: 站所全体干部职工), else the sign-in count, else unknown', () => {
    expect(minimumRespondents(facts('township-dept', { staffCount: 23, signedIn: 19 }))).toBe(23);
    expect(minimumSource(facts('township-dept', { staffCount: 23 }))).toBe('staff-count');
    expect(minimumRespondents(facts('township-dept', { signedIn: 19 }))).toBe(19);
    expect(minimumSource(facts('township-dept', { signedIn: 19 }))).toBe('signed-in');
    expect(minimumRespondents(facts('township-dept'))).toBeNull();
    expect(minimumSource(facts('township-dept'))).toBe('unknown');
  });

  it('lets an override win over every rule', () => {
    for (const kind of ['village', 'community', 'township-dept', 'county', 'city-dept', 'other'] as const) {
      expect(minimumRespondents(facts(kind, { override: 33, staffCount: 12 }))).toBe(33);
      expect(minimumSource(facts(kind, { override: 33 }))).toBe('override');
    }
  });

  // The 40 and 70 boundaries for each kind: 39, 40, 69, 70, 71 ballots.
  const expected: Record<MeetingKind, (n: number) => boolean> = {
    village: (n) => n >= 70,
    community: (n) => n >= 40,
    county: (n) => n >= 50,
    'city-dept': (n) => n >= 20,
    'township-dept': (n) => n >= 40, // with 40 staff
    other: (n) => n >= 70, // with a stated minimum of 70
  };
  for (const kind of Object.keys(expected) as MeetingKind[]) {
    it(`${kind}: 39, 40, 69, 70, 71 ballots against the minimum`, () => {
      const min = minimumRespondents(facts(kind, kind === 'township-dept' ? { staffCount: 40 } : kind === 'other' ? { override: 70 } : {}));
      for (const n of [39, 40, 69, 70, 71]) {
        const f = exactFigures({ minRespondents: min, signedIn: null, interviews: null, minInterviews: null, slipsIssued: 100, slipsUsed: n, slipsVoided: 0, ballotsCast: n, ballotsValid: n });
        const ok = expected[kind](n);
        expect(f.meetsMinimum, `${kind} ${n}`).toBe(ok);
        expect(codes(f.flags).includes('BELOW_MINIMUM'), `${kind} ${n}`).toBe(!ok);
        expect(f.voidStamp === null, `${kind} ${n}`).toBe(ok);
        if (!ok) expect(f.voidStamp).toEqual({ label: '无效', minRespondents: min, ballotsCast: n, text: `无效：参评 ${n} 人，少于最低参评人数 ${min} 人` });
        expect(verdictOf(f)).toBe(ok ? 'valid' : 'void');
      }
    });
  }

  it('cannot be met when the minimum is unknown, and says so', () => {
    expect(meetsMinimum({ minRespondents: null, ballotsCast: 500 })).toBe(false);
    expect(codes(turnoutFlags({ minRespondents: null, signedIn: null, slipsIssued: 0, slipsVoided: 0, ballotsCast: 0 }))).toEqual(['MINIMUM_UNKNOWN']);
    expect(voidStamp({ minRespondents: null, ballotsCast: 3 })).toBeNull();
    expect(verdictOf(exactFigures({ minRespondents: null, signedIn: null, interviews: null, minInterviews: null, slipsIssued: 0, slipsUsed: 0, slipsVoided: 0, ballotsCast: 0, ballotsValid: 0 }))).toBe('unknown');
  });
});

describe('individual interviews (个别谈话)', () => {
  it('needs 40 in a county and 20 in a city department (000_a43cfffc0fe01c15.txt), 30 in a village or community and all staff in a township department (003_43142c8fa1f20547.txt)', () => {
    expect(minimumInterviews({ kind: 'county', staffCount: null })).toBe(40);
    expect(minimumInterviews({ kind: 'city-dept', staffCount: null })).toBe(20);
    expect(minimumInterviews({ kind: 'village', staffCount: null })).toBe(30);
    expect(minimumInterviews({ kind: 'community', staffCount: null })).toBe(30);
    expect(minimumInterviews({ kind: 'township-dept', staffCount: 17 })).toBe(17);
    expect(minimumInterviews({ kind: 'other', staffCount: null })).toBeNull();
  });

  it('flags interviews below their minimum, and only once recorded', () => {
    const base = { minRespondents: 70, signedIn: 80, slipsIssued: 80, slipsVoided: 0, ballotsCast: 75, minInterviews: 30 };
    expect(codes(turnoutFlags({ ...base, interviews: 29 }))).toEqual(['INTERVIEWS_BELOW_MINIMUM']);
    expect(turnoutFlags({ ...base, interviews: 29 })[0]!.message).toBe('个别谈话 29 人，少于最低 30 人');
    expect(codes(turnoutFlags({ ...base, interviews: 30 }))).toEqual([]);
    expect(codes(turnoutFlags({ ...base, interviews: null }))).toEqual([]);
  });
});

describe('reconciliation', () => {
  it('flags more ballots than people signed in (the paper rule), in red, and asks for a check', () => {
    const f = exactFigures({ minRespondents: 70, signedIn: 72, interviews: null, minInterviews: null, slipsIssued: 90, slipsUsed: 73, slipsVoided: 2, ballotsCast: 73, ballotsValid: 73 });
    expect(codes(f.flags)).toEqual(['BALLOTS_EXCEED_SIGNED_IN']);
    expect(f.flags[0]!.message).toBe('投票数 73 超过签到人数 72，请核查');
    expect(verdictOf(f)).toBe('check');
    expect(codes(turnoutFlags({ minRespondents: 70, signedIn: 73, slipsIssued: 90, slipsVoided: 0, ballotsCast: 73 }))).toEqual([]);
  });

  it('holds ballots ≤ slips issued − voided, and flags a breach (which only tampering can cause)', () => {
    expect(slipsReconcile({ slipsIssued: 10, slipsVoided: 2, ballotsCast: 8 })).toBe(true);
    expect(slipsReconcile({ slipsIssued: 10, slipsVoided: 3, ballotsCast: 8 })).toBe(false);
    const flags = turnoutFlags({ minRespondents: 5, signedIn: null, slipsIssued: 10, slipsVoided: 3, ballotsCast: 8 });
    expect(codes(flags)).toEqual(['BALLOTS_EXCEED_SLIPS']);
  });
});

describe('coarsened live figures', () => {
  const figures = (cast: number, extra: Partial<ExactFigures> = {}): ExactFigures => ({
    minRespondents: 70,
    signedIn: 80,
    interviews: null,
    minInterviews: 30,
    slipsIssued: 90,
    slipsUsed: cast,
    slipsVoided: 3,
    ballotsCast: cast,
    ballotsValid: cast,
    ...extra,
  });

  it('moves the voter-driven counts only in steps of 5: one new ballot does not show', () => {
    expect(coarsenFigures(figures(0)).ballotsCast).toBe(0);
    expect(coarsenFigures(figures(1)).ballotsCast).toBe(0);
    expect(coarsenFigures(figures(4)).ballotsCast).toBe(0);
    expect(coarsenFigures(figures(5)).ballotsCast).toBe(5);
    expect(coarsenFigures(figures(68)).ballotsCast).toBe(65);
    expect(coarsenFigures(figures(68)).slipsUsed).toBe(65);
    expect(coarsenFigures(figures(68, { ballotsValid: 66 })).ballotsValid).toBe(65);
    // The team's own figures stay exact.
    expect(coarsenFigures(figures(68)).slipsIssued).toBe(90);
    expect(coarsenFigures(figures(68)).slipsVoided).toBe(3);
  });

  it('never reveals an exact count in its messages, but keeps the minimum and the red flags exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 0, max: 200 }), (cast, min, signedIn) => {
        const exact = figures(cast, { minRespondents: min, signedIn, slipsIssued: 400 });
        const c = coarsenFigures(exact);
        expect(c.ballotsCast % 5).toBe(0);
        expect(c.ballotsCast).toBeLessThanOrEqual(cast);
        expect(cast - c.ballotsCast).toBeLessThan(5);
        expect(c.meetsMinimum).toBe(cast >= min);
        expect(codes(c.flags)).toEqual(codes(exactFigures(exact).flags));
        const text = JSON.stringify(c.flags) + (c.voidStamp?.text ?? '');
        if (cast % 5 !== 0) expect(text).not.toMatch(new RegExp(`(^|\\D)${cast}(\\D|$)`));
        // A changing count only ever shows when it crosses a multiple of 5.
        expect(coarsenFigures(figures(cast + 1, { minRespondents: min, signedIn, slipsIssued: 400 })).ballotsCast === c.ballotsCast).toBe((cast + 1) % 5 !== 0);
      }),
    );
  });
});

describe('live tickets', () => {
  const secret = 'a-test-secret-of-some-length-0123456789';
  it('is accepted for its meeting until it expires, and refused when altered or for another meeting', () => {
    const { ticket, expiresAt } = signTicket(secret, 'meetingA', 'user1', 1_000_000);
    expect(expiresAt).toBe(1_060_000);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyTicket(secret, ticket, 'meetingA', 1_000_001)).toBe('user1');
    expect(verifyTicket(secret, ticket, 'meetingA', 1_060_000)).toBeNull();
    expect(verifyTicket(secret, ticket, 'meetingB', 1_000_001)).toBeNull();
    expect(verifyTicket('another-secret-another-secret-0000000', ticket, 'meetingA', 1_000_001)).toBeNull();
    const [body, mac] = ticket.split('.');
    const forged = Buffer.from(JSON.stringify({ m: 'meetingA', u: 'admin', e: 9e15 })).toString('base64url');
    expect(verifyTicket(secret, `${forged}.${mac}`, 'meetingA', 1_000_001)).toBeNull();
    expect(verifyTicket(secret, `${body}.${mac!.slice(0, -1)}A`, 'meetingA', 1_000_001)).toBeNull();
  });
});

describe('allSignedInVoted (全部签到人员已投票)', () => {
  const base = { minRespondents: 3, signedIn: 7, interviews: null, minInterviews: null, slipsIssued: 10, slipsUsed: 0, slipsVoided: 0, ballotsCast: 0, ballotsValid: 0 };
  it('is the exact equality of ballots and sign-in, and the coarsened view keeps it while rounding the counts', async () => {
    const { allSignedInVoted, coarsenFigures } = await import('../../src/domain/turnout.js');
    expect(allSignedInVoted({ signedIn: 7, ballotsCast: 6 })).toBe(false);
    expect(allSignedInVoted({ signedIn: 7, ballotsCast: 7 })).toBe(true);
    expect(allSignedInVoted({ signedIn: 7, ballotsCast: 8 })).toBe(false);
    expect(allSignedInVoted({ signedIn: null, ballotsCast: 0 })).toBe(false);
    expect(allSignedInVoted({ signedIn: 0, ballotsCast: 0 })).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 500 }), (cast, signedIn) => {
        const f = coarsenFigures({ ...base, signedIn, ballotsCast: cast, ballotsValid: cast, slipsUsed: cast, slipsIssued: 1000 });
        expect(f.allSignedInVoted).toBe(cast === signedIn);
        expect(f.ballotsCast % 5).toBe(0);
      }),
    );
  });
});
