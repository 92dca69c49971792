// Ballot tokens and short codes.
// - The token in the QR code: 256 bits from the CSPRNG, base64url. Stored only as SHA-256.
// - The short code for people whose camera fails: 11 symbols of Crockford's base32 (55 bits) and a check
//   symbol, shown as XXXX-XXXX-XXXX. Look-alike letters are folded when typed (O→0, I/L→1), U is not used,
//   so nothing can be misread; the check symbol catches any single mistyped symbol. Stored as an HMAC with
//   a server pepper; guessing is rate-limited.
import { randomBytes } from 'node:crypto';

export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DATA_LENGTH = 11;

export type RandomBytes = (n: number) => Buffer;

export function generateToken(random: RandomBytes = randomBytes): string {
  return random(32).toString('base64url');
}

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Luhn mod N over the base32 alphabet: detects every single substitution and most adjacent swaps. */
export function checkSymbol(data: string): string {
  const n = CROCKFORD.length;
  let factor = 2;
  let sum = 0;
  for (let i = data.length - 1; i >= 0; i--) {
    let addend = factor * CROCKFORD.indexOf(data[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
  }
  return CROCKFORD[(n - (sum % n)) % n]!;
}

export function generateShortCode(random: RandomBytes = randomBytes): string {
  const bytes = random(DATA_LENGTH);
  let data = '';
  for (let i = 0; i < DATA_LENGTH; i++) data += CROCKFORD[bytes[i]! & 31];
  return data + checkSymbol(data);
}

/** Groups a 12-symbol code for printing: ABCD-EFGH-JKMN. */
export function formatShortCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/**
 * Normalises what a person typed: drops spaces and dashes, upper-cases, folds look-alikes.
 * Returns null unless it is 12 valid symbols whose check symbol matches.
 */
export function normaliseShortCode(input: string): string | null {
  const s = input
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (s.length !== DATA_LENGTH + 1) return null;
  for (const ch of s) if (!CROCKFORD.includes(ch)) return null;
  return checkSymbol(s.slice(0, DATA_LENGTH)) === s[DATA_LENGTH] ? s : null;
}
