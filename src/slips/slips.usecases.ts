import { randomInt } from 'node:crypto';
import { transaction, type Db } from '../db/client.js';
import { recordAudit } from '../audit/index.js';
import { loadMeeting, minimumOf, updateMeeting } from '../meetings/index.js';
import { LIMITS } from '../config.js';
import type { SessionUser } from '../auth/index.js';
import { requireReason } from '../shared/reasons.js';
import { AppError, conflict, notFound, unprocessable } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import { formatShortCode, generateShortCode, generateToken, normaliseShortCode, type RandomBytes } from './codes.js';
import { hashShortCode, hashToken, markerKey, shortCodePepper, wrapToken } from './credentials.js';
import type { SlipSheetInfo } from './pdf.js';
import {
  batchesWithCounts,
  findBatch,
  findSlipByShortCodeHash,
  findSlipBySerial,
  insertBatch,
  insertPendingMarkers,
  nextSerial,
  slipsOfBatch,
  voidSlipRows,
  type SlipRow,
} from './slips.repository.js';

export interface IssuedSlip {
  token: string;
  url: string;
  shortCode: string;
  serial: number;
}

export interface IssuedBatch {
  batchId: string;
  meetingId: string;
  category: { key: string; label: string } | null;
  slips: IssuedSlip[];
}

/**
 * Issues `count` one-time slips. The tokens and short codes are returned once, here, and are stored only
 * as hashes: nobody can print the same slip again or learn its token from the database. Each slip's "used"
 * marker is left, in a random order within the batch, for the ballot box to take in (src/slips/credentials.ts).
 */
export async function issueSlips(
  { db, publicUrl, random }: { db: Db; publicUrl: string; random?: RandomBytes },
  actor: SessionUser,
  meetingId: string,
  input: { count: number; category?: string; reason?: string },
  /** What the slips are printed as, for the audit log: slips, or paper ballots (seed 000). */
  purpose: 'slips' | 'paper-ballots' = 'slips',
): Promise<IssuedBatch> {
  const pepper = shortCodePepper({ db });
  const batchId = randomId();
  let category: IssuedBatch['category'] = null;
  const issued: IssuedSlip[] = [];
  await transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, meetingId);
    if (rec.meeting.status === 'closed') throw conflict('MEETING_CLOSED', '测评已结束，不能再发放测评票');
    if (input.category !== undefined) {
      const c = rec.categories.find((x) => x.key === input.category);
      if (!c) throw unprocessable('UNKNOWN_CATEGORY', `参评人员类别“${input.category}”不存在`);
      category = { key: c.key, label: c.label };
    } else if (rec.categories.length > 0) {
      throw unprocessable('CATEGORY_REQUIRED', '本次测评区分参评人员类别，请选择类别后再发放测评票');
    }
    const first = await nextSerial({ db: tx }, meetingId);
    // A cap per meeting: a multiple of the people who may vote, beyond which a written reason is required.
    const people = Math.max(rec.meeting.signedIn ?? 0, minimumOf(rec) ?? 0, rec.meeting.staffCount ?? 0);
    const cap = Math.max(LIMITS.slipsPerPerson * people, LIMITS.slipsFloor);
    const total = first - 1 + input.count;
    const overCap = total > cap;
    const why = overCap ? requireReason(input.reason, `本次会议的测评票将达到 ${total} 张，超过参评人数的 ${LIMITS.slipsPerPerson} 倍（${cap} 张），发放`) : null;
    const rows = [];
    const markers = [];
    for (let i = 0; i < input.count; i++) {
      const token = generateToken(random);
      const shortCode = generateShortCode(random);
      const serial = first + i;
      issued.push({ token, url: `${publicUrl}/v/${token}`, shortCode: formatShortCode(shortCode), serial });
      rows.push({ tokenHash: hashToken(token), shortCodeHash: hashShortCode(pepper, shortCode), tokenWrap: wrapToken(pepper, shortCode, token), meetingId, batchId, category: input.category ?? null, serial });
      markers.push({ markerKey: markerKey(token).toString('hex'), meetingId, batchId });
    }
    // Serial order must not reach the markers' order.
    for (let i = markers.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [markers[i], markers[j]] = [markers[j]!, markers[i]!];
    }
    await insertBatch({ db: tx }, { id: batchId, meetingId, category: input.category ?? null, count: input.count, firstSerial: first, createdBy: actor.username }, rows);
    await insertPendingMarkers({ db: tx }, markers);
    await recordAudit({ db: tx }, { actor: actor.username, action: 'slips.issue', meetingId, detail: { batchId, count: input.count, category: input.category ?? null, firstSerial: first, purpose, ...(why ? { overCap: cap, reason: why } : {}) } });
  });
  return { batchId, meetingId, category, slips: issued };
}

/** What every printed slip of a batch shows besides its own codes. */
export async function sheetInfo({ db, publicUrl }: { db: Db; publicUrl: string }, batch: IssuedBatch): Promise<SlipSheetInfo> {
  const rec = await loadMeeting({ db }, batch.meetingId);
  return { title: rec.meeting.title, unit: rec.meeting.unit, category: batch.category?.label ?? null, publicUrl };
}

export interface VoidRequest {
  serials?: number[];
  shortCodes?: string[];
  batchId?: string;
  reason: string;
}

export interface VoidOutcome {
  /** Serials voided by this request. */
  voided: number[];
  /** Serials that were voided already (voiding twice changes nothing). */
  alreadyVoided: number[];
  /**
   * Always 0: the server cannot tell from a serial whether a slip has voted (its marker names no slip), so a
   * void answers the same either way. A slip that had voted stays counted: its ballot cannot be found.
   */
  usedKept: number;
}

/**
 * Voids lost or damaged slips, named by serial or short code, or a whole batch, in one transaction:
 * everything named is voided or nothing is. A voided slip can no longer vote. Whether a slip had already
 * voted is not known here (nothing links a slip row to its marker), so the answer is the same for a used and
 * an unused slip, and a ballot already cast stays counted.
 */
export async function voidSlips({ db }: { db: Db }, actor: SessionUser, meetingId: string, input: VoidRequest): Promise<VoidOutcome> {
  const reason = requireReason(input.reason, '作废测评票');
  if (!input.serials?.length && !input.shortCodes?.length && input.batchId === undefined) {
    throw unprocessable('NOTHING_TO_VOID', '请指定要作废的测评票：编号、测评码或批次');
  }
  const codes = (input.shortCodes ?? []).map((raw) => {
    const code = normaliseShortCode(raw);
    if (code === null) throw unprocessable('INVALID_SHORT_CODE', `测评码“${raw.slice(0, 20)}”格式不正确，请核对`);
    return code;
  });
  const pepper = codes.length > 0 ? shortCodePepper({ db }) : '';
  return transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, meetingId);
    if (rec.meeting.status === 'closed') throw conflict('MEETING_CLOSED', '测评已结束，不能再作废测评票');
    const named = new Map<string, SlipRow>();
    for (const serial of input.serials ?? []) {
      const slip = await findSlipBySerial({ db: tx }, meetingId, serial);
      if (!slip) throw new AppError(404, 'SLIP_NOT_FOUND', `本次测评没有编号为 ${serial} 的测评票`);
      named.set(slip.tokenHash, slip);
    }
    for (const code of codes) {
      const slip = await findSlipByShortCodeHash({ db: tx }, hashShortCode(pepper, code));
      if (!slip || slip.meetingId !== meetingId) throw new AppError(404, 'SLIP_NOT_FOUND', `测评码 ${formatShortCode(code)} 不属于本次测评`);
      named.set(slip.tokenHash, slip);
    }
    const targets = [...named.values()];
    const usedKept = 0;
    if (input.batchId !== undefined) {
      const batch = await findBatch({ db: tx }, input.batchId);
      if (!batch || batch.meetingId !== meetingId) throw notFound('该批次', 'BATCH_NOT_FOUND');
      for (const slip of await slipsOfBatch({ db: tx }, batch.id)) if (!named.has(slip.tokenHash)) targets.push(slip);
    }
    const toVoid = targets.filter((s) => s.status !== 'voided');
    const alreadyVoided = targets.filter((s) => s.status === 'voided').map((s) => s.serial).sort((a, b) => a - b);
    const voided = toVoid.map((s) => s.serial).sort((a, b) => a - b);
    if (toVoid.length > 0) {
      await voidSlipRows({ db: tx }, toVoid.map((s) => s.tokenHash), reason);
      // The counts a tally shows (slips voided) changed.
      await updateMeeting({ db: tx }, meetingId, {});
    }
    await recordAudit({ db: tx }, { actor: actor.username, action: 'slips.void', meetingId, detail: { serials: voided, batchId: input.batchId ?? null, reason, usedKept } });
    return { voided, alreadyVoided, usedKept };
  });
}

/** The slip batches of a meeting with their exact issue and void counts (never a token or code). */
export function slipBatches({ db }: { db: Db }, meetingId: string) {
  return transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, meetingId);
    return (await batchesWithCounts({ db: tx }, meetingId)).map(({ batch, voided }) => {
      const c = rec.categories.find((x) => x.key === batch.category);
      return {
        batchId: batch.id,
        category: c ? { key: c.key, label: c.label } : null,
        count: batch.count,
        firstSerial: batch.firstSerial,
        lastSerial: batch.firstSerial + batch.count - 1,
        createdAt: batch.createdAt,
        createdBy: batch.createdBy,
        voided,
      };
    });
  });
}
