// Builds the real app on a fresh SQLite file per test file, with an admin, and small request helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { SqliteBallotBox } from '../../src/ballots/ballot-box.js';
import { pgPoolOf } from '../../src/db/postgres.js';
import { loadConfig, type Config } from '../../src/config.js';
import { ADMIN } from './fixtures.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';

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

/**
 * The engine the app runs on: SQLite, or PostgreSQL when the test run says so (CEPING_TEST_ENGINE=postgres, set by
 * the `postgres` project of vitest.config.ts for the engine-neutral suites). On PostgreSQL each app gets a fresh
 * database on a server of the test file's own (test/helpers/postgres.ts), stopped when its last app closes.
 */
export const testEngine: 'sqlite' | 'postgres' = process.env.CEPING_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

let server: { pg: Promise<TestPostgres>; apps: number } | null = null;

/** A fresh PostgreSQL database for one app, and how to give it back. */
async function pgDatabase(): Promise<{ url: string; release: () => Promise<void> }> {
  if (!server) server = { pg: startTestPostgres(), apps: 0 };
  const mine = server;
  mine.apps++;
  try {
    const url = await (await mine.pg).freshDatabase();
    return {
      url,
      release: async () => {
        if (--mine.apps > 0) return;
        if (server === mine) server = null;
        await (await mine.pg).stop();
      },
    };
  } catch (err) {
    mine.apps--;
    throw err;
  }
}

export async function makeTestApp(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-test-'));
  const pg = testEngine === 'postgres' && !env.CEPING_DB ? await pgDatabase() : null;
  const config = loadConfig({
    CEPING_DB: pg ? pg.url : join(dir, 'ceping.sqlite'),
    ...(pg ? { CEPING_KEY_FILE: join(dir, 'ceping.keys') } : {}),
    PUBLIC_URL: 'http://vote.test',
    CEPING_ADMIN_USER: ADMIN.username,
    CEPING_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await buildApp(config, options);
  await app.ready();
  // The postgres project must not pass by running on SQLite.
  if (pg && app.dbEngine !== 'postgres') throw new Error(`asked for PostgreSQL, the app runs on ${app.dbEngine}`);
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
      await pg?.release();
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

/**
 * Ballots stored for a meeting and slips used, counted in the ballot box's own storage (not its counters): the
 * SQLite box's file, or the PostgreSQL box's tables.
 */
export async function storedInBox(app: FastifyInstance, meetingId: string): Promise<{ ballots: number; usedSlips: number }> {
  const box = app.ballotWriter;
  if (box instanceof SqliteBallotBox) {
    return {
      ballots: box.inspect<{ n: number }>('select count(*) as n from ballots where m = ?', meetingId)[0]!.n,
      usedSlips: box.inspect<{ n: number }>('select count(*) as n from markers where m = ? and u = 1', meetingId)[0]!.n,
    };
  }
  const pool = pgPoolOf(app.db)!;
  const ballots = await pool.query<{ n: string }>('select count(*) as n from box_ballots where meeting_id = $1', [meetingId]);
  const used = await pool.query<{ n: string }>('select count(*) as n from box_markers where meeting_id = $1 and used', [meetingId]);
  return { ballots: Number(ballots.rows[0]!.n), usedSlips: Number(used.rows[0]!.n) };
}
