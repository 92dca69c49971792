// The voter's side: reading a ballot form by token, and casting a ballot once.
import { hash } from 'node:crypto';
import type { Db } from '../db/client.js';
import { decideBallot, type BallotSource, type MeetingForms } from '../domain/ballot.js';
import { BallotRecordError, type BallotLayout } from '../domain/ballot-record.js';
import { allowedGradeCount, gradeChoices, nominationOptions, questionsForMeeting, subjectsFor, type FormTemplate, type SubjectRef } from '../domain/forms.js';
import type { FormCatalog } from '../forms/index.js';
import { cachedMeetingAt, loadMeetingCached, meetingErrors, meetingForms, type MeetingRecord } from '../meetings/index.js';
import { AppError, conflict, notFound, unprocessable } from '../shared/errors.js';
import { findSlipByCredential, findSlipWithMeetingVersionNow, type SlipRef } from '../slips/index.js';
import type { BallotBox } from './box.js';
import { encodeCompact, recordSizeFor, storedLayout, type StoredBallot } from './ballot-record.js';

export const tokenUnknown = () => notFound('该测评票', 'TOKEN_UNKNOWN');
export const tokenUsed = () => conflict('TOKEN_USED', '该测评票已经投过票，每张票只能投一次');
export const tokenVoided = () => conflict('TOKEN_VOIDED', '该测评票已作废，请向考核组领取新票');

/** The slip for a token or short code (slips' public lookup; the main database only). */
export function findSlip({ db }: { db: Db }, credential: string): Promise<SlipRef | undefined> {
  return findSlipByCredential({ db }, credential);
}

/**
 * A slip and its meeting's record (null for a voided slip) from one snapshot, read by one statement: where the slips
 * module can answer that way (SQLite, a QR token, no transaction open) and the meeting's record is cached at the
 * version read. Undefined otherwise: the caller reads the usual way, in a read transaction.
 */
function slipAndMeetingNow({ db }: { db: Db }, credential: string): { slip: SlipRef; rec: MeetingRecord | null } | undefined {
  const found = findSlipWithMeetingVersionNow({ db }, credential);
  if (!found) return undefined;
  if (found.slip.voided) return { slip: found.slip, rec: null };
  const rec = cachedMeetingAt({ db }, found.slip.meetingId, found.meetingVersion);
  return rec && { slip: found.slip, rec };
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

/**
 * A slip's form, once the slip may vote: the meeting record it was read from (so at one version) and the slip's
 * category. Everything in the form follows from these three (the form catalogue is fixed at start), which is what
 * lets the route keep the serialised form per (meeting, version, category).
 */
export interface SlipForm {
  rec: MeetingRecord;
  category: { key: string; label: string } | null;
}

export async function openSlipForm({ db, box }: { db: Db; box: BallotBox }, credential: string): Promise<SlipForm> {
  const now = slipAndMeetingNow({ db }, credential);
  const slip = now?.slip ?? (await findSlip({ db }, credential));
  if (!slip) throw tokenUnknown();
  if (slip.voided) throw tokenVoided();
  // The box's thread is asked only when the slip may have voted: it may be busy writing a group (its fsyncs).
  if (box.mayHaveVoted(slip.markerKey) && (await box.marker(slip.markerKey))?.used) throw tokenUsed();
  const rec = now?.rec ?? (await loadMeetingCached({ db }, slip.meetingId));
  // The voter's waiting page names the meeting (printed on the slip anyway): nothing about votes.
  if (rec.meeting.status !== 'open') throw meetingErrors.notOpen(rec.meeting.status, { title: rec.meeting.title, unit: rec.meeting.unit });
  const category = rec.categories.find((c) => c.key === slip.category);
  return { rec, category: category ? { key: category.key, label: category.label } : null };
}

/** The form as the voter page gets it (BallotFormView). */
export function ballotFormView(forms: FormCatalog, { rec, category }: SlipForm) {
  return {
    meeting: { title: rec.meeting.title, unit: rec.meeting.unit },
    category,
    forms: voterForms(forms, rec),
  };
}

export async function ballotView({ db, forms, box }: { db: Db; forms: FormCatalog; box: BallotBox }, credential: string) {
  return ballotFormView(forms, await openSlipForm({ db, box }, credential));
}

/**
 * A meeting's forms (with its settings) and subjects, built once per cached meeting record (that is, per version):
 * what its voter forms, its ballots' checks (decideBallot keeps its plan per object) and its record size derive from.
 */
const formsOfRecord = new WeakMap<MeetingRecord, MeetingForms>();
function formsOf(forms: FormCatalog, rec: MeetingRecord): MeetingForms {
  let meeting = formsOfRecord.get(rec);
  if (!meeting) formsOfRecord.set(rec, (meeting = { forms: meetingForms(forms, rec.meeting.formIds, rec.meeting.settings), subjects: subjectRefs(rec) }));
  return meeting;
}

/** Every voter of a meeting gets the same forms: built once per cached meeting record. */
const voterFormsByRecord = new WeakMap<MeetingRecord, ReturnType<typeof formForVoter>[]>();
function voterForms(forms: FormCatalog, rec: MeetingRecord): ReturnType<typeof formForVoter>[] {
  let built = voterFormsByRecord.get(rec);
  if (!built) {
    const meeting = formsOf(forms, rec);
    voterFormsByRecord.set(rec, (built = meeting.forms.map((f) => formForVoter(f, meeting.subjects))));
  }
  return built;
}

export type CastOutcome = { status: 'counted'; alreadyCounted: boolean; valid: boolean | null };

/**
 * How a meeting's ballots are recorded, worked out once per cached meeting record (that is, per version): the
 * compact record of the layout frozen at its first open, or, for a meeting opened before layouts were frozen,
 * the older JSON record (its slots already have that size).
 */
type Recording = { layout: BallotLayout; categories: string[]; size: number } | { layout: null; size: number };
const recordingByRecord = new WeakMap<MeetingRecord, Recording>();
function recording(forms: FormCatalog, rec: MeetingRecord): Recording {
  let r = recordingByRecord.get(rec);
  if (!r) {
    const layout = storedLayout(rec.meeting.ballotLayout);
    r = layout
      ? { layout, categories: rec.categories.map((c) => c.key), size: layout.recordSize }
      : { layout: null, size: recordSizeFor(formsOf(forms, rec).forms, formsOf(forms, rec).subjects) };
    recordingByRecord.set(rec, r);
  }
  return r;
}

function compactRecord(r: Extract<Recording, { layout: BallotLayout }>, ballot: StoredBallot): Buffer {
  try {
    return encodeCompact(r.layout, r.categories, ballot);
  } catch (err) {
    if (err instanceof BallotRecordError) throw new AppError(422, err.code, `选票未能提交：${err.message}`);
    throw err;
  }
}

/**
 * Casts a ballot: the slip's marker is flipped and the ballot written into a random empty slot of the ballot
 * box in one transaction, or neither. The ballot carries nothing of the slip: no token, no serial, no time.
 * `nonce`, chosen by the voter's phone, is kept (hashed) in the slip's marker only, so that a retry of a
 * submit that did reach us is told "counted" rather than "used".
 */
export async function castBallot(
  { db, forms, writer }: { db: Db; forms: FormCatalog; writer: BallotBox },
  credential: string,
  body: { answers: unknown; nonce?: string },
  source: BallotSource = 'phone',
): Promise<CastOutcome> {
  // The slip and its meeting, read as the box needs them (BallotBox.readBeforeCast): on SQLite from one snapshot, so
  // that the meeting's version read here vouches, at the group's guard, that neither a void nor a close has come since
  // (both bump it in their own transaction). Usually one statement gives that snapshot (slipAndMeetingNow).
  const found =
    slipAndMeetingNow({ db }, credential) ??
    (await writer.readBeforeCast(async () => {
      const slip = await findSlip({ db }, credential);
      return slip && { slip, rec: slip.voided ? null : await loadMeetingCached({ db }, slip.meetingId) };
    }));
  if (!found) throw tokenUnknown();
  const { slip } = found;
  const nonceHash = body.nonce ? hash('sha256', `nonce:${body.nonce}`, 'buffer') : null;
  // A slip that has voted is told so before anything else (a retry of a counted submit is "counted" even after
  // the poll closed). On the usual path the box answers that with the write itself; only a refusal asks first.
  const refuse = async (error: AppError): Promise<CastOutcome> => {
    const marker = await writer.marker(slip.markerKey);
    if (marker?.used) {
      if (nonceHash !== null && marker.nonceHash?.equals(nonceHash)) return { status: 'counted', alreadyCounted: true, valid: null };
      throw tokenUsed();
    }
    throw error;
  };
  const rec = found.rec;
  if (slip.voided || !rec) return refuse(tokenVoided());
  if (rec.meeting.status !== 'open') return refuse(meetingErrors.notOpen(rec.meeting.status));
  const decision = decideBallot(formsOf(forms, rec), body.answers, source);
  if (decision.kind === 'refuse') return refuse(unprocessable('INVALID_BALLOT', `选票未能提交：${decision.problems[0]?.message ?? '填写有误'}`, decision.problems));
  return submitBallot({ db, forms, writer }, slip, rec, nonceHash, { category: slip.category, source, answers: decision.answers, valid: decision.valid, breaches: decision.breaches });
}

async function submitBallot(
  { db, forms, writer }: { db: Db; forms: FormCatalog; writer: BallotBox },
  slip: SlipRef,
  rec: MeetingRecord,
  nonceHash: Buffer | null,
  ballot: StoredBallot,
): Promise<CastOutcome> {
  const how = recording(forms, rec);
  const out = await writer.submit({
    meetingId: slip.meetingId,
    markerKey: slip.markerKey,
    nonceHash,
    recordSize: how.size,
    ...(how.layout ? { headSize: how.layout.headSize } : {}),
    ballot,
    ...(how.layout ? { record: compactRecord(how, ballot) } : {}),
    // Checked again just before the write: the poll may have closed, or the slip been voided, meanwhile.
    guard: { seenVersion: rec.meeting.version, slipRef: slip.ref },
  });
  switch (out.kind) {
    case 'stored':
      return { status: 'counted', alreadyCounted: false, valid: out.valid };
    case 'used':
      if (out.nonceMatches) return { status: 'counted', alreadyCounted: true, valid: null };
      throw tokenUsed();
    case 'unknown':
      throw tokenUnknown();
    case 'closed':
      throw meetingErrors.notOpen('closed');
    case 'voided':
      throw tokenVoided();
  }
}
