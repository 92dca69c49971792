// Abuse limits: failures are limited, valid use never is (docs/security.md, "Guessing").
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';
import { FailureCounter } from '../../src/security/failure-counter.js';
import { DEFAULT_POLICIES } from '../../src/security/failure-limiter.js';
import { LIMITS } from '../../src/config.js';
import { getOrCreateSecret } from '../../src/db/settings.repository.js';
import { checkSymbol, CROCKFORD } from '../../src/slips/codes.js';

let t: TestApp;
let meetingId: string;
let slips: { tokens: string[]; shortCodes: string[] };
let answers: Record<string, Record<string, unknown>>;

const HALL = '10.20.30.40';
const unknownToken = () => randomBytes(32).toString('base64url');
/** A short code with a correct check symbol that matches no slip (55 random bits). */
function unknownShortCode(): string {
  const b = randomBytes(11);
  let data = '';
  for (let i = 0; i < 11; i++) data += CROCKFORD[b[i]! & 31];
  return data + checkSymbol(data);
}

const voter = (method: 'GET' | 'POST', credential: string, remoteAddress: string, payload?: unknown) =>
  t.app.inject({ method, url: `/api/ballot/${encodeURIComponent(credential)}`, remoteAddress, ...(payload !== undefined ? { payload: payload as object } : {}) });

beforeAll(async () => {
  t = await makeTestApp();
  const m = await t.api('POST', '/api/meetings', villageMeeting());
  meetingId = m.body.id;
  const s = await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: 320 });
  slips = s.body;
  await t.api('POST', `/api/meetings/${meetingId}/open`, {});
  answers = fullBallot((await voter('GET', slips.tokens[0]!, '127.0.0.1')).json());
});
afterAll(async () => t.close());

describe('a hall of 300 phones behind one address', () => {
  it('is never throttled while using valid slips, even with typos among them', { timeout: 60_000 }, async () => {
    const statuses: number[] = [];
    let typos = 0;
    // In waves of 50 concurrent phones, as a hall submits after the chair says "begin".
    for (let wave = 0; wave < 6; wave++) {
      const batch = slips.tokens.slice(wave * 50, wave * 50 + 50);
      const results = await Promise.all(
        batch.map(async (token, i) => {
          // Every other phone in this wave first mistypes its short code: the check symbol catches it, no guess counted.
          if (i % 2 === 0) {
            const code = slips.shortCodes[wave * 50 + i]!.replace(/-/g, '');
            const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
            const r = await voter('GET', typo, HALL);
            expect(r.statusCode).toBe(404);
            typos++;
          }
          const form = await voter('GET', token, HALL);
          expect(form.statusCode).toBe(200);
          return (await voter('POST', token, HALL, { answers })).statusCode;
        }),
      );
      statuses.push(...results);
    }
    expect(statuses).toHaveLength(300);
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect(typos).toBe(150);
    // And a voter who tries again with a used slip is told so, not locked out.
    expect((await voter('POST', slips.tokens[0]!, HALL, { answers })).statusCode).toBe(409);
  });
});

describe('guessing credentials', () => {
  it('locks out an address after too many well-formed unknown credentials, with a Chinese message and Retry-After', async () => {
    const guesser = '198.51.100.7';
    const max = DEFAULT_POLICIES.credential.maxFailures;
    for (let i = 0; i <= max; i++) {
      const r = await voter(i % 2 ? 'GET' : 'POST', i % 3 ? unknownToken() : unknownShortCode(), guesser, i % 2 ? undefined : { answers: {} });
      expect(r.statusCode, `guess ${i}`).toBe(404);
    }
    const locked = await voter('GET', unknownToken(), guesser);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('RATE_LIMITED');
    expect(locked.json().error.message).toMatch(/尝试次数过多.*分钟后再试/);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(DEFAULT_POLICIES.credential.lockMs / 1000);
    // Unknown credentials stay refused with 429 while locked, but a valid slip from the same address (a hall
    // behind one Wi-Fi address where one person guesses) still votes.
    expect((await voter('GET', unknownShortCode(), guesser)).statusCode).toBe(429);
    expect((await voter('GET', slips.tokens[310]!, guesser)).statusCode).toBe(200);
    // The page itself still loads (it looks nothing up), and shows the API's message.
    const page = await t.app.inject({ method: 'GET', url: `/v/${slips.tokens[310]}`, remoteAddress: guesser });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    // Another address is unaffected.
    expect((await voter('GET', slips.tokens[310]!, '203.0.113.9')).statusCode).toBe(200);
    // The hall too.
    expect((await voter('GET', slips.tokens[311]!, HALL)).statusCode).toBe(200);
  });

  it('does not count malformed credentials (they cannot match a slip) as guesses', async () => {
    const fuzzer = '198.51.100.8';
    for (let i = 0; i < DEFAULT_POLICIES.credential.maxFailures * 3; i++) {
      const r = await voter('GET', `x${i}`, fuzzer);
      expect(r.statusCode).toBe(404);
    }
    expect((await voter('GET', slips.tokens[312]!, fuzzer)).statusCode).toBe(200);
  });

  it('lets an admin lift the lockouts at once', async () => {
    const guesser = '198.51.100.9';
    for (let i = 0; i <= DEFAULT_POLICIES.credential.maxFailures; i++) await voter('GET', unknownToken(), guesser);
    const probe = unknownToken();
    expect((await voter('GET', probe, guesser)).statusCode).toBe(429);
    const cleared = await t.api('DELETE', '/api/security/lockouts');
    expect(cleared.status).toBe(200);
    expect(cleared.body.cleared).toBeGreaterThan(0);
    expect((await voter('GET', probe, guesser)).statusCode).toBe(404);
    const audit = await t.api('GET', '/api/audit?limit=1');
    expect(audit.body.entries[0].action).toBe('security.clear-lockouts');
    expect(JSON.stringify(audit.body.entries[0])).not.toContain(guesser);
  });
});

describe('failed logins', () => {
  const login = (username: string, password: string, remoteAddress: string) =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, payload: { username, password } });

  it('locks a username at one address, not the username: the admin elsewhere logs in at once', async () => {
    const attacker = '192.0.2.50';
    for (let i = 0; i <= LIMITS.login.pair.maxFailures; i++) expect((await login(ADMIN.username, `wrong-password-${i}`, attacker)).statusCode).toBe(401);
    const r = await login(ADMIN.username, ADMIN.password, attacker);
    expect(r.statusCode).toBe(429);
    expect(r.json().error.message).toContain('次数过多');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    // The real admin, from their own desk, is not locked out, nor slowed.
    const t0 = Date.now();
    expect((await login(ADMIN.username, ADMIN.password, '192.0.2.51')).statusCode).toBe(200);
    expect(Date.now() - t0).toBeLessThan(LIMITS.login.user.baseDelayMs + 2000);
  });

  it('locks an address that tries many usernames', async () => {
    const ip = '192.0.2.60';
    for (let i = 0; i <= LIMITS.login.address.maxFailures; i++) expect((await login(`nobody${i}`, 'wrong-password', ip)).statusCode).toBe(401);
    expect((await login(ADMIN.username, ADMIN.password, ip)).statusCode).toBe(429);
  });

  it('slows a username attacked from many addresses, and never refuses its right password', { timeout: 60_000 }, async () => {
    const victim = 'assessor-zhang';
    await t.api('POST', '/api/users', { username: victim, password: 'zhang-correct-password-9', role: 'assessor' });
    const free = LIMITS.login.user.slowAfter;
    for (let i = 0; i < free; i++) expect((await login(victim, 'guess-' + i, `192.0.2.${100 + i}`)).statusCode).toBe(401);
    // Past the free failures, each wrong answer is held back, doubling.
    const t0 = Date.now();
    expect((await login(victim, 'guess-x', '192.0.2.150')).statusCode).toBe(401);
    expect((await login(victim.toUpperCase(), 'guess-y', '192.0.2.151')).statusCode).toBe(401);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(LIMITS.login.user.baseDelayMs * 3);
    // The owner, from a new address, logs in without delay.
    const t1 = Date.now();
    expect((await login(victim, 'zhang-correct-password-9', '192.0.2.200')).statusCode).toBe(200);
    expect(Date.now() - t1).toBeLessThan(LIMITS.login.user.baseDelayMs * 4);
    // Successful logins never count: the admin logs in many times from one address.
    for (let i = 0; i < 15; i++) expect((await login(ADMIN.username, ADMIN.password, '192.0.2.210')).statusCode).toBe(200);
  });

  it('is lifted by DELETE /api/security/lockouts', async () => {
    const ip = '192.0.2.70';
    await t.api('POST', '/api/users', { username: 'wang-lift', password: 'wang-correct-password-7', role: 'assessor' });
    for (let i = 0; i <= LIMITS.login.pair.maxFailures; i++) await login('wang-lift', `nope-${i}`, ip);
    expect((await login('wang-lift', 'wang-correct-password-7', ip)).statusCode).toBe(429);
    expect((await t.api('DELETE', '/api/security/lockouts')).status).toBe(200);
    expect((await login('wang-lift', 'wang-correct-password-7', ip)).statusCode).toBe(200);
  });
});

describe('body size limits', () => {
  it('refuses a ballot body over 256 KB with 413 and a Chinese message', async () => {
    const big = { answers: { x: { y: 'a'.repeat(300 * 1024) } } };
    const r = await voter('POST', slips.tokens[315]!, '127.0.0.1', big);
    expect(r.statusCode).toBe(413);
    expect(r.json().error).toEqual({ code: 'BODY_TOO_LARGE', message: '提交的内容过大' });
    // The slip is still unused.
    expect((await voter('GET', slips.tokens[315]!, '127.0.0.1')).statusCode).toBe(200);
  });

  it('refuses any body over 512 KB with 413', async () => {
    const r = await t.api('POST', '/api/meetings', villageMeeting({ title: 'x'.repeat(600 * 1024) }));
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('BODY_TOO_LARGE');
  });
});

describe('sessions (JWT pinned to HS256, with expiry)', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  function forge(alg: string, payload: Record<string, unknown>, secret: string | null): string {
    const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`;
    if (secret === null) return `${head}.`;
    const h = alg === 'HS512' ? 'sha512' : 'sha256';
    return `${head}.${createHmac(h, secret).update(head).digest('base64url')}`;
  }
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });

  it('refuses "none", another algorithm, a wrong secret and an expired token; accepts the real one', async () => {
    // The secret is in the key file beside the database (db/keys.ts); an insider holding it can sign, but not
    // without an expiry, nor for longer than a session lasts.
    const secret = getOrCreateSecret({ db: t.app.db }, 'jwt-secret');
    const admin = t.app.db.$client.prepare(`select id from users where username = ?`).get(ADMIN.username) as { id: string };
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: admin.id, username: ADMIN.username, role: 'admin', iat: now, exp: now + 600 };
    expect((await me(forge('HS256', claims, secret))).statusCode).toBe(200); // the forge is right...
    expect((await me(forge('none', claims, null))).statusCode).toBe(401); // ...so these fail for the reason named
    expect((await me(forge('HS512', claims, secret))).statusCode).toBe(401);
    expect((await me(forge('HS256', claims, 'not-the-secret-0123456789abcdefghij'))).statusCode).toBe(401);
    expect((await me(forge('HS256', { ...claims, iat: now - 7200, exp: now - 60 }, secret))).statusCode).toBe(401);
    const { exp: _exp, ...noExpiry } = claims;
    expect((await me(forge('HS256', noExpiry, secret))).statusCode).toBe(401);
    expect((await me(forge('HS256', { ...claims, exp: now + 10 * 365 * 86400 }, secret))).statusCode).toBe(401);
    const r = await me(forge('none', claims, null));
    expect(r.json().error.message).toMatch(/登录/);
  });
});

describe('FailureCounter', () => {
  it('forgets failures outside the window and lifts a lockout when it expires', () => {
    let now = 0;
    const c = new FailureCounter({ maxFailures: 3, windowMs: 1000, lockMs: 5000 }, () => now);
    for (let i = 0; i < 3; i++) expect(c.fail('a')).toBe(0);
    now = 1500; // the three have left the window
    for (let i = 0; i < 3; i++) expect(c.fail('a')).toBe(0);
    expect(c.lockedFor('a')).toBe(0);
    expect(c.fail('a')).toBe(5000);
    expect(c.lockedFor('a')).toBe(5000);
    now += 4999;
    expect(c.lockedFor('a')).toBe(1);
    now += 1;
    expect(c.lockedFor('a')).toBe(0);
  });

  it('keeps a bounded number of keys', () => {
    const c = new FailureCounter({ maxFailures: 3, windowMs: 1000, lockMs: 5000 }, () => 0, 100);
    for (let i = 0; i < 1000; i++) c.fail(`k${i}`);
    expect(c.size).toBe(100);
  });
});

describe('slip batches', () => {
  it('cap a meeting at ten times its people: beyond, a written reason is required and audited', async () => {
    const id = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
    // A village: the minimum is 70, so 700 slips in all without a reason.
    expect((await t.api('POST', `/api/meetings/${id}/slips`, { count: 700 })).status).toBe(201);
    const more = await t.api('POST', `/api/meetings/${id}/slips`, { count: 1 });
    expect(more.status).toBe(422);
    expect(more.body.error).toMatchObject({ code: 'REASON_REQUIRED', message: expect.stringContaining('700') });
    const withReason = await t.api('POST', `/api/meetings/${id}/slips`, { count: 5, reason: '部分票据印刷不清，补发' });
    expect(withReason.status).toBe(201);
    const audit = (await t.api('GET', `/api/audit?meetingId=${id}&limit=1`)).body.entries[0];
    expect(audit).toMatchObject({ action: 'slips.issue', detail: expect.objectContaining({ overCap: 700, reason: '部分票据印刷不清，补发' }) });
  });
});
