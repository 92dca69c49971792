import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CROCKFORD, checkSymbol, formatShortCode, generateShortCode, generateToken, normaliseShortCode, TOKEN_PATTERN } from '../../src/slips/codes.js';

describe('ballot tokens', () => {
  it('carry 256 random bits, URL-safe', () => {
    const t = generateToken();
    expect(t).toMatch(TOKEN_PATTERN);
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    expect(new Set(Array.from({ length: 1000 }, () => generateToken())).size).toBe(1000);
  });
  it('come from the injected random source', () => {
    expect(generateToken((n) => Buffer.alloc(n, 0))).toBe('A'.repeat(43));
  });
});

describe('short codes', () => {
  it('round-trip through formatting, lower case and look-alike letters', () => {
    const code = generateShortCode();
    expect(formatShortCode(code)).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(normaliseShortCode(formatShortCode(code).toLowerCase())).toBe(code);
    const withLookAlikes = code.replace(/0/g, 'O').replace(/1/g, 'l');
    expect(normaliseShortCode(withLookAlikes)).toBe(code);
  });

  it('detect every single mistyped symbol (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 31 }), (pos, shift) => {
        const code = generateShortCode();
        const wrong = CROCKFORD[(CROCKFORD.indexOf(code[pos]!) + shift) % 32]!;
        const typo = code.slice(0, pos) + wrong + code.slice(pos + 1);
        expect(normaliseShortCode(typo)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('use no U and a check symbol from the same alphabet', () => {
    expect(CROCKFORD).not.toMatch(/[ILOU]/);
    expect(CROCKFORD).toContain(checkSymbol('ABCDEFGHJKM'));
  });
});
