// A real server started the way the README says (`npm start`), on a free port and a fresh database file,
// serving the whole ballot path over real HTTP; plus 50 concurrent submissions of one token.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, villageMeeting } from '../helpers/app.js';

const ADMIN = { username: 'admin', password: 'e2e-admin-password' };
let child: ChildProcess;
let base: string;
let dir: string;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForHealth(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not become healthy:\n${output}`);
}

async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ceping-e2e-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn('npm', ['start'], {
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, PORT: String(port), CEPING_DB: join(dir, 'db.sqlite'), PUBLIC_URL: base, CEPING_ADMIN_USER: ADMIN.username, CEPING_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitForHealth(base, 170_000);
}, 180_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
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
    expect(output).toContain('Ceping is ready');
    for (const t of tokens) expect(output).not.toContain(t);
    expect(output).not.toMatch(/127\.0\.0\.1:\d+"?,?\s*"?remote|remoteAddress|user-agent/i);
    expect(output).not.toContain('/api/ballot');
  });

  it('closes gracefully on SIGTERM', async () => {
    // The signal goes to the process group (npm and the server); npm itself dies of it, the server closes cleanly.
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    await new Promise((r) => setTimeout(r, 200));
    expect(output).toMatch(/"signal":"SIGTERM".*"msg":"closing"/);
    expect(output).not.toMatch(/cannot start|Error/);
  });
});
