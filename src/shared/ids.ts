import { createHmac, hash, randomBytes } from 'node:crypto';

/** A random identifier: 96 bits, URL-safe. Never sequential, so it reveals no order. */
export function randomId(bytes = 12): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 in hex. The one-shot `hash` (no Hash object): this runs on every ballot page load and submit. */
export function sha256Hex(value: string | Buffer): string {
  return hash('sha256', value, 'hex');
}

export function hmacHex(key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex');
}
