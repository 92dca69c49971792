import { createHash, createHmac, randomBytes } from 'node:crypto';

/** A random identifier: 96 bits, URL-safe. Never sequential, so it reveals no order. */
export function randomId(bytes = 12): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

export function hmacHex(key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex');
}
