// The keys and hashes derived from a slip's token are stored (the token hash in the main database, the marker key in
// the ballot box): a change in how they are computed would orphan every slip already issued. Pinned to the values
// the first versions computed, with a Hash object fed in two parts.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateToken } from '../../src/slips/codes.js';
import { hashToken, markerKey } from '../../src/slips/credentials.js';

const twoPart = (prefix: string, token: string) => createHash('sha256').update(prefix).update(token).digest();

describe('what is derived from a token', () => {
  it('is the same as when the box was first written', () => {
    const token = 'A'.repeat(43);
    expect(markerKey(token).toString('hex')).toBe('0e2c677d2eeaa76b0b7ea6f84e9329b2');
    expect(hashToken(token)).toBe('0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a');
  });

  it('agrees with the two-part hashes for any token', () => {
    fc.assert(
      fc.property(fc.constant(null).map(() => generateToken()), (token) => {
        expect(markerKey(token).equals(twoPart('ceping/used-marker/v1\0', token).subarray(0, 16))).toBe(true);
        expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
      }),
      { numRuns: 200 },
    );
  });
});
