import type { Db } from '../db/client.js';
import { getOrCreateSecret } from '../db/settings.repository.js';
import { recordAudit } from '../audit/audit.repository.js';
import { loadMeeting } from '../meetings/meetings.usecases.js';
import type { SessionUser } from '../plugins/auth.js';
import { conflict, unprocessable } from '../shared/errors.js';
import { hmacHex, randomId, sha256Hex } from '../shared/ids.js';
import { formatShortCode, generateShortCode, generateToken, type RandomBytes } from './codes.js';
import { insertBatch, nextSerial } from './slips.repository.js';

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
    recordAudit({ db: tx }, { actor: actor.username, action: 'slips.issue', meetingId, detail: { batchId, count: input.count, category: input.category ?? null, firstSerial: first } });
  });
  return { batchId, meetingId, category, slips: issued };
}
