// X-Forwarded-For is believed only from the proxies named in CEPING_TRUST_PROXY. A client that writes its own
// header (a new "address" with every guess) is still locked out by its real address, and cannot get a victim's
// address locked out by naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';
import { DEFAULT_POLICIES } from '../../src/security/failure-limiter.js';
import { makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
let token: string;
const PROXY = '127.0.0.1';
const GUESSER = '203.0.113.9';
const VICTIM = '198.51.100.7';
// A well-formed token that matches no slip: a guess.
const guess = (i: number) => `${'A'.repeat(39)}${String(i).padStart(4, '0')}`;

beforeAll(async () => {
  t = await makeTestApp({ CEPING_TRUST_PROXY: PROXY });
  const m = await t.api('POST', '/api/meetings', villageMeeting());
  token = (await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: 1 })).body.tokens[0];
  await t.api('POST', `/api/meetings/${m.body.id}/open`);
});
afterAll(async () => t.close());

const get = (credential: string, remoteAddress: string, forwardedFor?: string) =>
  t.app.inject({ method: 'GET', url: `/api/ballot/${credential}`, remoteAddress, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

describe('CEPING_TRUST_PROXY', () => {
  it('refuses `true`, and takes addresses and ranges', () => {
    expect(() => loadConfig({ CEPING_TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ CEPING_TRUST_PROXY: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(loadConfig({ CEPING_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it('locks a direct client out by its real address, whatever X-Forwarded-For it sends', async () => {
    const max = DEFAULT_POLICIES.credential.maxFailures;
    const statuses: number[] = [];
    for (let i = 0; i <= max + 5; i++) statuses.push((await get(guess(i), GUESSER, `192.0.2.${i % 250}`)).statusCode);
    expect(statuses.slice(0, max)).toEqual(Array(max).fill(404));
    expect(statuses.at(-1)).toBe(429);
  });

  it('does not let a direct client get a victim locked out by naming the victim', async () => {
    const max = DEFAULT_POLICIES.credential.maxFailures;
    for (let i = 0; i <= max + 2; i++) await get(guess(500 + i), '203.0.113.77', VICTIM);
    // The victim, reaching Ceping through the trusted proxy, is not locked out.
    expect((await get(token, PROXY, VICTIM)).statusCode).toBe(200);
    expect((await get(guess(900), PROXY, VICTIM)).statusCode).toBe(404);
  });

  it('believes the header from the trusted proxy: guesses through it count against the forwarded address', async () => {
    const max = DEFAULT_POLICIES.credential.maxFailures;
    const client = '198.51.100.200';
    // The failure past the policy's maximum is answered, and locks the address.
    for (let i = 0; i <= max; i++) expect((await get(guess(1000 + i), PROXY, client)).statusCode).toBe(404);
    expect((await get(guess(2000), PROXY, client)).statusCode).toBe(429);
    // Another client behind the same proxy is not affected.
    expect((await get(guess(2001), PROXY, '198.51.100.201')).statusCode).toBe(404);
  });
});
