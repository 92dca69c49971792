// Paper ballots (seed 000_a43cfffc0fe01c15.txt: 会前提前发卷、无记名分散填卷、会上集中收卷): printing the
// questionnaire with a slip of its own, and keying a collected sheet in under that slip's code.
import type { Db } from '../db/client.js';
import { castBallot, findSlip, formForVoter, type BallotWriter, type CastOutcome } from '../ballots/index.js';
import type { FormCatalog } from '../forms/index.js';
import { loadMeeting, meetingForms } from '../meetings/index.js';
import type { SessionUser } from '../auth/index.js';
import { AppError } from '../shared/errors.js';
import { issueSlips, sheetInfo, type IssuedBatch, type SlipSheetInfo } from '../slips/index.js';
import type { PaperForm } from './paper-pdf.js';
import { paperErrors } from './paper.errors.js';

/** The questionnaire of a meeting as printed on paper and as the key-in page shows it (the voter's view). */
export async function paperForms({ db, forms }: { db: Db; forms: FormCatalog }, meetingId: string): Promise<{ meeting: { title: string; unit: string }; forms: PaperForm[] }> {
  const rec = await loadMeeting({ db }, meetingId);
  const subjects = rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title }));
  return {
    meeting: { title: rec.meeting.title, unit: rec.meeting.unit },
    forms: meetingForms(forms, rec.meeting.formIds, rec.meeting.settings).map((f) => formForVoter(f, subjects)),
  };
}

/**
 * Issues the slips of `count` paper ballots exactly as issueSlips does (one transaction, hashes only) and
 * returns what the PDF needs. The forms are read first, so a broken form catalogue issues nothing.
 */
export async function issuePaperBallots(
  { db, forms, publicUrl }: { db: Db; forms: FormCatalog; publicUrl: string },
  actor: SessionUser,
  meetingId: string,
  input: { count: number; category?: string },
): Promise<{ batch: IssuedBatch; info: SlipSheetInfo; forms: PaperForm[] }> {
  const questionnaire = await paperForms({ db, forms }, meetingId);
  const batch = await issueSlips({ db, publicUrl }, actor, meetingId, input, 'paper-ballots');
  return { batch, info: await sheetInfo({ db, publicUrl }, batch), forms: questionnaire.forms };
}

/**
 * Keys in a collected paper ballot under its code (short code or token). It is cast like a phone ballot,
 * through castBallot with source 'paper': recorded as written (blanks stay blank, a rule breach marks it
 * invalid instead of refusing it), and the slip is used up, so the same code never counts twice.
 */
export async function keyInPaperBallot(
  deps: { db: Db; forms: FormCatalog; writer: BallotWriter },
  meetingId: string,
  input: { code: string; answers: unknown },
): Promise<CastOutcome> {
  await loadMeeting({ db: deps.db }, meetingId);
  const slip = await findSlip({ db: deps.db }, input.code.trim());
  if (!slip || slip.meetingId !== meetingId) throw paperErrors.codeNotFound();
  try {
    return await castBallot(deps, input.code.trim(), { answers: input.answers }, 'paper');
  } catch (err) {
    if (err instanceof AppError && err.code === 'TOKEN_USED') throw paperErrors.alreadyCounted();
    throw err;
  }
}
