// Builds the real app on a fresh SQLite file per test file, with an admin, and small request helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { SqliteBallotBox } from '../../src/ballots/ballot-box.js';
import { loadConfig, type Config } from '../../src/config.js';
import { ADMIN } from './fixtures.js';

// The fixtures live in fixtures.ts (no app imports, so the benchmarks can share them); re-exported here.
export { ADMIN, FOUR_GRADE_SCALE, fullBallot, villageMeeting } from './fixtures.js';


export interface TestApp {
  app: FastifyInstance;
  dir: string;
  config: Config;
  adminToken: string;
  /** inject() as the admin (JSON in, JSON out). */
  api: (method: InjectOptions['method'], url: string, payload?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close: () => Promise<void>;
}

export async function makeTestApp(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-test-'));
  const config = loadConfig({
    CEPING_DB: join(dir, 'ceping.sqlite'),
    PUBLIC_URL: 'http://vote.test',
    CEPING_ADMIN_USER: ADMIN.username,
    CEPING_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await buildApp(config, options);
  await app.ready();
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN });
  const adminToken = login.json().token as string;
  const api: TestApp['api'] = async (method, url, payload, headers = {}) => {
    const res = await app.inject({
      method,
      url,
      ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json', ...headers },
    });
    let body: unknown = res.body;
    try {
      body = res.json();
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body, headers: res.headers };
  };
  return {
    app,
    dir,
    config,
    adminToken,
    api,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SQLite ballot box of an app, for the tests that look inside its file (its thread, its statements). */
export function sqliteBox(app: FastifyInstance): SqliteBallotBox {
  const box = app.ballotWriter;
  if (!(box instanceof SqliteBallotBox)) throw new Error('this test reads the SQLite ballot box');
  return box;
}
