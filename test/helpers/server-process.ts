// A real Ceping server process (the npm-start test, the adversarial tests): spawned on a given database file,
// with its logs captured as an insider would have them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ADMIN, fullBallot, villageMeeting } from './fixtures.js';

export const repoRoot = join(import.meta.dirname, '../..');

export interface ServerProcess {
  base: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  logs: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface StartOptions {
  /** The command line; by default the TypeScript source through tsx. */
  command?: string[];
  /** Give the process its own group and signal the whole group (for `npm start`, whose server is a child). */
  group?: boolean;
  startTimeoutMs?: number;
}

/** Starts the server on `dbPath` (port 0 unless `env.PORT` says otherwise) and waits until it listens. */
export async function startServer(dbPath: string, env: Record<string, string> = {}, opts: StartOptions = {}): Promise<ServerProcess> {
  const [cmd, ...args] = opts.command ?? [process.execPath, '--import', 'tsx', 'src/server.ts'];
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const child = spawn(cmd!, args, {
    cwd: repoRoot,
    detached: opts.group ?? false,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      CEPING_DB: dbPath,
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'http://vote.test',
      LOG_LEVEL: 'info',
      CEPING_ADMIN_USER: ADMIN.username,
      CEPING_ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running once the test has given up on it (it would hold its port and files, and a core).
      if (opts.group) process.kill(-child.pid!, 'SIGKILL');
      else child.kill('SIGKILL');
      reject(new Error(`server did not start in ${startTimeoutMs / 1000} s (it logs "Server listening" only at LOG_LEVEL info):\n${out}`));
    }, startTimeoutMs);
    const check = () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    base,
    child,
    logs: () => out,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) {
        if (opts.group) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      await exited;
    },
  };
}

export async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

export interface Poll {
  meetingId: string;
  adminToken: string;
  tokens: string[];
  shortCodes: string[];
  /** A complete ballot for this meeting's forms. */
  template: Record<string, Record<string, unknown>>;
}

/** Logs in, creates a village meeting, issues `count` slips, opens the poll. */
export async function openPoll(base: string, count: number): Promise<Poll> {
  const login = await call(base, 'POST', '/api/auth/login', ADMIN);
  const adminToken = login.body.token as string;
  const m = await call(base, 'POST', '/api/meetings', villageMeeting(), adminToken);
  const s = await call(base, 'POST', `/api/meetings/${m.body.id}/slips`, { count, reason: '压力测试：批量发票' }, adminToken);
  await call(base, 'POST', `/api/meetings/${m.body.id}/open`, {}, adminToken);
  const form = await call(base, 'GET', `/api/ballot/${s.body.tokens[0]}`);
  return { meetingId: m.body.id, adminToken, tokens: s.body.tokens, shortCodes: s.body.shortCodes, template: fullBallot(form.body) };
}

/** The ballot of voter `i`: the template with a marker in the optional comment, so a test can find it again. */
export function markedBallot(template: Poll['template'], marker: string): Poll['template'] {
  return { ...template, 'village-annual-review': { ...template['village-annual-review'], comments: marker } };
}

export const newNonce = () => randomBytes(16).toString('base64url');

/** Submits ballots for `indexes` with `concurrency` in flight; records each outcome (a status, or 'error'). */
export async function submitAll(
  base: string,
  poll: Poll,
  indexes: number[],
  opts: { concurrency: number; nonces: string[]; outcome: Map<number, number | 'error'>; stop?: () => boolean },
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < indexes.length && !opts.stop?.()) {
      const i = indexes[next++]!;
      try {
        const r = await call(base, 'POST', `/api/ballot/${poll.tokens[i]}`, { answers: markedBallot(poll.template, `ack-${i}`), nonce: opts.nonces[i] });
        opts.outcome.set(i, r.status);
      } catch {
        opts.outcome.set(i, 'error');
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
}
