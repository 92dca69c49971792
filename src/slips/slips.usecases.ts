import type { Db } from '../db/client.js';
import { getOrCreateSecret } from '../db/settings.repository.js';
import { recordAudit } from '../audit/index.js';
import { LIVE_STEP, roundDown } from '../domain/turnout.js';
import { loadMeeting, updateMeeting } from '../meetings/index.js';
import type { SessionUser } from '../auth/index.js';
import { requireReason } from '../shared/reasons.js';
import { AppError, conflict, notFound, unprocessable } from '../shared/errors.js';
import { hmacHex, randomId, sha256Hex } from '../shared/ids.js';
import { formatShortCode, generateShortCode, generateToken, normaliseShortCode, type RandomBytes } from './codes.js';
import type { SlipSheetInfo } from './pdf.js';
import { batchesWithCounts, findBatch, findSlipByShortCodeHash, findSlipBySerial, insertBatch, nextSerial, slipsOfBatch, voidIssuedSlips, type SlipRow } from './slips.repository.js';

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

export function shortCodePepper({ db }: { db: Db }): string {
  return getOrCreateSecret({ db }, 'short-code-pepper');
}

export const hashToken = (token: string) => sha256Hex(token);
export const hashShortCode = (pepper: string, code: string) => hmacHex(pepper, code);

/**
 * Issues `count` one-time slips. The tokens and short codes are returned once, here, and are stored only
 * as hashes: nobody can print the same slip again or learn its token from the database.
 */
export function issueSlips(
  { db, publicUrl, random }: { db: Db; publicUrl: string; random?: RandomBytes },
  actor: SessionUser,
  meetingId: string,
  input: { count: number; category?: string },
  /** What the slips are printed as, for the audit log: slips, or paper ballots (seed 000). */
  purpose: 'slips' | 'paper-ballots' = 'slips',
): IssuedBatch {
  const pepper = shortCodePepper({ db });
  const batchId = randomId();
  let category: IssuedBatch['category'] = null;
  const issued: IssuedSlip[] = [];
  db.transaction((tx) => {
    const rec = loadMeeting({ db: tx }, meetingId);
    if (rec.meeting.status === 'closed') throw conflict('MEETING_CLOSED', '测评已结束，不能再发放测评票');
    if (input.category !== undefined) {
      const c = rec.categories.find((x) => x.key === input.category);
      if (!c) throw unprocessable('UNKNOWN_CATEGORY', `参评人员类别“${input.category}”不存在`);
      category = { key: c.key, label: c.label };
    } else if (rec.categories.length > 0) {
      throw unprocessable('CATEGORY_REQUIRED', '本次测评区分参评人员类别，请选择类别后再发放测评票');
    }
    const first = nextSerial({ db: tx }, meetingId);
    const rows = [];
    for (let i = 0; i < input.count; i++) {
      const token = generateToken(random);
      const shortCode = generateShortCode(random);
      const serial = first + i;
      issued.push({ token, url: `${publicUrl}/v/${token}`, shortCode: formatShortCode(shortCode), serial });
      rows.push({ tokenHash: hashToken(token), shortCodeHash: hashShortCode(pepper, shortCode), meetingId, batchId, category: input.category ?? null, serial });
    }
    insertBatch({ db: tx }, { id: batchId, meetingId, category: input.category ?? null, count: input.count, firstSerial: first, createdBy: actor.username }, rows);
    recordAudit({ db: tx }, { actor: actor.username, action: 'slips.issue', meetingId, detail: { batchId, count: input.count, category: input.category ?? null, firstSerial: first, purpose } });
  });
  return { batchId, meetingId, category, slips: issued };
}

/** What every printed slip of a batch shows besides its own codes. */
export function sheetInfo({ db, publicUrl }: { db: Db; publicUrl: string }, batch: IssuedBatch): SlipSheetInfo {
  const rec = loadMeeting({ db }, batch.meetingId);
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
  /** Slips of a voided batch that had been used: they stay used and counted. */
  usedKept: number;
}

/**
 * Voids lost or damaged slips, named by serial or short code, or a whole batch, in one transaction:
 * everything named is voided or nothing is. A slip that has voted cannot be voided (its ballot is counted
 * and cannot be found); naming one is an error, while a batch keeps its used slips as they are.
 */
export function voidSlips({ db }: { db: Db }, actor: SessionUser, meetingId: string, input: VoidRequest): VoidOutcome {
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
  return db.transaction((tx) => {
    const rec = loadMeeting({ db: tx }, meetingId);
    if (rec.meeting.status === 'closed') throw conflict('MEETING_CLOSED', '测评已结束，不能再作废测评票');
    const named = new Map<string, SlipRow>();
    for (const serial of input.serials ?? []) {
      const slip = findSlipBySerial({ db: tx }, meetingId, serial);
      if (!slip) throw new AppError(404, 'SLIP_NOT_FOUND', `本次测评没有编号为 ${serial} 的测评票`);
      named.set(slip.tokenHash, slip);
    }
    for (const code of codes) {
      const slip = findSlipByShortCodeHash({ db: tx }, hashShortCode(pepper, code));
      if (!slip || slip.meetingId !== meetingId) throw new AppError(404, 'SLIP_NOT_FOUND', `测评码 ${formatShortCode(code)} 不属于本次测评`);
      named.set(slip.tokenHash, slip);
    }
    const used = [...named.values()].filter((s) => s.status === 'used').map((s) => s.serial);
    if (used.length > 0) throw conflict('SLIP_USED', `编号 ${used.sort((a, b) => a - b).join('、')} 的测评票已经投票，不能作废（已投的票照常计入）`);
    const targets = [...named.values()];
    let usedKept = 0;
    if (input.batchId !== undefined) {
      const batch = findBatch({ db: tx }, input.batchId);
      if (!batch || batch.meetingId !== meetingId) throw notFound('该批次', 'BATCH_NOT_FOUND');
      for (const slip of slipsOfBatch({ db: tx }, batch.id)) {
        if (slip.status === 'used') usedKept++;
        else if (!named.has(slip.tokenHash)) targets.push(slip);
      }
    }
    const toVoid = targets.filter((s) => s.status === 'issued');
    const alreadyVoided = targets.filter((s) => s.status === 'voided').map((s) => s.serial).sort((a, b) => a - b);
    const voided = toVoid.map((s) => s.serial).sort((a, b) => a - b);
    if (toVoid.length > 0) {
      voidIssuedSlips({ db: tx }, toVoid.map((s) => s.tokenHash), reason);
      // The counts a tally shows (slips voided) changed.
      updateMeeting({ db: tx }, meetingId, {});
    }
    recordAudit({ db: tx }, { actor: actor.username, action: 'slips.void', meetingId, detail: { serials: voided, batchId: input.batchId ?? null, reason, usedKept } });
    return { voided, alreadyVoided, usedKept };
  });
}

export interface BatchView {
  batchId: string;
  category: { key: string; label: string } | null;
  count: number;
  firstSerial: number;
  lastSerial: number;
  createdAt: string;
  createdBy: string;
  used: number;
  voided: number;
}

/**
 * The slip batches of a meeting with their counts (never a token or code). While the poll is open the
 * used counts are rounded down to the live step, like the turnout screens (domain/turnout.ts, LIVE_STEP):
 * an exact count that moves when someone votes would tell who just did.
 */
export function listBatches({ db }: { db: Db }, meetingId: string): { coarsened: boolean; batches: BatchView[] } {
  return db.transaction((tx) => {
    const rec = loadMeeting({ db: tx }, meetingId);
    const coarsened = rec.meeting.status === 'open';
    const batches = batchesWithCounts({ db: tx }, meetingId).map(({ batch, used, voided }) => {
      const c = rec.categories.find((x) => x.key === batch.category);
      return {
        batchId: batch.id,
        category: c ? { key: c.key, label: c.label } : null,
        count: batch.count,
        firstSerial: batch.firstSerial,
        lastSerial: batch.firstSerial + batch.count - 1,
        createdAt: batch.createdAt,
        createdBy: batch.createdBy,
        used: coarsened ? roundDown(used, LIVE_STEP) : used,
        voided,
      };
    });
    return { coarsened, batches };
  });
}
