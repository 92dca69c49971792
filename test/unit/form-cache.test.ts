// The voter form cache on its own (src/ballots/form-cache.ts): which coding an Accept-Encoding gets, and that the
// cache is bounded, replaced by a newer version and never replaced by an older one.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORM_CACHE_MEETINGS, preferredEncoding, VoterFormCache } from '../../src/ballots/form-cache.js';

describe('preferredEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['br, gzip', 'br'],
    ['gzip, deflate, br', 'br'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['gzip;q=1, br;q=0.9', 'gzip'],
    ['br;q=0.5, gzip;q=0.5', 'br'],
    ['*', 'br'],
    ['*;q=0.2, br;q=0', 'gzip'],
    ['deflate', 'identity'],
    ['identity', 'identity'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['br;q=nonsense', 'identity'],
    ['br;q=2', 'identity'],
    ['gzip;level=9', 'gzip'],
    [['gzip', 'br'], 'br'],
    [',,;;,q=1', 'identity'],
  ] as const)('%j → %s', (header, expected) => {
    expect(preferredEncoding(header as string | string[] | undefined)).toBe(expected);
  });

  it('answers one of the three for any header, and br or gzip only when the header names it or *', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (header) => {
        const got = preferredEncoding(header);
        expect(['br', 'gzip', 'identity']).toContain(got);
        if (got !== 'identity') expect(header.toLowerCase()).toMatch(got === 'br' ? /br|\*/ : /gzip|\*/);
      }),
    );
  });
});

describe('VoterFormCache', () => {
  const body = JSON.stringify({ forms: Array.from({ length: 50 }, (_, i) => ({ id: `q${i}`, text: '测评内容'.repeat(5) })) });

  it('serialises once per (meeting, version, category), and each coding decodes to the body', () => {
    const cache = new VoterFormCache();
    let built = 0;
    const make = () => (built++, body);
    const form = cache.get({ meetingId: 'm1', version: 1, category: null }, make);
    expect(cache.get({ meetingId: 'm1', version: 1, category: null }, make)).toBe(form);
    expect(built).toBe(1);
    expect(form.bytes('identity').toString()).toBe(body);
    expect(brotliDecompressSync(form.bytes('br')).toString()).toBe(body);
    expect(gunzipSync(form.bytes('gzip')).toString()).toBe(body);
    expect(form.bytes('br')).toBe(form.bytes('br'));
    cache.get({ meetingId: 'm1', version: 1, category: 'a' }, make);
    expect(built).toBe(2);
    cache.get({ meetingId: 'm1', version: 2, category: null }, make);
    expect(built).toBe(3);
    // The older version is gone with the newer one's arrival.
    cache.get({ meetingId: 'm1', version: 2, category: null }, make);
    expect(built).toBe(3);
  });

  it('never keeps an older version over a newer one', () => {
    const cache = new VoterFormCache();
    const newer = cache.get({ meetingId: 'm1', version: 5, category: null }, () => 'new');
    expect(cache.get({ meetingId: 'm1', version: 4, category: null }, () => 'old').bytes('identity').toString()).toBe('old');
    expect(cache.get({ meetingId: 'm1', version: 5, category: null }, () => 'rebuilt')).toBe(newer);
  });

  it('keeps at most FORM_CACHE_MEETINGS meetings, dropping the least recently asked for', () => {
    const cache = new VoterFormCache();
    let built = 0;
    const make = () => (built++, body);
    for (let i = 0; i < FORM_CACHE_MEETINGS; i++) cache.get({ meetingId: `m${i}`, version: 1, category: null }, make);
    // m0 asked for again: m1 is now the oldest.
    cache.get({ meetingId: 'm0', version: 1, category: null }, make);
    cache.get({ meetingId: 'extra', version: 1, category: null }, make);
    expect(cache.size).toBe(FORM_CACHE_MEETINGS);
    const before = built;
    cache.get({ meetingId: 'm0', version: 1, category: null }, make);
    expect(built).toBe(before);
    cache.get({ meetingId: 'm1', version: 1, category: null }, make);
    expect(built).toBe(before + 1);
  });
});
