// `ceping copy-to-postgres` (src/cli/copy-to-postgres.ts): a SQLite database with closed and open polls, cast and
// unused slips, moved onto an empty PostgreSQL database, serves there exactly as it did: the same results, turnout and
// audit chain; a used slip stays used (its retry still "counted"), an unused one votes once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyToPostgres } from '../../src/cli/copy-to-postgres.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
let source: TestApp;
beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const vote = (t: TestApp, token: string, answers: unknown, nonce?: string) => t.app.inject({ method: 'POST', url: `/api/ballot/${token}`, payload: { answers, ...(nonce ? { nonce } : {}) } });

describe('copy-to-postgres', () => {
  let closedId: string;
  let openId: string;
  let closedTokens: string[];
  let openTokens: string[];
  let answers: unknown;

  beforeAll(async () => {
    source = await makeTestApp();
    const closed = await source.api('POST', '/api/meetings', villageMeeting({ title: '已结束的测评' }));
    closedId = closed.body.id;
    closedTokens = (await source.api('POST', `/api/meetings/${closedId}/slips`, { count: 12 })).body.tokens;
    await source.api('POST', `/api/meetings/${closedId}/open`, {});
    answers = fullBallot((await source.api('GET', `/api/ballot/${closedTokens[0]}`)).body);
    for (let i = 0; i < 9; i++) expect((await vote(source, closedTokens[i]!, answers, `nonce-closed-${i}-0123456789`)).statusCode).toBe(201);
    await source.api('POST', `/api/meetings/${closedId}/close`, {});
    const open = await source.api('POST', '/api/meetings', villageMeeting({ title: '进行中的测评' }));
    openId = open.body.id;
    openTokens = (await source.api('POST', `/api/meetings/${openId}/slips`, { count: 6 })).body.tokens;
    await source.api('POST', `/api/meetings/${openId}/open`, {});
    // Each meeting has subjects of its own: its ballot is built from its own form.
    answers = fullBallot((await source.api('GET', `/api/ballot/${openTokens[0]}`)).body);
    for (let i = 0; i < 3; i++) expect((await vote(source, openTokens[i]!, answers, `nonce-open-${i}-0123456789`)).statusCode).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await source?.close();
  });

  it('moves everything, and the PostgreSQL server answers as the SQLite one did', { timeout: 60_000 }, async () => {
    const before = {
      results: (await source.api('GET', `/api/meetings/${closedId}/results`)).body,
      turnoutClosed: (await source.api('GET', `/api/meetings/${closedId}/turnout`)).body,
      audit: (await source.api('GET', '/api/audit/verify')).body,
    };
    expect(before.results.ballots.cast).toBe(9);
    await source.app.close(); // the server is stopped before the copy
    const dbPath = source.config.dbPath!;
    const r = await copyToPostgres(dbPath, server.url, { keyFile: source.config.keyFile });
    expect(r.ballots).toBe(12);
    expect(r.markers).toBe(18);
    // A second copy into the same database is refused, and changes nothing.
    await expect(copyToPostgres(dbPath, server.url, { keyFile: source.config.keyFile })).rejects.toThrow(/not empty/);

    const moved = await makeTestApp({ CEPING_DB: server.url, CEPING_KEY_FILE: source.config.keyFile! });
    try {
      expect(moved.app.dbEngine).toBe('postgres');
      expect((await moved.api('GET', `/api/meetings/${closedId}/results`)).body).toEqual(before.results);
      expect((await moved.api('GET', `/api/meetings/${closedId}/turnout`)).body).toEqual(before.turnoutClosed);
      const audit = (await moved.api('GET', '/api/audit/verify')).body;
      expect(audit.ok).toBe(true);
      expect(audit.entries).toBeGreaterThanOrEqual(before.audit.entries);
      // A slip that voted on SQLite: used, and its retry with the same nonce is told "counted".
      expect((await vote(moved, openTokens[0]!, answers)).json().error.code).toBe('TOKEN_USED');
      expect((await vote(moved, openTokens[1]!, answers, 'nonce-open-1-0123456789')).statusCode).toBe(200);
      // An unused slip votes once; the short code of a slip still resolves (the same key file).
      expect((await vote(moved, openTokens[3]!, answers)).statusCode).toBe(201);
      expect((await vote(moved, openTokens[3]!, answers)).statusCode).toBe(409);
      await moved.api('POST', `/api/meetings/${openId}/close`, {});
      const results = (await moved.api('GET', `/api/meetings/${openId}/results`)).body;
      expect(results.ballots.cast).toBe(4);
    } finally {
      await moved.close();
    }
  });
});

