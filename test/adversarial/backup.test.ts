// Backup and restore: `ceping backup <file>` copies a live server's database while ballots keep arriving; the
// restored copy holds every ballot acknowledged before the backup began, and is consistent (one ballot per used
// slip). (README, "Backup and restore"; docs/security.md, "No lost ballot".)
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { recordDecoder } from '../helpers/stored-records.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { newNonce, openPoll, repoRoot, startServer, submitAll, type ServerProcess } from '../helpers/server-process.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ceping-backup-'));
const servers: ServerProcess[] = [];
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
  for (const c of closers) await c();
  rmSync(dir, { recursive: true, force: true });
});

/** The ballots (by their marker text) and used slips of a copy: its main database and its ballot box. */
function markersIn(file: string): { markers: Set<string>; ballots: number; used: number; integrity: string } {
  const main = new Database(file, { fileMustExist: true, readonly: true });
  const box = new Database(`${file}.ballots`, { fileMustExist: true, readonly: true });
  try {
    const rows = box.prepare('select r from ballots').all() as Array<{ r: Buffer }>;
    const decode = recordDecoder(main);
    return {
      markers: new Set(rows.map((r) => decode(r.r).answers['village-annual-review']?.comments as string)),
      ballots: rows.length,
      used: (box.prepare('select count(*) as n from markers where u = 1').get() as { n: number }).n,
      integrity: [main, box].map((d) => d.pragma('integrity_check', { simple: true }) as string).find((r) => r !== 'ok') ?? 'ok',
    };
  } finally {
    box.close();
    main.close();
  }
}

it('backs up a live server during submissions; the restore finds every acknowledged ballot', { timeout: 90_000 }, async () => {
  const live = join(dir, 'live.sqlite');
  const server = await startServer(live);
  servers.push(server);
  const SLIPS = 500;
  const poll = await openPoll(server.base, SLIPS);
  const nonces = Array.from({ length: SLIPS }, newNonce);
  const outcome = new Map<number, number | 'error'>();

  // Phase 1: 200 ballots, all acknowledged before the backup starts.
  await submitAll(server.base, poll, Array.from({ length: 200 }, (_, i) => i), { concurrency: 16, nonces, outcome });
  const ackedBefore = [...outcome].filter(([, s]) => s === 201).map(([i]) => i);
  expect(ackedBefore).toHaveLength(200);

  // Phase 2: the backup runs while 250 more are being submitted (50 slips stay unused for after the restore).
  const backupFile = join(dir, 'backup.sqlite');
  const stream = submitAll(server.base, poll, Array.from({ length: 250 }, (_, i) => 200 + i), { concurrency: 16, nonces, outcome });
  const cli = run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'backup', backupFile], { cwd: repoRoot, env: { ...process.env, CEPING_DB: live } });
  const [{ stdout }] = await Promise.all([cli, stream]);
  expect(stdout).toMatch(/Backed up .* integrity ok/);
  console.log(stdout.trim());
  expect(existsSync(`${backupFile}.partial`)).toBe(false);
  expect([...outcome.values()].every((s) => s === 201)).toBe(true);

  // The copy is consistent and complete up to the moment it was taken.
  const copy = markersIn(backupFile);
  expect(copy.integrity).toBe('ok');
  expect(copy.ballots).toBe(copy.used);
  for (const i of ackedBefore) expect(copy.markers.has(`ack-${i}`), `ack-${i}`).toBe(true);
  expect(copy.ballots).toBeGreaterThanOrEqual(200);
  expect(copy.ballots).toBeLessThanOrEqual(450);
  console.log(`backup: taken with ${copy.ballots - 200} of the 250 concurrent ballots in it`);

  // Refuses to overwrite an existing file without --force.
  await expect(run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'backup', backupFile, '--db', live], { cwd: repoRoot })).rejects.toThrow(/exists/);

  // Restore (README): stop the server, put the backup in place of the database file, start again.
  await server.kill('SIGTERM');
  const restored = join(dir, 'restored.sqlite');
  copyFileSync(backupFile, restored);
  copyFileSync(`${backupFile}.ballots`, `${restored}.ballots`);
  // What the copy holds, read before the restored server starts: once it has written to its box (it prepares the
  // slots of open polls within a second), it holds the file alone and no other connection can read it.
  const after = markersIn(restored);
  // The restored server is built in this process (the same app as src/server.ts starts; one process start less).
  const again = await buildApp(loadConfig({ CEPING_DB: restored, PUBLIC_URL: 'http://vote.test', LOG_LEVEL: 'silent' }));
  closers.push(() => again.close());
  const inject = async (method: 'GET' | 'POST', url: string, payload?: unknown, token?: string) => {
    const r = await again.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.statusCode, body: r.json() };
  };
  const token = (await inject('POST', '/api/auth/login', { username: 'admin', password: 'correct-horse-battery' })).body.token;
  const meeting = await inject('GET', `/api/meetings/${poll.meetingId}`, undefined, token);
  expect(meeting.status).toBe(200);
  expect(meeting.body.status).toBe('open');
  // A slip used before the backup stays used after the restore: it cannot vote a second time.
  const reuse = await inject('POST', `/api/ballot/${poll.tokens[ackedBefore[0]!]}`, { answers: poll.template });
  expect(reuse.status).toBe(409);
  // The restored server keeps taking ballots for slips not yet used in the copy.
  const unused = Array.from({ length: SLIPS }, (_, i) => i).find((i) => !after.markers.has(`ack-${i}`))!;
  const cast = await inject('POST', `/api/ballot/${poll.tokens[unused]}`, { answers: poll.template });
  expect(cast.status).toBe(201);
});
