// Linkability: an insider holds everything (the database file, its WAL and shm, every log line at the most
// verbose level, and the list of which token voted in which order) and still cannot order the ballots better
// than chance. And no token, short code, nonce, client address or user agent is anywhere in clear.
// (docs/security.md, "Ballot secrecy"; ../shared/DOMAIN.md "Anonymity is the product".)
import { randomBytes, randomInt } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDb } from '../../src/db/client.js';
import { BallotWriter } from '../../src/ballots/ballot-writer.js';
import { insertBallot } from '../../src/ballots/ballots.repository.js';
import { randomId } from '../../src/shared/ids.js';
import { ADMIN, fullBallot, villageMeeting } from '../helpers/app.js';

const N = 300;
/**
 * The bound. For a ranking unrelated to the true order, Spearman's rho over n items has mean 0 and standard
 * deviation 1/sqrt(n-1) (0.058 for n = 300). |rho| < 0.25 is over 4 standard deviations: a chance failure
 * has probability below 1e-4 per attack, while any real leak of order (the unshuffled file gave rho = 1.0)
 * fails it at once.
 */
const BOUND = 0.25;

const dir = mkdtempSync(join(tmpdir(), 'ceping-link-'));
const dbPath = join(dir, 'ceping.sqlite');
let app: FastifyInstance;
let logs = '';
let adminToken: string;
let meetingId: string;
/** The insider's list: who (which token, short code, address, device) voted in which order. */
const voters: Array<{ token: string; shortCode: string; ip: string; ua: string; nonce: string; usedShortCode: boolean }> = [];

function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]) => {
    const r = new Array<number>(v.length);
    v.map((val, i) => [val, i] as const)
      .sort((a, b) => a[0] - b[0])
      .forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const m = (x.length - 1) / 2;
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < x.length; i++) {
    num += (rx[i]! - m) * (ry[i]! - m);
    dx += (rx[i]! - m) ** 2;
    dy += (ry[i]! - m) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}

const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
  app.inject({ method, url, remoteAddress, headers: { authorization: `Bearer ${adminToken}`, ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });

beforeAll(async () => {
  // Every log line at the most verbose level, as an insider with the server's logs would have them.
  const sink = new Writable({ write: (chunk, _enc, cb) => ((logs += chunk.toString()), cb()) });
  const config = loadConfig({ CEPING_DB: dbPath, PUBLIC_URL: 'http://vote.test', CEPING_ADMIN_USER: ADMIN.username, CEPING_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'debug', CEPING_TRUST_PROXY: '127.0.0.1' });
  app = await buildApp(config, { logger: { level: 'trace', stream: sink } });
  await app.ready();
  adminToken = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN })).json().token;
  const m = await inject('POST', '/api/meetings', villageMeeting());
  meetingId = m.json().id;
  const s = (await inject('POST', `/api/meetings/${meetingId}/slips`, { count: N }, { accept: 'application/json' })).json();
  await inject('POST', `/api/meetings/${meetingId}/open`, {});
  const template = fullBallot((await inject('GET', `/api/ballot/${s.tokens[0]}`)).json());

  // The slips are handed out in a random order, and each voter has their own address and phone.
  const order = Array.from({ length: N }, (_, i) => i).sort(() => randomInt(3) - 1);
  for (const k of order) {
    voters.push({
      token: s.tokens[k],
      shortCode: s.shortCodes[k],
      ip: `10.${randomInt(256)}.${randomInt(256)}.${1 + randomInt(254)}`,
      ua: `Mozilla/5.0 (Linux; Android 14; V${randomBytes(4).toString('hex')}) MicroMessenger/8.0`,
      nonce: randomBytes(16).toString('base64url'),
      usedShortCode: randomInt(4) === 0,
    });
  }
  // Cast one at a time (each its own group: the worst case for order), in the known order. The comment carries
  // the voter's position so that the test, not the attacker, can tell which ballot is whose.
  for (const [pos, v] of voters.entries()) {
    const credential = v.usedShortCode ? v.shortCode : v.token;
    const headers = { 'user-agent': v.ua, 'x-forwarded-for': v.ip };
    expect((await inject('GET', `/api/ballot/${encodeURIComponent(credential)}`, undefined, headers, v.ip)).statusCode).toBe(200);
    const answers = { ...template, 'village-annual-review': { ...template['village-annual-review'], comments: `position-${pos}-end` } };
    const r = await inject('POST', `/api/ballot/${encodeURIComponent(credential)}`, { answers, nonce: v.nonce }, headers, v.ip);
    expect(r.statusCode, r.body).toBe(201);
    // Some phones retry (the answer was lost on weak 4G): told "counted", nothing new stored.
    if (pos % 10 === 0) expect((await inject('POST', `/api/ballot/${encodeURIComponent(credential)}`, { answers, nonce: v.nonce }, headers, v.ip)).statusCode).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Copies what an insider would take: the database file with its -wal and -shm, as they are on disk now. */
function takeFiles(tag: string): { db: Buffer; wal: Buffer; shm: Buffer; copy: string } {
  const copy = join(dir, `${tag}.sqlite`);
  const read = (suffix: string) => (existsSync(dbPath + suffix) ? readFileSync(dbPath + suffix) : Buffer.alloc(0));
  copyFileSync(dbPath, copy);
  for (const suffix of ['-wal', '-shm']) if (existsSync(dbPath + suffix)) copyFileSync(dbPath + suffix, copy + suffix);
  return { db: read(''), wal: read('-wal'), shm: read('-shm'), copy };
}

interface Attack {
  name: string;
  rho: number;
}

/**
 * Every ordering the attacker can get from the files: the ballots' ids, their position in the database file
 * (the page and the byte offset of the row, of its index entry, of its content), and the order of rows inside
 * each page (SQLite fills a page's free space from the end, so newer cells sit lower). Each is compared, by
 * Spearman's rho, with the true order (the `position-N` marker, which only the test reads).
 */
function attacks(files: { db: Buffer; wal: Buffer; copy: string }): Attack[] {
  const ro = new Database(files.copy, { readonly: true, fileMustExist: true });
  const rows = ro.prepare('select id, answers from ballots').all() as Array<{ id: string; answers: string }>;
  ro.close();
  expect(rows).toHaveLength(N);
  const truth = rows.map((r) => Number(/position-(\d+)-end/.exec(r.answers)![1]));
  const pageSize = files.db.readUInt16BE(16) === 1 ? 65536 : files.db.readUInt16BE(16);
  const out: Attack[] = [];
  const ranked = (name: string, feature: (r: { id: string; answers: string }, i: number) => number) => out.push({ name, rho: spearman(rows.map(feature), truth) });

  ranked('ballot id (the storage order of the table)', (r) => [...rows.map((x) => x.id)].sort().indexOf(r.id));
  ranked('order the database returns rows in', (_r, i) => i);
  ranked('byte offset of the first copy of the id (row or index entry)', (r) => files.db.indexOf(r.id));
  ranked('byte offset of the last copy of the id', (r) => files.db.lastIndexOf(r.id));
  // Where the ballot's content sits (it spans overflow pages): the attacker reads each row and finds its
  // distinctive bytes in the file. Here the only bytes that differ between ballots are the test's marker.
  ranked('byte offset of the ballot content (overflow pages)', (_r, i) => files.db.indexOf(`position-${truth[i]}-end`));
  if (files.wal.length > 0) ranked('position in the WAL', (r) => files.wal.lastIndexOf(r.id));

  // Inside each page: rank the cells by offset (lower = written later), pooled over all pages.
  const perPage = new Map<number, Array<{ off: number; truth: number }>>();
  rows.forEach((r, i) => {
    for (let from = 0; ; ) {
      const off = files.db.indexOf(r.id, from);
      if (off < 0) break;
      from = off + 1;
      const page = Math.floor(off / pageSize);
      if (!perPage.has(page)) perPage.set(page, []);
      perPage.get(page)!.push({ off, truth: truth[i]! });
    }
  });
  let weighted = 0;
  let weight = 0;
  for (const cells of perPage.values()) {
    if (cells.length < 3) continue;
    weighted += spearman(cells.map((c) => -c.off), cells.map((c) => c.truth)) * cells.length;
    weight += cells.length;
  }
  out.push({ name: 'order of cells inside each page (weighted mean rho)', rho: weight > 0 ? weighted / weight : 0 });
  return out;
}

function expectUnordered(list: Attack[]): void {
  console.log(list.map((a) => `  rho ${a.rho.toFixed(3).padStart(6)}  ${a.name}`).join('\n'));
  for (const a of list) expect(Math.abs(a.rho), a.name).toBeLessThan(BOUND);
}

function expectNoSecretIn(where: string, haystack: Buffer | string): void {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  const found: string[] = [];
  for (const v of voters) {
    for (const secret of [v.token, v.shortCode, v.shortCode.replace(/-/g, ''), v.nonce, v.ua, v.ip]) if (text.includes(secret)) found.push(secret);
  }
  expect(found, `${where} holds secrets in clear`).toEqual([]);
}

describe('while the poll is open', () => {
  it('the files do not order the ballots better than chance', () => {
    expectUnordered(attacks(takeFiles('open')));
  });

  it('no token, short code, nonce, address or user agent is in the database, WAL, shm or logs', () => {
    const f = takeFiles('open-secrets');
    expectNoSecretIn('the database file', f.db);
    expectNoSecretIn('the WAL', f.wal);
    expectNoSecretIn('the shm', f.shm);
    expectNoSecretIn('the logs', logs);
    // The logs do have lines (admin routes), and none of them is a voter route.
    expect(logs).toContain('/api/meetings');
    expect(logs).not.toMatch(/api\/ballot|"\/v\//);
  });

  it('the ballots table has no rowid and no time; request ids are random', () => {
    const db = new Database(dbPath, { readonly: true });
    expect(() => db.prepare('select rowid from ballots').get()).toThrow(/no such column/);
    const cols = (db.prepare('pragma table_info(ballots)').all() as Array<{ name: string }>).map((c) => c.name);
    expect(cols.filter((c) => /time|_at$|date|created|serial|slip|token/i.test(c))).toEqual([]);
    db.close();
    const reqIds = [...logs.matchAll(/"reqId":"([^"]+)"/g)].map((m) => m[1]!);
    expect(reqIds.length).toBeGreaterThan(0);
    expect(reqIds.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
  });
});

describe('after the poll closes', () => {
  it('the files still do not order the ballots, the WAL holds no ballot, and nothing secret appears', async () => {
    const r = await inject('POST', `/api/meetings/${meetingId}/close`, {});
    expect(r.statusCode).toBe(200);
    const f = takeFiles('closed');
    expectUnordered(attacks(f));
    for (const row of new Database(f.copy, { readonly: true }).prepare('select id from ballots').all() as Array<{ id: string }>) {
      expect(f.wal.includes(row.id)).toBe(false);
    }
    expectNoSecretIn('the database file', f.db);
    expectNoSecretIn('the WAL', f.wal);
    expectNoSecretIn('the logs', logs);
  });
});

describe('the attack is sharp', () => {
  // A control: the same offset attack on a BallotWriter with the placement shuffle switched off recovers the
  // arrival order almost exactly; with it on, it does not. (Without this, a blunt attack could pass by itself.)
  async function contentOffsetRho(shufflePlacement: boolean): Promise<number> {
    const file = join(dir, `control-${shufflePlacement}.sqlite`);
    const db = openDb(file);
    db.$client.exec(`insert into meetings (id, title, unit, kind, form_ids, created_by) values ('m', 't', 'u', 'village', '[]', 'a')`);
    const writer = new BallotWriter(db, { shufflePlacement, truncateWal: false });
    // A ballot's size (larger than a page, as real ones are); the marker at the end lies on the overflow pages.
    const filler = 'x'.repeat(5000);
    for (let pos = 0; pos < 150; pos++) {
      await writer.submit((tx) => insertBallot({ db: tx }, { id: randomId(16), meetingId: 'm', category: null, source: 'phone', answers: { f: { filler, c: `position-${pos}-end` } }, valid: true, breaches: [] }));
    }
    db.$client.pragma('wal_checkpoint(TRUNCATE)'); // every page in the main file, where an insider reads it
    const buf = readFileSync(file);
    const positions = Array.from({ length: 150 }, (_, pos) => pos);
    const rho = spearman(positions.map((pos) => buf.indexOf(`position-${pos}-end`)), positions);
    db.$client.close();
    return rho;
  }

  it('orders unshuffled ballots (rho > 0.9) and not shuffled ones', async () => {
    const without = await contentOffsetRho(false);
    const withShuffle = await contentOffsetRho(true);
    console.log(`  content-offset rho: ${without.toFixed(3)} without the shuffle, ${withShuffle.toFixed(3)} with it`);
    expect(without).toBeGreaterThan(0.9);
    expect(Math.abs(withShuffle)).toBeLessThan(BOUND + 0.1); // n = 150: sd 0.082
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
