// Fuzz: fast-check throws thousands of malformed bodies, headers, tokens and ids at each route through
// app.inject(). Never a 5xx, and nothing written: a checksum of every table is the same before and after.
// (docs/security.md, "Bad input".)
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

const RUNS = Number(process.env.CEPING_FUZZ_RUNS ?? 1000);

let t: TestApp;
let meetingId: string;
let token: string;
let shortCode: string;
let answers: Record<string, Record<string, unknown>>;
let ipCounter = 0;

beforeAll(async () => {
  t = await makeTestApp();
  meetingId = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
  const s = (await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: 2 })).body;
  token = s.tokens[0];
  shortCode = s.shortCodes[1];
  await t.api('POST', `/api/meetings/${meetingId}/open`, {});
  answers = fullBallot((await t.api('GET', `/api/ballot/${token}`)).body);
});
afterAll(async () => t.close());

/** A checksum of every row of every table (the audit log included): any write changes it. */
function checksum(): string {
  const db = t.app.db.$client;
  const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as Array<{ name: string }>).map((r) => r.name);
  const h = createHash('sha256');
  for (const name of tables) {
    const rows = (db.prepare(`select * from "${name}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    h.update(`${name}:${rows.length}:${rows.join('\n')}`);
  }
  return h.digest('hex');
}

// Malformed pieces.
const junkString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('', ' ', '..', '../..', '%00', '\u0000', 'null', 'undefined', '__proto__', 'constructor', '=1+1', '<script>alert(1)</script>', 'x'.repeat(5000), '😀'.repeat(50)),
);
const junkJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3, withNullPrototype: true }).map((v) => {
  try {
    return JSON.parse(JSON.stringify(v) ?? 'null') as unknown;
  } catch {
    return null;
  }
}));
/** A body: JSON that is wrong in shape, or raw text that is not JSON at all, under various content types. */
const junkBody = fc.oneof(
  junkJson.map((v) => ({ payload: JSON.stringify(v) ?? 'null', type: 'application/json' })),
  junkString.map((v) => ({ payload: v, type: 'application/json' })),
  fc.record({ payload: junkString, type: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml') }),
);
/** Header values that HTTP allows (visible ASCII), but anything in them. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });
const junkHeaders = fc.record(
  {
    authorization: fc.oneof(headerValue, headerValue.map((v) => `Bearer ${v}`), fc.constant('Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0.')),
    accept: headerValue,
    'x-forwarded-for': headerValue,
    'accept-encoding': headerValue,
    'user-agent': headerValue,
  },
  { requiredKeys: [] },
);

interface Fuzzed {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: { payload: string; type: string };
  headers: Record<string, string>;
  admin: boolean;
}

async function send(r: Fuzzed) {
  const headers: Record<string, string> = { ...(r.admin ? { authorization: `Bearer ${t.adminToken}` } : {}), ...r.headers };
  if (r.body) headers['content-type'] = r.body.type;
  // A fresh address per request, so that the failure lockout does not turn the fuzz into a stream of 429s.
  ipCounter++;
  const remoteAddress = `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
  return t.app.inject({ method: r.method, url: r.url, headers, remoteAddress, ...(r.body ? { payload: r.body.payload } : {}) });
}

/**
 * Sends `RUNS` fuzzed requests. A refused request (4xx) must leave every table as it was. Where `validWrites`
 * is set (admin routes, where junk can happen to be a valid request, e.g. closing with an empty body), a 2xx
 * may write; elsewhere nothing may be written at all.
 */
async function fuzz(name: string, gen: fc.Arbitrary<Fuzzed>, validWrites = false): Promise<void> {
  const first = checksum();
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(gen, async (r) => {
      const before = checksum();
      const res = await send(r);
      if (res.statusCode >= 400 || !validWrites) expect(checksum(), `${r.method} ${r.url} ${JSON.stringify(r.body)} → ${res.statusCode} wrote`).toBe(before);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `${r.method} ${r.url} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
      if (res.statusCode >= 400 && res.headers['content-type']?.toString().includes('json')) {
        const err = res.json().error;
        expect(typeof err.code).toBe('string');
        // A message for people, in Chinese.
        expect(err.message).toMatch(/[\u4e00-\u9fff]/);
      }
    }),
    { numRuns: RUNS },
  );
  if (!validWrites) expect(checksum(), `${name} wrote to the database`).toBe(first);
  console.log(`fuzz ${name}: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
}

const credential = () =>
  fc.oneof(
    junkString,
    fc.constant(token.slice(0, 42)),
    fc.constant(token + 'x'),
    fc.constant(shortCode.toLowerCase().replace(/-/g, ' ')).map((c) => c.slice(0, -1) + (c.endsWith('0') ? '1' : '0')),
    fc.string({ unit: fc.constantFrom(...'ABCDEFGHJKMNPQRSTVWXYZ0123456789-'), minLength: 10, maxLength: 16 }),
  );

describe('fuzzing every route (no 5xx, nothing written)', () => {
  it('the voter routes: credentials, bodies and headers', { timeout: 120_000 }, async () => {
    await fuzz(
      'GET /api/ballot/:credential',
      fc.record({ method: fc.constant('GET' as const), url: credential().map((c) => `/api/ballot/${encodeURIComponent(c)}`), headers: junkHeaders, admin: fc.constant(false) }),
    );
    await fuzz(
      'POST /api/ballot/:credential',
      fc.record({
        method: fc.constant('POST' as const),
        // Mostly the real token, so the bodies reach the ballot rules.
        url: fc.oneof({ weight: 3, arbitrary: fc.constant(`/api/ballot/${token}`) }, { weight: 1, arbitrary: credential().map((c) => `/api/ballot/${encodeURIComponent(c)}`) }),
        body: fc.oneof(
          junkBody,
          // Shapes close to a ballot: the real answers with one part replaced by junk.
          fc.tuple(fc.constantFrom(...Object.keys(answers)), junkString, junkJson, fc.option(junkString)).map(([form, q, v, nonce]) => ({
            payload: JSON.stringify({ answers: { ...answers, [form]: { ...answers[form], [q]: v } }, ...(nonce !== null ? { nonce } : {}) }),
            type: 'application/json',
          })),
          junkJson.map((v) => ({ payload: JSON.stringify({ answers: v }), type: 'application/json' })),
        ),
        headers: junkHeaders,
        admin: fc.constant(false),
      }),
    );
  });

  it('login and the admin routes: ids, bodies and headers', { timeout: 120_000 }, async () => {
    const id = fc.oneof({ weight: 1, arbitrary: fc.constant(meetingId) }, { weight: 2, arbitrary: junkString });
    await fuzz('POST /api/auth/login', fc.record({ method: fc.constant('POST' as const), url: fc.constant('/api/auth/login'), body: junkBody, headers: junkHeaders, admin: fc.constant(false) }));
    await fuzz(
      'admin writes',
      fc.record({
        method: fc.constantFrom('POST' as const, 'PUT' as const),
        // Open and close take no body, so any body on the real meeting is a valid request: junk ids only there.
        url: fc.oneof(
          fc.tuple(fc.constantFrom('', '/slips', '/slips/void', '/attendance', '/assessors'), id).map(([suffix, m]) =>
            suffix === '' ? '/api/meetings' : `/api/meetings/${encodeURIComponent(m)}${suffix}`,
          ),
          fc.tuple(fc.constantFrom('/open', '/close'), junkString).map(([suffix, m]) => `/api/meetings/${encodeURIComponent(m)}${suffix}`),
        ),
        body: junkBody,
        headers: fc.constant({}),
        admin: fc.constant(true),
      }),
      true,
    );
    await fuzz(
      'admin reads',
      fc.record({
        method: fc.constant('GET' as const),
        url: fc.tuple(fc.constantFrom('', '/turnout', '/results', '/slips/batches', '/closing-report'), id, fc.option(junkString)).map(
          ([suffix, m, q]) => `/api/meetings/${encodeURIComponent(m)}${suffix}${q !== null ? `?${encodeURIComponent(q)}=${encodeURIComponent(q)}` : ''}`,
        ),
        headers: junkHeaders.map(({ authorization: _drop, ...rest }) => rest),
        admin: fc.boolean(),
      }),
    );
    await fuzz(
      'GET /api/audit',
      fc.record({
        method: fc.constant('GET' as const),
        url: fc.tuple(fc.constantFrom('limit', 'beforeSeq', 'meetingId', 'x'), junkString).map(([k, v]) => `/api/audit?${k}=${encodeURIComponent(v)}`),
        headers: fc.constant({}),
        admin: fc.boolean(),
      }),
    );
  });
});
