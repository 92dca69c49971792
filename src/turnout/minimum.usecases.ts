// Setting another minimum than the meeting kind's rule: admins only, with a written reason that goes to the
// audit log and onto the closing report.
import type { Db } from '../db/client.js';
import { recordAudit } from '../audit/audit.repository.js';
import { loadMeeting, minimumOf } from '../meetings/meetings.usecases.js';
import { updateMeeting, type MeetingRecord } from '../meetings/meetings.repository.js';
import type { SessionUser } from '../plugins/auth.js';
import { conflict, unprocessable } from '../shared/errors.js';

export const MIN_REASON_LENGTH = 4;

/**
 * `minRespondents: null` returns to the rule of the meeting kind. Refused once the poll is closed: a closed
 * tally stamped 无效 loses the stamp only by reopening (with a reason) and getting more ballots, or by an
 * override made while the poll is open again, which is itself in the audit log and on the next report.
 */
export function setMinimum({ db }: { db: Db }, actor: SessionUser, meetingId: string, input: { minRespondents: number | null; reason: string }): MeetingRecord {
  const reason = input.reason.trim();
  if ([...reason].length < MIN_REASON_LENGTH) throw unprocessable('REASON_REQUIRED', `调整最低参评人数须写明理由（至少 ${MIN_REASON_LENGTH} 个字）`);
  db.transaction((tx) => {
    const rec = loadMeeting({ db: tx }, meetingId);
    if (rec.meeting.status === 'closed') throw conflict('MEETING_CLOSED', '测评已结束，不能再调整最低参评人数；如确需调整，请先重新开启测评并写明理由');
    if (input.minRespondents === null && rec.meeting.kind === 'other') throw unprocessable('MINIMUM_REQUIRED', '“其他”类会议须设定最低参评人数');
    const from = minimumOf(rec);
    updateMeeting({ db: tx }, meetingId, { minOverride: input.minRespondents, minOverrideReason: input.minRespondents === null ? null : reason });
    const to = minimumOf(loadMeeting({ db: tx }, meetingId));
    recordAudit({ db: tx }, { actor: actor.username, action: 'meeting.minimum', meetingId, detail: { from, to, override: input.minRespondents, reason, status: rec.meeting.status } });
  });
  return loadMeeting({ db }, meetingId);
}
