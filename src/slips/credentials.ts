// The secrets of a slip and everything derived from them. Private to slips: other modules use index.ts.
//
// A slip carries two credentials, the token in the QR code and the short code typed by hand; either casts the
// same one ballot. Its "used" marker lives in the ballot box (src/ballots/) under a key derived from the token,
// which the database never holds: from a slip row nobody can compute the key of its marker, so a used marker
// names no slip. The short code reaches the same key through `token_wrap`, the token masked with a pad that only
// the short code (and the server's pepper) can rebuild.
import { createHash, createHmac, hash } from 'node:crypto';
import { engineOf, sqliteClient, type Conn } from '../db/client.js';
import { getOrCreateSecret } from '../db/settings.repository.js';
import { hmacHex, sha256Hex } from '../shared/ids.js';
import { normaliseShortCode, TOKEN_PATTERN } from './codes.js';
import { findSlipByShortCodeHash, findSlipByTokenHash, slipByTokenHashNow, slipWithMeetingVersionNow, type SlipKeyRow } from './slips.repository.js';

export function shortCodePepper({ db }: { db: Conn }): string {
  return getOrCreateSecret({ db }, 'short-code-pepper');
}

export const hashToken = (token: string) => sha256Hex(token);
export const hashShortCode = (pepper: string, code: string) => hmacHex(pepper, code);

/** Bytes of a marker key: 128 bits, plenty against collisions among any number of slips. */
export const MARKER_KEY_BYTES = 16;

/** The key of a slip's "used" marker, derived from its token (domain-separated from the stored token hash). */
export function markerKey(token: string): Buffer {
  // The hash of the prefix followed by the token (as two updates of one Hash would give), in one call.
  return hash('sha256', `ceping/used-marker/v1\0${token}`, 'buffer').subarray(0, MARKER_KEY_BYTES);
}

/**
 * The marker key of a slip issued before markers existed: its token was never stored, so the key can only come
 * from the row itself. Such slips stay as linkable as they always were (docs/security.md, "Upgrading").
 */
export function legacyMarkerKey(tokenHash: string): Buffer {
  return createHash('sha256').update('ceping/used-marker/legacy\0').update(tokenHash).digest().subarray(0, MARKER_KEY_BYTES);
}

function pad(pepper: string, code: string): Buffer {
  return createHmac('sha256', pepper).update('ceping/token-wrap/v1\0').update(code).digest();
}

/** The token masked with a pad only its short code rebuilds (each code is unique, so each pad is used once). */
export function wrapToken(pepper: string, code: string, token: string): string {
  const t = Buffer.from(token, 'base64url');
  const p = pad(pepper, code);
  for (let i = 0; i < t.length; i++) t[i]! ^= p[i]!;
  return t.toString('base64url');
}

function unwrapToken(pepper: string, code: string, wrapped: string): string {
  const t = Buffer.from(wrapped, 'base64url');
  const p = pad(pepper, code);
  for (let i = 0; i < t.length; i++) t[i]! ^= p[i]!;
  return t.toString('base64url');
}

/** What the ballot path needs to know about a slip; nothing in it names the slip's serial. */
export interface SlipRef {
  /** Opaque handle for re-reading the slip's state (the token hash). */
  ref: string;
  meetingId: string;
  batchId: string;
  category: string | null;
  voided: boolean;
  /** Key of the slip's "used" marker in the ballot box. */
  markerKey: Buffer;
}

function toRef(row: SlipKeyRow, key: Buffer): SlipRef {
  return { ref: row.tokenHash, meetingId: row.meetingId, batchId: row.batchId, category: row.category, voided: row.status === 'voided', markerKey: key };
}

/** The slip found by its token: its marker's key derives from the token (or, issued before markers, from the row). */
const tokenRef = (row: SlipKeyRow, token: string): SlipRef => toRef(row, row.tokenWrap === null ? legacyMarkerKey(row.tokenHash) : markerKey(token));

/**
 * Finds the slip for what the voter has: the token from the QR code, or the short code typed by hand.
 * Returns undefined when neither matches (the caller counts that as a failed guess). Reads the main database only.
 */
export async function findSlipByCredential({ db }: { db: Conn }, credential: string): Promise<SlipRef | undefined> {
  if (TOKEN_PATTERN.test(credential)) {
    const row = await findSlipByTokenHash({ db }, hashToken(credential));
    return row && tokenRef(row, credential);
  }
  const code = normaliseShortCode(credential);
  if (code === null) return undefined;
  const pepper = shortCodePepper({ db });
  const row = await findSlipByShortCodeHash({ db }, hashShortCode(pepper, code));
  if (!row) return undefined;
  if (row.tokenWrap === null) return toRef(row, legacyMarkerKey(row.tokenHash));
  const token = unwrapToken(pepper, code, row.tokenWrap);
  // The unwrapped token must be the slip's own: a mismatch means a corrupted row, which must not vote blind.
  if (hashToken(token) !== row.tokenHash) return undefined;
  return toRef(row, markerKey(token));
}

/**
 * The slip of a QR token and the version its meeting was at, read in one statement, when that can stand for a read
 * transaction: on SQLite, and with no transaction open on the connection (a use case's transaction between two of
 * its statements: what it has written would be read before it commits). Undefined otherwise, for a short code and
 * when nothing matches: the caller then reads the usual way, which also answers those.
 */
export function findSlipWithMeetingVersionNow({ db }: { db: Conn }, credential: string): { slip: SlipRef; meetingVersion: number } | undefined {
  if (engineOf(db) || sqliteClient(db).inTransaction || !TOKEN_PATTERN.test(credential)) return undefined;
  const row = slipWithMeetingVersionNow({ db }, hashToken(credential));
  if (!row) return undefined;
  return { slip: tokenRef(row, credential), meetingVersion: row.meetingVersion };
}

/**
 * Whether the slip behind `ref` has been voided: re-read by the SQLite ballot box's synchronous check, between two
 * writes of its thread, just before the write.
 */
export function isSlipVoided({ db }: { db: Conn }, ref: string): boolean {
  return slipByTokenHashNow({ db }, ref)?.status === 'voided';
}
