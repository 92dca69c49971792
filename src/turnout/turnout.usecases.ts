// Turnout: who may be counted against the minimum, and how many have voted. Exact figures for tallies, exports
// and reports; the live hub (live.ts) coarsens them for screens while a poll is open. Also the minimum override
// and the tickets that open the live event stream.
import { transaction, type Conn, type Db } from '../db/client.js';
import { getOrCreateSecret } from '../db/settings.repository.js';
import { LIMITS } from '../config.js';
import { exactFigures, minimumInterviews, slipsReconcile, type ExactFigures, type MinimumSource, type VoidStamp } from '../domain/turnout.js';
import type { Flag } from '../domain/tally.js';
import { recordAudit } from '../audit/index.js';
import { findUserById, type SessionUser } from '../auth/index.js';
import { ballotCounts } from '../ballots/index.js';
import { loadMeeting, meetingErrors, minimumDecision, minimumOf, updateMeeting, type MeetingRecord } from '../meetings/index.js';
import { countSlipRows } from '../slips/index.js';
import { requireReason } from '../shared/reasons.js';
import { turnoutErrors } from './turnout.errors.js';
import { signTicket, verifyTicket } from './tickets.js';

export interface Turnout {
  status: 'draft' | 'open' | 'closed';
  signedIn: number | null;
  interviews: number | null;
  /** Interviews required (个别谈话: 40 / 20 / 30, seeds 000 and 003), null when the kind has no rule. */
  minInterviews: number | null;
  minRespondents: number | null;
  minimumSource: MinimumSource;
  /** The rule that set the minimum, in Chinese (the document by its title). */
  minimumRule: string;
  minOverrideReason: string | null;
  slipsIssued: number;
  slipsUsed: number;
  slipsVoided: number;
  ballotsCast: number;
  ballotsValid: number;
  meetsMinimum: boolean;
  /** 全部签到人员已投票: exact ballots cast = the sign-in count (domain/turnout.ts, allSignedInVoted). */
  allSignedInVoted: boolean;
  /** Ballots ≤ slips issued − voided (always true unless the data were tampered with). */
  reconciles: boolean;
  /** The 无效 stamp, present whenever ballots cast are below the minimum. */
  voidStamp: VoidStamp | null;
  /** True when the counts are the coarsened live figures of an open poll (see README, "Live progress"). */
  coarsened: boolean;
  flags: Flag[];
}

/** The exact counts of a meeting, before flags. Read them inside one transaction with anything they must agree with. */
export async function exactCounts({ db }: { db: Conn }, rec: MeetingRecord): Promise<ExactFigures> {
  // Issued and voided from the slip rows; used, cast and valid from the ballot box (no slip row says it voted).
  const slipCounts = await countSlipRows({ db }, rec.meeting.id);
  const b = await ballotCounts({ db }, rec.meeting.id);
  return {
    minRespondents: minimumOf(rec),
    signedIn: rec.meeting.signedIn,
    interviews: rec.meeting.interviews,
    minInterviews: minimumInterviews({ kind: rec.meeting.kind, staffCount: rec.meeting.staffCount }),
    slipsIssued: slipCounts.issued,
    slipsUsed: b.used,
    slipsVoided: slipCounts.voided,
    ballotsCast: b.cast,
    ballotsValid: b.valid,
  };
}

/** Assembles the turnout view from figures already flagged (exact, or coarsened by src/turnout/live.ts). */
export function turnoutView(rec: MeetingRecord, f: ReturnType<typeof exactFigures>, coarsened: boolean): Turnout {
  const m = rec.meeting;
  return {
    status: m.status,
    signedIn: f.signedIn,
    interviews: f.interviews,
    minInterviews: f.minInterviews,
    minRespondents: f.minRespondents,
    minimumSource: minimumDecision(rec).source,
    minimumRule: minimumDecision(rec).rule,
    minOverrideReason: m.minOverride !== null ? m.minOverrideReason : null,
    slipsIssued: f.slipsIssued,
    slipsUsed: f.slipsUsed,
    slipsVoided: f.slipsVoided,
    ballotsCast: f.ballotsCast,
    ballotsValid: f.ballotsValid,
    meetsMinimum: f.meetsMinimum,
    allSignedInVoted: f.allSignedInVoted,
    reconciles: slipsReconcile(f),
    voidStamp: f.voidStamp,
    coarsened,
    flags: f.flags,
  };
}

/** The exact turnout: for tallies, exports and reports. Screens of an open poll use the coarsened one. */
export async function turnoutOf({ db }: { db: Conn }, rec: MeetingRecord): Promise<Turnout> {
  return turnoutView(rec, exactFigures(await exactCounts({ db }, rec)), false);
}

/**
 * `minRespondents: null` returns to the rule of the meeting kind. Refused once the poll is closed: a closed
 * tally stamped 无效 loses the stamp only by reopening (with a reason) and getting more ballots, or by an
 * override made while the poll is open again, which is itself in the audit log and on the next report.
 */
export async function setMinimum({ db }: { db: Db }, actor: SessionUser, meetingId: string, input: { minRespondents: number | null; reason: string }): Promise<MeetingRecord> {
  const reason = requireReason(input.reason, '调整最低参评人数');
  await transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, meetingId);
    if (rec.meeting.status === 'closed') throw meetingErrors.closed('调整最低参评人数');
    if (input.minRespondents === null && rec.meeting.kind === 'other') throw turnoutErrors.minimumRequired();
    const from = minimumOf(rec);
    await updateMeeting({ db: tx }, meetingId, { minOverride: input.minRespondents, minOverrideReason: input.minRespondents === null ? null : reason });
    const to = minimumOf(await loadMeeting({ db: tx }, meetingId));
    await recordAudit({ db: tx }, { actor: actor.username, action: 'meeting.minimum', meetingId, detail: { from, to, override: input.minRespondents, reason, status: rec.meeting.status } });
  });
  return loadMeeting({ db }, meetingId);
}

/** The key that signs live tickets: made once, kept with the other settings. */
export const liveTicketSecret = ({ db }: { db: Db }): string => getOrCreateSecret({ db }, 'live-ticket-secret');

/** A one-minute ticket to open the meeting's live stream (EventSource cannot send a bearer token). */
export async function issueLiveTicket({ db, secret }: { db: Db; secret: string }, user: SessionUser, meetingId: string) {
  await loadMeeting({ db }, meetingId);
  const { ticket, expiresAt } = signTicket(secret, meetingId, user.id);
  return { ticket, expiresAt: new Date(expiresAt).toISOString(), streamUrl: `/api/meetings/${meetingId}/live?ticket=${ticket}` };
}

/**
 * Checks a ticket before a live stream opens: valid and unexpired, for this meeting, of a user who still exists,
 * is enabled and may see the meeting. Throws TICKET_INVALID (or the meeting's 404) otherwise.
 */
export async function authoriseLiveStream(
  { db, secret, assertAccess, spent = spentTickets }: { db: Db; secret: string; assertAccess: (user: SessionUser, meetingId: string) => Promise<void> | void; spent?: SpentTickets },
  ticket: string,
  meetingId: string,
): Promise<void> {
  const userId = verifyTicket(secret, ticket, meetingId);
  if (userId === null) throw turnoutErrors.badTicket();
  const user = await findUserById({ db }, userId);
  if (!user || user.disabled) throw turnoutErrors.badTicket();
  await assertAccess({ id: user.id, username: user.username, role: user.role }, meetingId);
  await loadMeeting({ db }, meetingId);
  // One stream per ticket: a ticket copied from a screen or a proxy log opens nothing more.
  if (!spent.spend(ticket)) throw turnoutErrors.badTicket();
}

/**
 * Tickets already used to open a stream, kept until they expire (a minute). In this process's memory: with
 * several instances behind a proxy a ticket could open one stream per instance, at most, within its minute.
 */
export class SpentTickets {
  private readonly until = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}
  /** False when the ticket was spent already; otherwise marks it spent. */
  spend(ticket: string): boolean {
    const t = this.now();
    for (const [k, exp] of this.until) if (exp <= t) this.until.delete(k);
    if (this.until.has(ticket)) return false;
    this.until.set(ticket, t + LIMITS.live.ticketTtlMs);
    return true;
  }
}
const spentTickets = new SpentTickets();
