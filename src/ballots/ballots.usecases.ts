// The voter's side: reading a ballot form by token, and casting a ballot once.
import type { Conn, Db } from '../db/client.js';
import { decideBallot, type BallotSource } from '../domain/ballot.js';
import { allowedGradeCount, gradeChoices, nominationOptions, questionsForMeeting, subjectsFor, type FormTemplate, type SubjectRef } from '../domain/forms.js';
import type { FormCatalog } from '../forms/index.js';
import { isMeetingOpen, loadMeetingCached, meetingErrors, meetingForms, type MeetingRecord } from '../meetings/index.js';
import { conflict, notFound, unprocessable } from '../shared/errors.js';
import { randomId, sha256Hex } from '../shared/ids.js';
import { consumeSlip, findSlipByShortCodeHash, findSlipByTokenHash, hashShortCode, hashToken, normaliseShortCode, shortCodePepper, TOKEN_PATTERN, type SlipRow } from '../slips/index.js';
import type { BallotWriter } from './ballot-writer.js';
import { insertBallot } from './ballots.repository.js';

export const tokenUnknown = () => notFound('该测评票', 'TOKEN_UNKNOWN');
export const tokenUsed = () => conflict('TOKEN_USED', '该测评票已经投过票，每张票只能投一次');
export const tokenVoided = () => conflict('TOKEN_VOIDED', '该测评票已作废，请向考核组领取新票');

/**
 * Finds the slip for what the voter has: the token from the QR code, or the short code typed by hand.
 * Returns undefined when neither matches (the caller counts that as a failed guess).
 */
export function findSlip({ db }: { db: Db }, credential: string): SlipRow | undefined {
  if (TOKEN_PATTERN.test(credential)) return findSlipByTokenHash({ db }, hashToken(credential));
  const code = normaliseShortCode(credential);
  if (code === null) return undefined;
  return findSlipByShortCodeHash({ db }, hashShortCode(shortCodePepper({ db }), code));
}

function subjectRefs(rec: MeetingRecord): SubjectRef[] {
  return rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title }));
}

/** The form as the voter page shows it: only the questions this meeting asks, with its subjects. */
export function formForVoter(form: FormTemplate, subjects: readonly SubjectRef[]) {
  const questions = questionsForMeeting(form, subjects);
  return {
    id: form.id,
    title: form.title,
    description: form.description ?? null,
    questions: questions.map((q) => {
      const base = { id: q.id, type: q.type, text: q.text, required: q.required, section: q.section ?? null, help: q.help ?? null };
      switch (q.type) {
        case 'graded':
          return {
            ...base,
            scale: gradeChoices(form, q),
            ...(q.subjects ? { subjects: subjectsFor(q, subjects).map((s) => ({ id: s.id, name: s.name, title: s.title ?? null })) } : {}),
          };
        case 'single':
        case 'multiple':
          return { ...base, options: q.options, ...(q.maxChoices !== undefined ? { maxChoices: q.maxChoices } : {}) };
        case 'text':
          return { ...base, maxLength: q.maxLength };
        case 'nomination':
          return { ...base, options: nominationOptions(q, subjects), maxNominations: q.maxNominations, allowWriteIn: q.allowWriteIn };
      }
    }),
    rules: (form.rules ?? []).map((r) => ({
      id: r.id,
      grade: r.grade,
      message: r.message,
      policy: r.policy,
      questions: r.questions
        .map((qid) => questions.find((q) => q.id === qid))
        .filter((q) => q !== undefined && q.type === 'graded')
        .map((q) => ({ questionId: q!.id, maxCount: allowedGradeCount(r, subjectsFor(q as Extract<typeof q, { type: 'graded' }>, subjects).length) })),
    })),
  };
}

export function ballotView({ db, forms }: { db: Db; forms: FormCatalog }, credential: string) {
  const slip = findSlip({ db }, credential);
  if (!slip) throw tokenUnknown();
  if (slip.status === 'voided') throw tokenVoided();
  if (slip.status === 'used') throw tokenUsed();
  const rec = loadMeetingCached({ db }, slip.meetingId);
  // The voter's waiting page names the meeting (printed on the slip anyway): nothing about votes.
  if (rec.meeting.status !== 'open') throw meetingErrors.notOpen(rec.meeting.status, { title: rec.meeting.title, unit: rec.meeting.unit });
  const category = rec.categories.find((c) => c.key === slip.category);
  return {
    meeting: { title: rec.meeting.title, unit: rec.meeting.unit },
    category: category ? { key: category.key, label: category.label } : null,
    forms: voterForms(forms, rec),
  };
}

/** Every voter of a meeting gets the same forms: built once per cached meeting record (that is, per version). */
const formsByRecord = new WeakMap<MeetingRecord, ReturnType<typeof formForVoter>[]>();
function voterForms(forms: FormCatalog, rec: MeetingRecord): ReturnType<typeof formForVoter>[] {
  let built = formsByRecord.get(rec);
  if (!built) {
    const subjects = subjectRefs(rec);
    formsByRecord.set(rec, (built = meetingForms(forms, rec.meeting.formIds, rec.meeting.settings).map((f) => formForVoter(f, subjects))));
  }
  return built;
}

export type CastOutcome = { status: 'counted'; alreadyCounted: boolean; valid: boolean | null };

/**
 * Casts a ballot: the slip is consumed and the ballot stored in one transaction, or neither. The ballot
 * row gets a fresh random id and carries nothing of the slip: no token, no serial, no time.
 * `nonce`, chosen by the voter's phone, is kept (hashed) with the used slip only, so that a retry of a
 * submit that did reach us is told "counted" rather than "used", without linking slip and ballot.
 */
export async function castBallot(
  { db, forms, writer }: { db: Db; forms: FormCatalog; writer: BallotWriter },
  credential: string,
  body: { answers: unknown; nonce?: string },
  source: BallotSource = 'phone',
): Promise<CastOutcome> {
  const slip = findSlip({ db }, credential);
  if (!slip) throw tokenUnknown();
  const nonceHash = body.nonce ? sha256Hex(`nonce:${body.nonce}`) : null;
  if (slip.status === 'used') {
    if (nonceHash !== null && slip.nonceHash === nonceHash) return { status: 'counted', alreadyCounted: true, valid: null };
    throw tokenUsed();
  }
  if (slip.status === 'voided') throw tokenVoided();
  const rec = loadMeetingCached({ db }, slip.meetingId);
  if (rec.meeting.status !== 'open') throw meetingErrors.notOpen(rec.meeting.status);
  const decision = decideBallot({ forms: meetingForms(forms, rec.meeting.formIds, rec.meeting.settings), subjects: subjectRefs(rec) }, body.answers, source);
  if (decision.kind === 'refuse') throw unprocessable('INVALID_BALLOT', `选票未能提交：${decision.problems[0]?.message ?? '填写有误'}`, decision.problems);

  return writer.submit((tx: Conn) => {
    // Checked again inside the transaction: the poll may have closed, or a concurrent request used the slip.
    if (!isMeetingOpen({ db: tx }, slip.meetingId)) throw meetingErrors.notOpen('closed');
    if (!consumeSlip({ db: tx }, slip.tokenHash, nonceHash)) {
      const now = findSlipByTokenHash({ db: tx }, slip.tokenHash);
      if (now?.status === 'voided') throw tokenVoided();
      if (nonceHash !== null && now?.nonceHash === nonceHash) return { status: 'counted' as const, alreadyCounted: true, valid: null };
      throw tokenUsed();
    }
    insertBallot({ db: tx }, { id: randomId(16), meetingId: slip.meetingId, category: slip.category, source, answers: decision.answers, valid: decision.valid, breaches: decision.breaches });
    return { status: 'counted' as const, alreadyCounted: false, valid: decision.valid };
  });
}

