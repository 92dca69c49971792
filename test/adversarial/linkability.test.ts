// Linkability: an insider holds everything (the database file with its WAL and shm, the ballot box with its
// journal, a backup, every log line at the most verbose level, and the list of which token voted in which
// order) and still cannot order the ballots better than chance, nor pair a slip with its ballot. And no token,
// short code, nonce, client address or user agent is anywhere in clear.
// (docs/security.md, "Ballot secrecy"; ../shared/DOMAIN.md "Anonymity is the product".)
//
// The poll runs with a second connection holding a read snapshot of the main database throughout, and
// `ceping backup` runs once while ballots arrive. Copies of every file are taken at 10 random moments while the
// poll is open and once after the close; every position an insider can read in each copy is ranked against
// the true order of arrival. A quarter of the ballots carry no comment: the box writes those into their heads alone
// (src/ballots/box.repository.ts), and their heads are ranked as every other ballot's.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { decodeRecord, type RecordFormat } from '../../src/ballots/ballot-record.js';
import { meetingRecordFormat } from '../../src/ballots/index.js';
import { BOX_SCHEMA } from '../../src/ballots/box.repository.js';
import { loadConfig } from '../../src/config.js';
import { openDb } from '../../src/db/client.js';
import { hashToken, markerKey } from '../../src/slips/credentials.js';
import { ADMIN, fullBallot, villageMeeting } from '../helpers/app.js';
import { spearman } from '../helpers/rank-correlation.js';
import { repoRoot } from '../helpers/server-process.js';

const run = promisify(execFile);
/** Ballots cast: the first third one at a time (each its own group, the worst case for order), the rest in bursts. */
const N = 3200;
const SEQUENTIAL = 1000;
/** Copies are taken at 10 random moments once at least this many ballots are in, so every rho is over >= 1,600 ballots. */
const FIRST_COPY_AT = 1600;
/**
 * The bound. For a ranking unrelated to the true order, Spearman's rho over n items has mean 0 and standard
 * deviation 1/sqrt(n-1): 0.025 for n = 1,600. |rho| < 0.1 is then 4 standard deviations (a chance failure has
 * probability 6e-5 per attack), while any real leak of order (a file that appends gives rho near 1) fails it
 * at once. For the backup, taken at whatever moment the command reaches the file, the same 4 standard
 * deviations are used if it holds fewer ballots.
 */
const bound = (n: number) => Math.max(0.1, 4 / Math.sqrt(n - 1));

const dir = mkdtempSync(join(tmpdir(), 'ceping-link-'));
const dbPath = join(dir, 'ceping.sqlite');
const boxPath = `${dbPath}.ballots`;
let app: FastifyInstance;
let logs = '';
let adminToken: string;
let meetingId: string;
/** How the meeting's records read (its layout, frozen at the open): for the test's own view of the truth. */
let format: RecordFormat;
/** A second connection that holds a read snapshot of the main database for the whole poll. */
let reader: Database.Database;
/** The insider's list: who (which token, short code, address, device) voted in which order. */
const voters: Array<{ token: string; shortCode: string; ip: string; ua: string; nonce: string; usedShortCode: boolean }> = [];

const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
  app.inject({ method, url, remoteAddress, headers: { authorization: `Bearer ${adminToken}`, ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });

interface Files {
  tag: string;
  /** Ballots cast (acknowledged) when the copy was taken. */
  cast: number;
  db: Buffer;
  wal: Buffer;
  shm: Buffer;
  box: Buffer;
  journal: Buffer;
  /** Where the copied box can be opened. */
  boxCopy: string;
}

/**
 * Copies a live file with `cp`, another process, as an insider would. Reading it from this process would drop
 * the server's locks on it: POSIX releases all of a process's locks on a file when any descriptor of that file
 * in the process is closed.
 */
function snapshot(path: string): Buffer {
  if (!existsSync(path)) return Buffer.alloc(0);
  const copy = join(dir, `snap-${randomBytes(6).toString('hex')}`);
  execFileSync('cp', [path, copy]);
  const bytes = readFileSync(copy);
  rmSync(copy);
  return bytes;
}

/** Copies what an insider would take: every file as it is on disk now. */
function takeFiles(tag: string, cast: number): Files {
  const boxCopy = join(dir, `${tag}.box`);
  const box = snapshot(boxPath);
  writeFileSync(boxCopy, box);
  return { tag, cast, db: snapshot(dbPath), wal: snapshot(`${dbPath}-wal`), shm: snapshot(`${dbPath}-shm`), box, journal: snapshot(`${boxPath}-journal`), boxCopy };
}

/**
 * Each ballot's position in the known order, written into its grades (the test's own marker, so that it can tell
 * whose ballot is whose; the attacker ranks positions in the files): base-4 digits over the first cells (question,
 * subject) of the annual review. Every ballot's head is then different, and so can be found in the file.
 */
const POSITION_DIGITS = 6;
let positionCells: Array<[string, string]> = [];
let grades: string[] = [];
const REVIEW = 'village-annual-review';
/** Every fourth ballot has no comment: it is written into its head alone. */
const hasComment = (pos: number) => pos % 4 !== 1;

function positionedAnswers(template: Record<string, Record<string, unknown>>, pos: number): Record<string, Record<string, unknown>> {
  const review: Record<string, unknown> = { ...template[REVIEW] };
  positionCells.forEach(([q, subject], d) => {
    review[q] = { ...(review[q] as Record<string, string>), [subject]: grades[Math.floor(pos / 4 ** d) % 4]! };
  });
  if (hasComment(pos)) review.comments = `position-${pos}-end`;
  return { ...template, [REVIEW]: review };
}

function positionOf(answers: Record<string, Record<string, unknown>>): number {
  const review = answers[REVIEW]!;
  return positionCells.reduce((n, [q, subject], d) => n + grades.indexOf((review[q] as Record<string, string>)[subject]!) * 4 ** d, 0);
}

const copies: Files[] = [];
let backupCopy: Files | undefined;
let walBeforeVoting: Buffer;
let dbBeforeVoting: Buffer;

beforeAll(async () => {
  // Every log line at the most verbose level, as an insider with the server's logs would have them.
  const sink = new Writable({ write: (chunk, _enc, cb) => ((logs += chunk.toString()), cb()) });
  const config = loadConfig({ CEPING_DB: dbPath, PUBLIC_URL: 'http://vote.test', CEPING_ADMIN_USER: ADMIN.username, CEPING_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'debug', CEPING_TRUST_PROXY: '127.0.0.1' });
  app = await buildApp(config, { logger: { level: 'trace', stream: sink } });
  await app.ready();
  adminToken = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN })).json().token;
  const m = await inject('POST', '/api/meetings', villageMeeting());
  meetingId = m.json().id;
  // Two batches, so that markers of both sit in the box.
  const s1 = (await inject('POST', `/api/meetings/${meetingId}/slips`, { count: N / 2, reason: '匿名性测试：批量发票' }, { accept: 'application/json' })).json();
  const s2 = (await inject('POST', `/api/meetings/${meetingId}/slips`, { count: N / 2, reason: '匿名性测试：批量发票' }, { accept: 'application/json' })).json();
  const tokens = [...s1.tokens, ...s2.tokens] as string[];
  const shortCodes = [...s1.shortCodes, ...s2.shortCodes] as string[];
  await inject('POST', `/api/meetings/${meetingId}/open`, {});
  format = await meetingRecordFormat({ db: app.db }, meetingId);
  const voterForm = (await inject('GET', `/api/ballot/${tokens[0]}`)).json();
  const template = fullBallot(voterForm);
  const graded = voterForm.forms.find((f: { id: string }) => f.id === REVIEW).questions.filter((q: { type: string }) => q.type === 'graded');
  grades = graded[0].scale.filter((g: { points: number | null }) => g.points !== null).map((g: { value: string }) => g.value);
  positionCells = graded.flatMap((q: { id: string; subjects: Array<{ id: string }> }) => q.subjects.map((x) => [q.id, x.id] as [string, string])).slice(0, POSITION_DIGITS);
  expect(grades).toHaveLength(4);
  expect(positionCells).toHaveLength(POSITION_DIGITS);
  expect(4 ** POSITION_DIGITS).toBeGreaterThan(N);

  // The reader: a snapshot of the main database held from before the first vote to after the close.
  reader = new Database(dbPath, { readonly: true });
  reader.exec('begin');
  expect((reader.prepare('select count(*) as n from slips').get() as { n: number }).n).toBe(N);
  // Nobody else can even read the ballot box while the server holds it.
  const intruder = new Database(boxPath, { readonly: true, timeout: 50 });
  expect(() => intruder.prepare('select count(*) from slots').get()).toThrow(/locked|busy/i);
  intruder.close();
  dbBeforeVoting = snapshot(dbPath);
  walBeforeVoting = snapshot(`${dbPath}-wal`);

  // The slips are handed out in a random order, and each voter has their own address and phone.
  const order = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const k of order) {
    voters.push({
      token: tokens[k]!,
      shortCode: shortCodes[k]!,
      ip: `10.${randomInt(256)}.${randomInt(256)}.${1 + randomInt(254)}`,
      ua: `Mozilla/5.0 (Linux; Android 14; V${randomBytes(4).toString('hex')}) MicroMessenger/8.0`,
      nonce: randomBytes(16).toString('base64url'),
      usedShortCode: randomInt(4) === 0,
    });
  }
  const copyAt = new Set<number>();
  while (copyAt.size < 10) copyAt.add(FIRST_COPY_AT + randomInt(N - FIRST_COPY_AT));
  const backupAt = FIRST_COPY_AT + randomInt(200);
  let backupDone = false;

  // The grades (and the comment, where there is one) carry the voter's position so that the test, not the attacker,
  // can tell which ballot is whose.
  const cast = async (pos: number) => {
    const v = voters[pos]!;
    const credential = v.usedShortCode ? v.shortCode : v.token;
    const headers = { 'user-agent': v.ua, 'x-forwarded-for': v.ip };
    expect((await inject('GET', `/api/ballot/${encodeURIComponent(credential)}`, undefined, headers, v.ip)).statusCode).toBe(200);
    const answers = positionedAnswers(template, pos);
    const r = await inject('POST', `/api/ballot/${encodeURIComponent(credential)}`, { answers, nonce: v.nonce }, headers, v.ip);
    expect(r.statusCode, r.body).toBe(201);
    // Some phones retry (the answer was lost on weak 4G): told "counted", nothing new stored.
    if (pos % 10 === 0) expect((await inject('POST', `/api/ballot/${encodeURIComponent(credential)}`, { answers, nonce: v.nonce }, headers, v.ip)).statusCode).toBe(200);
  };
  let backup: Promise<unknown> | undefined;
  let pos = 0;
  while (pos < N) {
    // Sequential first, then bursts of 5 to 60 submissions arriving together (in the known order).
    const size = pos < SEQUENTIAL ? 1 : Math.min(5 + randomInt(56), N - pos);
    await Promise.all(Array.from({ length: size }, (_, i) => cast(pos + i)));
    // While the backup runs, ballots keep arriving, paced so that the command (a separate process that takes a
    // few seconds to start) copies the box in the middle of the poll.
    if (backup && !backupDone) await new Promise((r) => setTimeout(r, 150));
    const before = pos;
    pos += size;
    for (const at of copyAt) if (at > before && at <= pos) copies.push(takeFiles(`open-${copies.length}`, pos));
    if (!backup && pos >= backupAt) {
      const file = join(dir, 'backup.sqlite');
      const castAtStart = pos;
      backup = run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'backup', file, '--db', dbPath], { cwd: repoRoot }).then(({ stdout }) => {
        expect(stdout).toMatch(/integrity ok/);
        console.log(`  backup started after ${castAtStart} ballots: ${stdout.trim()}`);
        backupDone = true;
        backupCopy = {
          tag: 'backup',
          cast: pos,
          db: readFileSync(file),
          wal: Buffer.alloc(0),
          shm: Buffer.alloc(0),
          box: readFileSync(`${file}.ballots`),
          journal: existsSync(`${file}.ballots-journal`) ? readFileSync(`${file}.ballots-journal`) : Buffer.alloc(0),
          boxCopy: `${file}.ballots`,
        };
      });
    }
  }
  await backup;
  const closed = await inject('POST', `/api/meetings/${meetingId}/close`, {});
  expect(closed.statusCode).toBe(200);
  copies.push(takeFiles('closed', N));
}, 600_000);

afterAll(async () => {
  reader?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Attack {
  name: string;
  rho: number;
  n: number;
}

const pageOf = (buf: Buffer) => (buf.readUInt16BE(16) === 1 ? 65536 : buf.readUInt16BE(16));

/** Pooled "order of cells inside each page": rank cells by offset within their page (lower = written later). */
function withinPages(offsets: number[], truth: number[], pageSize: number): number {
  const perPage = new Map<number, Array<{ off: number; truth: number }>>();
  offsets.forEach((off, i) => {
    if (off < 0) return;
    const page = Math.floor(off / pageSize);
    if (!perPage.has(page)) perPage.set(page, []);
    perPage.get(page)!.push({ off, truth: truth[i]! });
  });
  let weighted = 0;
  let weight = 0;
  for (const cells of perPage.values()) {
    if (cells.length < 3) continue;
    weighted += spearman(cells.map((c) => -c.off), cells.map((c) => c.truth)) * cells.length;
    weight += cells.length;
  }
  return weight > 0 ? weighted / weight : 0;
}

/**
 * Every ordering the attacker can read in one copy, each compared by Spearman's rho with the true order of
 * arrival (the position in each ballot's grades, which only the test reads):
 * - the ballot box: slot key, the order rows come back in, the page and byte offset of each ballot's head and of
 *   each record written into its slot (the ballots with a comment), the order of cells within each page; for each
 *   voter's slip, the page and offset of its "used" marker and its place in the key order, used or not;
 * - the main database: where each voter's slip row and pending marker sit (file offset, order within pages).
 */
function attacks(f: Files): Attack[] {
  const ro = new Database(f.boxCopy, { readonly: true, fileMustExist: true });
  const rows = ro.prepare('select k, r from ballots').all() as Array<{ k: number; r: Buffer }>;
  const markerRows = ro.prepare('select k, u from markers order by k').all() as Array<{ k: Buffer; u: number }>;
  // The pages of the markers' table: each marker is looked for there (and found where an insider would read it).
  const markerPages = (ro.prepare(`select pageno from dbstat where name = 'markers' order by pageno`).all() as Array<{ pageno: number }>).map((r) => r.pageno);
  const headPages = (ro.prepare(`select pageno from dbstat where name = 'heads' order by pageno`).all() as Array<{ pageno: number }>).map((r) => r.pageno);
  const heads = new Map((ro.prepare('select k, h from heads where f = 1').all() as Array<{ k: number; h: Buffer }>).map((r) => [r.k, r.h]));
  const emptySlots = new Set((ro.prepare('select k from slots where f = 0').pluck().all() as number[]));
  ro.close();
  const truth = rows.map((r) => positionOf(decodeRecord(r.r, format).answers as Record<string, Record<string, unknown>>));
  const n = rows.length;
  const out: Attack[] = [];
  const ranked = (name: string, feature: number[], against = truth) => out.push({ name, rho: spearman(feature, against), n: feature.length });
  const boxPage = pageOf(f.box);

  ranked('box: slot key', rows.map((r) => r.k));
  ranked('box: order the rows come back in', rows.map((_r, i) => i));
  // The ballots without a comment were written into their heads alone: their slots are still empty.
  const headOnly = truth.map((t) => !hasComment(t));
  expect(rows.filter((r, i) => emptySlots.has(r.k) !== headOnly[i])).toEqual([]);
  expect(headOnly.filter(Boolean).length).toBeGreaterThan(n / 5);

  // One pass over the file for every record's text (searching each alone would scan the file thousands of times).
  const firstAt = new Map<number, number>();
  for (const m of f.box.toString('latin1').matchAll(/position-(\d+)-end/g)) if (!firstAt.has(Number(m[1]))) firstAt.set(Number(m[1]), m.index!);
  const withText = truth.filter((t) => hasComment(t));
  const recordOffsets = withText.map((t) => firstAt.get(t) ?? -1);
  expect(recordOffsets.every((o) => o >= 0)).toBe(true);
  ranked('box: byte offset of the record (ballots with a comment)', recordOffsets, withText);
  ranked('box: page of the record (ballots with a comment)', recordOffsets.map((o) => Math.floor(o / boxPage)), withText);
  out.push({ name: 'box: order of records inside each page (weighted mean rho)', rho: withinPages(recordOffsets, withText, boxPage), n: withText.length });

  // Every ballot's head, found where an insider would read it: in the pages of the heads' table, each head unique.
  const headSize = heads.values().next().value!.length;
  const wantedHeads = new Map(rows.map((r, i) => [heads.get(r.k)!.toString('hex'), truth[i]!]));
  expect(wantedHeads.size).toBe(n);
  const headAt = new Map<number, number>();
  for (const p of headPages) {
    const base = (p - 1) * boxPage;
    for (let i = base; i + headSize <= base + boxPage; i++) {
      const pos = wantedHeads.get(f.box.toString('hex', i, i + headSize));
      if (pos !== undefined && !headAt.has(pos)) headAt.set(pos, i);
    }
  }
  const headOffsets = truth.map((t) => headAt.get(t) ?? -1);
  expect(headOffsets.every((o) => o >= 0)).toBe(true);
  ranked('box: byte offset of the head', headOffsets);
  ranked('box: page of the head', headOffsets.map((o) => Math.floor(o / boxPage)));
  out.push({ name: 'box: order of heads inside each page (weighted mean rho)', rho: withinPages(headOffsets, truth, boxPage), n });
  const headOnlyTruth = truth.filter((_t, i) => headOnly[i]);
  ranked('box: byte offset of a head written alone (ballots without a comment)', headOffsets.filter((_o, i) => headOnly[i]), headOnlyTruth);
  ranked('box: slot key of a ballot written into its head alone', rows.filter((_r, i) => headOnly[i]).map((r) => r.k), headOnlyTruth);

  // The voters who had voted by this copy, by arrival; their markers, found by the key only the slip yields.
  // (A copy taken by the backup process may fall inside a burst: the ballots in it are then not a prefix.)
  const arrived = [...truth].sort((a, b) => a - b).map((pos) => ({ pos, key: markerKey(voters[pos]!.token), tokenHash: hashToken(voters[pos]!.token) }));
  expect(new Set(truth).size).toBe(n);
  const order = arrived.map((a) => a.pos);
  // One pass over the markers' pages, looking up every 16-byte window among the keys wanted.
  const wanted = new Set(arrived.map((a) => a.key.toString('hex')));
  const markerAt = new Map<string, number>();
  for (const p of markerPages) {
    const base = (p - 1) * boxPage;
    for (let i = base; i + 16 <= base + boxPage; i++) {
      const hex = f.box.toString('hex', i, i + 16);
      if (wanted.has(hex) && !markerAt.has(hex)) markerAt.set(hex, i);
    }
  }
  const markerOffsets = arrived.map((a) => markerAt.get(a.key.toString('hex')) ?? -1);
  ranked('box: byte offset of the slip\'s used marker', markerOffsets, order);
  ranked('box: page of the slip\'s used marker', markerOffsets.map((o) => Math.floor(o / boxPage)), order);
  out.push({ name: 'box: order of used markers inside each page (weighted mean rho)', rho: withinPages(markerOffsets, order, boxPage), n });
  const keyRank = new Map(markerRows.map((m, i) => [m.k.toString('hex'), i]));
  ranked('box: place of the marker in key order', arrived.map((a) => keyRank.get(a.key.toString('hex'))!), order);
  expect(markerRows.filter((m) => m.u === 1)).toHaveLength(n);

  // The main database, with its WAL: the slip row (by its token hash) and the pending marker (by its key).
  const main = Buffer.concat([f.db, f.wal]).toString('latin1');
  const mainPage = pageOf(f.db);
  // One pass over every run of hex digits, looking up each 64- and 32-character window among the values wanted.
  const wantedMain = new Set(arrived.flatMap((a) => [a.tokenHash, a.key.toString('hex')]));
  const lastAt = new Map<string, number>();
  for (const m of main.matchAll(/[0-9a-f]{32,}/g)) {
    for (const len of [64, 32]) {
      for (let j = 0; j + len <= m[0].length; j++) {
        const sub = m[0].slice(j, j + len);
        if (wantedMain.has(sub)) lastAt.set(sub, m.index! + j);
      }
    }
  }
  const slipOffsets = arrived.map((a) => lastAt.get(a.tokenHash) ?? -1);
  const pendingOffsets = arrived.map((a) => lastAt.get(a.key.toString('hex')) ?? -1);
  expect(slipOffsets.every((o) => o >= 0) && pendingOffsets.every((o) => o >= 0)).toBe(true);
  ranked('main: byte offset of the slip row', slipOffsets, order);
  out.push({ name: 'main: order of slip rows inside each page (weighted mean rho)', rho: withinPages(slipOffsets, order, mainPage), n });
  ranked('main: byte offset of the pending marker', pendingOffsets, order);
  out.push({ name: 'main: order of pending markers inside each page (weighted mean rho)', rho: withinPages(pendingOffsets, order, mainPage), n });
  return out;
}

function expectUnordered(f: Files): void {
  const list = attacks(f);
  console.log(`  ${f.tag} (${list[0]!.n} ballots):\n` + list.map((a) => `    rho ${a.rho.toFixed(3).padStart(6)}  ${a.name}`).join('\n'));
  for (const a of list) expect(Math.abs(a.rho), `${f.tag}: ${a.name}`).toBeLessThan(bound(a.n));
}

/**
 * Looks for every voter's token, short code (typed either way), nonce, user agent and address in `haystack`.
 * One pass per kind of secret (searching each of thousands of secrets alone would scan the files for hours):
 * every run of URL-safe characters is cut into windows of each secret length and looked up.
 */
function expectNoSecretIn(where: string, haystack: Buffer | string): void {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  const secrets = new Set(voters.flatMap((v) => [v.token, v.shortCode, v.shortCode.replace(/-/g, ''), v.nonce]));
  const lengths = [...new Set([...secrets].map((x) => x.length))];
  const found: string[] = [];
  for (const m of text.matchAll(/[A-Za-z0-9_-]{12,}/g)) {
    for (const len of lengths) for (let j = 0; j + len <= m[0].length; j++) if (secrets.has(m[0].slice(j, j + len))) found.push(m[0].slice(j, j + len));
  }
  const ips = new Set(voters.map((v) => v.ip));
  for (const m of text.matchAll(/10\.\d{1,3}\.\d{1,3}\.\d{1,3}/g)) if (ips.has(m[0])) found.push(m[0]);
  // Every user agent shares this stem.
  if (text.includes('Android 14; V')) found.push('a user agent');
  expect(found, `${where} holds secrets in clear`).toEqual([]);
}

describe('copies taken at 10 random moments while the poll is open, a backup, and a copy after the close', () => {
  it('were taken as planned, the backup in the middle of the poll', () => {
    expect(copies).toHaveLength(11);
    expect(backupCopy).toBeDefined();
    const ro = new Database(backupCopy!.boxCopy, { readonly: true });
    const inBackup = (ro.prepare('select count(*) as n from ballots').get() as { n: number }).n;
    ro.close();
    console.log(`  the backup holds ${inBackup} of ${N} ballots`);
    expect(inBackup).toBeGreaterThanOrEqual(FIRST_COPY_AT);
    expect(inBackup).toBeLessThan(N);
  });

  it('no position an insider can read orders the ballots better than chance', { timeout: 300_000 }, () => {
    for (const f of [...copies, backupCopy!]) expectUnordered(f);
  });

  it('the journal holds nothing beyond the group in flight, and the main database and WAL hold no ballot and no vote', () => {
    for (const f of [...copies, backupCopy!]) {
      // Copies are taken between groups: the rollback journal is empty (the backup never copies one).
      expect(f.journal.length, f.tag).toBe(0);
      // Nothing a vote writes reaches the main database or its WAL, with a reader pinning it throughout.
      expect(f.db.includes('position-'), f.tag).toBe(false);
      expect(f.wal.includes('position-'), f.tag).toBe(false);
    }
    for (const f of copies.slice(0, -1)) {
      // While the poll is open, votes leave the main database and its WAL byte for byte as they were.
      expect(f.db.equals(dbBeforeVoting), f.tag).toBe(true);
      expect(f.wal.equals(walBeforeVoting), f.tag).toBe(true);
    }
  });

  it('two copies show which ballots arrived between them, and nothing more', () => {
    // The one thing copies at two moments must show: the slots filled in between are the ballots cast in between.
    const filled = (f: Files) => {
      const ro = new Database(f.boxCopy, { readonly: true });
      const keys = new Set((ro.prepare('select k from ballots').all() as Array<{ k: number }>).map((r) => r.k));
      ro.close();
      return keys;
    };
    const [a, b] = [copies[0]!, copies[1]!];
    const before = filled(a);
    const after = filled(b);
    expect([...before].every((k) => after.has(k))).toBe(true);
    expect(after.size - before.size).toBe(b.cast - a.cast);
  });

  it('no token, short code, nonce, address or user agent is in any file or the logs', { timeout: 300_000 }, () => {
    for (const f of [...copies, backupCopy!]) {
      expectNoSecretIn(`${f.tag}: the database file`, f.db);
      expectNoSecretIn(`${f.tag}: the WAL`, f.wal);
      expectNoSecretIn(`${f.tag}: the shm`, f.shm);
      expectNoSecretIn(`${f.tag}: the ballot box`, f.box);
    }
    expectNoSecretIn('the logs', logs);
    // The logs do have lines (admin routes), and none of them is a voter route.
    expect(logs).toContain('/api/meetings');
    expect(logs).not.toMatch(/api\/ballot|"\/v\//);
    const reqIds = [...logs.matchAll(/"reqId":"([^"]+)"/g)].map((m) => m[1]!);
    expect(reqIds.length).toBeGreaterThan(0);
    expect(reqIds.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
  });

  it('the slots have no rowid alias but their random key, and no column of time, slip or token', () => {
    const ro = new Database(copies[0]!.boxCopy, { readonly: true });
    const cols = (ro.prepare('pragma table_info(slots)').all() as Array<{ name: string }>).map((c) => c.name);
    expect(cols.filter((c) => /time|_at$|date|created|serial|slip|token/i.test(c))).toEqual([]);
    ro.close();
  });
});

describe('the attack is sharp', () => {
  // A control: the same offset attack on a ballot box that appends a slot per ballot as it arrives (instead of
  // filling pre-allocated ones drawn at random) recovers the arrival order almost exactly.
  it('orders ballots stored in arrival order (rho > 0.9)', () => {
    const file = join(dir, 'control.box');
    const db = new Database(file);
    db.exec(BOX_SCHEMA);
    const ins = db.prepare('insert into slots (k, m, f, v, r) values (?, ?, 1, 1, ?)');
    const order = Array.from({ length: 300 }, (_, i) => i);
    for (const pos of order) ins.run(pos + 1, 'm', Buffer.from(`{"c":"position-${pos}-end"}`.padEnd(1500, ' ')));
    db.close();
    const buf = readFileSync(file);
    const rho = spearman(order.map((pos) => buf.indexOf(`position-${pos}-end`)), order);
    console.log(`  content-offset rho of an appending store: ${rho.toFixed(3)}`);
    expect(rho).toBeGreaterThan(0.9);
  });
});

describe('the database connection', () => {
  it('runs with WAL, synchronous=FULL, foreign keys and secure_delete', () => {
    const db = openDb(join(dir, 'pragmas.sqlite'));
    const p = (name: string) => db.$client.pragma(name, { simple: true });
    expect(p('journal_mode')).toBe('wal');
    expect(p('synchronous')).toBe(2); // FULL: a 201 survives a power cut, not only a process crash
    expect(p('foreign_keys')).toBe(1);
    expect(p('secure_delete')).toBe(1);
    db.$client.close();
  });
});
