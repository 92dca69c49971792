// A real server started the way the README says (`npm start`), on a free port and a fresh database file,
// serving the whole ballot path over real HTTP; plus 50 concurrent submissions of one token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, villageMeeting } from '../helpers/fixtures.js';
import { call as callAt, freePort, startServer, type ServerProcess } from '../helpers/server-process.js';

const ADMIN = { username: 'admin', password: 'e2e-admin-password' };
let server: ServerProcess;
let base: string;
let dir: string;

const call = (method: string, path: string, body?: unknown, token?: string) => callAt(base, method, path, body, token);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ceping-e2e-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startServer(
    join(dir, 'db.sqlite'),
    { PORT: String(port), PUBLIC_URL: base, CEPING_ADMIN_USER: ADMIN.username, CEPING_ADMIN_PASSWORD: ADMIN.password },
    // Exactly as the README says; npm runs the build first, then the server as its child.
    { command: ['npm', 'start'], group: true, startTimeoutMs: 170_000 },
  );
}, 180_000);

afterAll(async () => {
  await server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  let token: string;
  let meetingId: string;
  let tokens: string[];
  let form: any;

  it('creates the configured admin and logs in', async () => {
    const res = await call('POST', '/api/auth/login', ADMIN);
    expect(res.status).toBe(200);
    token = res.body.token;
  });

  it('serves the whole path: meeting, slips, open, vote, turnout, close, tally', async () => {
    meetingId = (await call('POST', '/api/meetings', villageMeeting(), token)).body.id;
    const slips = await call('POST', `/api/meetings/${meetingId}/slips`, { count: 60 }, token);
    expect(slips.status).toBe(201);
    tokens = slips.body.tokens;
    expect(slips.body.urls[0]).toBe(`${base}/v/${tokens[0]}`);
    expect((await call('PUT', `/api/meetings/${meetingId}/attendance`, { signedIn: 75 }, token)).status).toBe(200);
    expect((await call('POST', `/api/meetings/${meetingId}/open`, {}, token)).status).toBe(200);

    const page = await fetch(slips.body.urls[0]);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('民主测评');

    form = (await call('GET', `/api/ballot/${tokens[0]}`)).body;
    for (const t of tokens.slice(0, 9)) expect((await call('POST', `/api/ballot/${t}`, { answers: fullBallot(form) })).status).toBe(201);
    const turnout = await call('GET', `/api/meetings/${meetingId}/turnout`, undefined, token);
    expect(turnout.body).toMatchObject({ signedIn: 75, minRespondents: 70, slipsIssued: 60, meetsMinimum: false });
  });

  it('accepts exactly one of 50 concurrent submissions of one token', async () => {
    const one = tokens[10]!;
    const results = await Promise.all(Array.from({ length: 50 }, () => call('POST', `/api/ballot/${one}`, { answers: fullBallot(form) })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('TOKEN_USED');
  });

  it('accepts many different slips submitted at once (group commit), each counted once', async () => {
    const batch = tokens.slice(11, 51);
    const results = await Promise.all(batch.map((t) => call('POST', `/api/ballot/${t}`, { answers: fullBallot(form) })));
    expect(results.map((r) => r.status)).toEqual(batch.map(() => 201));
    await call('POST', `/api/meetings/${meetingId}/close`, undefined, token);
    const r = await call('GET', `/api/meetings/${meetingId}/results`, undefined, token);
    expect(r.body.ballots).toEqual({ cast: 50, valid: 50, invalid: 0 });
    expect(r.body.meetsMinimum).toBe(false);
  });

  it('never logs a token, a client address or a voter route', () => {
    const output = server.logs();
    expect(output).toContain('Ceping is ready');
    for (const t of tokens) expect(output).not.toContain(t);
    expect(output).not.toMatch(/127\.0\.0\.1:\d+"?,?\s*"?remote|remoteAddress|user-agent/i);
    expect(output).not.toContain('/api/ballot');
  });

  it('closes gracefully on SIGTERM', async () => {
    // The signal goes to the process group (npm and the server); npm itself dies of it, the server closes cleanly.
    await server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(server.logs()).toMatch(/"signal":"SIGTERM".*"msg":"closing"/);
    expect(server.logs()).not.toMatch(/cannot start|Error/);
  });
});
