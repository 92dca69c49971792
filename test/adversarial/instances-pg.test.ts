// Two Ceping server processes on one PostgreSQL database (docs/postgresql.md, "Several instances"): one vote per slip
// across them, no acknowledged ballot lost when one of them is killed under load while the other serves on, and the
// live turnout of one showing the votes cast through the other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRecord, storedLayout } from '../../src/ballots/ballot-record.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { spearman } from '../helpers/rank-correlation.js';
import { call, freePort, markedBallot, newNonce, openPoll, startServer, submitAll, type Poll, type ServerProcess } from '../helpers/server-process.js';

let server: TestPostgres;
let dir: string;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  server = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'ceping-instances-'));
  // One key file for both, as the deployment page says; the first instance makes its keys at start.
  const env = { CEPING_KEY_FILE: join(dir, 'ceping.keys') };
  a = await startServer(server.url, env);
  b = await startServer(server.url, env);
}, 120_000);

afterAll(async () => {
  await a?.kill();
  await b?.kill();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The comments (each ballot's marker) of the meeting's stored ballots, read from the tables as an insider would. */
async function storedMarkers(meetingId: string): Promise<{ markers: string[]; used: number }> {
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  try {
    const m = await c.query<{ layout: string }>('select ballot_layout as layout from meetings where id = $1', [meetingId]);
    const categories = (await c.query<{ key: string }>('select key from categories where meeting_id = $1 order by position', [meetingId])).rows.map((r) => r.key);
    const format = { layout: storedLayout(m.rows[0]!.layout), categories };
    const records = (await c.query<{ record: Buffer }>('select record from box_ballots where meeting_id = $1', [meetingId])).rows;
    const used = Number((await c.query<{ n: string }>('select count(*) as n from box_markers where meeting_id = $1 and used', [meetingId])).rows[0]!.n);
    return { markers: records.map((r) => decodeRecord(r.record, format).answers['village-annual-review']?.comments as string), used };
  } finally {
    await c.end();
  }
}

describe('starting on a PostgreSQL database that cannot be opened', () => {
  it('says where and why, never the password, and exits', { timeout: 60_000 }, async () => {
    const env = { CEPING_KEY_FILE: join(dir, 'other.keys') };
    const port = await freePort();
    const nobody = startServer(`postgres://ceping:s3cret-pass@127.0.0.1:${port}/ceping`, env);
    await expect(nobody).rejects.toThrow(/Ceping cannot start\. The PostgreSQL database ceping@127\.0\.0\.1:\d+\/ceping cannot be opened: nothing answers at that address and port \(ECONNREFUSED\)/);
    await expect(nobody).rejects.not.toThrow(/s3cret-pass/);
    const missing = new URL(server.url);
    missing.pathname = '/no_such_database';
    await expect(startServer(missing.toString(), env)).rejects.toThrow(/the database does not exist .*\(3D000\)/);
  });
});

describe('two instances on one PostgreSQL database', () => {
  let poll: Poll;
  beforeAll(async () => {
    // Slips issued through A, voted through both.
    poll = await openPoll(a.base, 1200);
  }, 60_000);

  it('50 concurrent submits of one slip, split across both instances: exactly one 201', async () => {
    const token = poll.tokens[0]!;
    const answers = markedBallot(poll.template, 'one-slip');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => call(i % 2 === 0 ? a.base : b.base, 'POST', `/api/ballot/${token}`, { answers, nonce: newNonce() })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201).every((s) => s === 409)).toBe(true);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'TOKEN_USED')).toBe(true);
    const stored = await storedMarkers(poll.meetingId);
    expect(stored.markers.filter((m) => m === 'one-slip')).toHaveLength(1);
  });

  it('the live turnout of B shows the votes cast through A', { timeout: 60_000 }, async () => {
    const before = (await storedMarkers(poll.meetingId)).markers.length;
    const outcome = new Map<number, number | 'error'>();
    const nonces = poll.tokens.map(() => newNonce());
    await submitAll(a.base, poll, Array.from({ length: 10 }, (_, k) => 1 + k), { concurrency: 5, nonces, outcome });
    expect([...outcome.values()].every((s) => s === 201)).toBe(true);
    const cast = before + 10;
    // B's live stream, opened with a ticket from B, reaches the new count at its next tick (coarsened to the step).
    const ticket = (await call(b.base, 'POST', `/api/meetings/${poll.meetingId}/live-ticket`, undefined, poll.adminToken)).body.ticket as string;
    const res = await fetch(`${b.base}/api/meetings/${poll.meetingId}/live?ticket=${ticket}`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    let seen = -1;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && seen < Math.floor(cast / 5) * 5) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
      for (const m of text.matchAll(/event: turnout\ndata: (.*)\n/g)) seen = Math.max(seen, (JSON.parse(m[1]!) as { ballotsCast: number }).ballotsCast);
    }
    await reader.cancel();
    expect(seen).toBe(Math.floor(cast / 5) * 5);
  });

  it('a meeting closed through one instance is closed for the other: one close wins, its voters are refused, one report', { timeout: 60_000 }, async () => {
    const other = await openPoll(b.base, 20);
    const answers = markedBallot(other.template, 'before-close');
    expect((await call(a.base, 'POST', `/api/ballot/${other.tokens[0]}`, { answers })).status).toBe(201);
    // Both instances close it at once: the write lock and the status check let one through.
    const closes = await Promise.all([a, b].map((s) => call(s.base, 'POST', `/api/meetings/${other.meetingId}/close`, {}, other.adminToken)));
    expect(closes.map((c) => c.status).sort()).toEqual([200, 409]);
    // A cached the meeting as open (it served a vote); it sees the close made through B or A all the same.
    const late = await call(a.base, 'POST', `/api/ballot/${other.tokens[1]}`, { answers });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('MEETING_NOT_OPEN');
    const reports = await call(b.base, 'GET', `/api/meetings/${other.meetingId}/closing-reports`, undefined, other.adminToken);
    expect(reports.status, JSON.stringify(reports.body)).toBe(200);
    expect(reports.body).toHaveLength(1);
    const results = await call(b.base, 'GET', `/api/meetings/${other.meetingId}/results`, undefined, other.adminToken);
    expect(results.body.ballots.cast).toBe(1);
  });

  it('the close through the app forgets the order of arrival: one xmin, places by lot, new keys, no old version in the file', { timeout: 120_000 }, async () => {
    // docs/security.md "On PostgreSQL": while open, xmin and ctid follow arrival; the close rewrites the meeting's
    // rows in random order inside its own transaction, then seals. 1,000 ballots cast one at a time, in a known
    // order, through both instances; |rho| < 0.1 is about 3 standard deviations at n = 1,000.
    const poll = await openPoll(a.base, 1000);
    for (let i = 0; i < 1000; i++) {
      const r = await call(i % 2 === 0 ? a.base : b.base, 'POST', `/api/ballot/${poll.tokens[i]}`, { answers: markedBallot(poll.template, `order-${i}`) });
      expect(r.status).toBe(201);
    }
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      const m = await c.query<{ layout: string }>('select ballot_layout as layout from meetings where id = $1', [poll.meetingId]);
      const categories = (await c.query<{ key: string }>('select key from categories where meeting_id = $1 order by position', [poll.meetingId])).rows.map((r) => r.key);
      const format = { layout: storedLayout(m.rows[0]!.layout), categories };
      const read = async () =>
        (await c.query<{ xmin: string; ctid: string; key: Buffer; record: Buffer }>('select xmin::text as xmin, ctid::text as ctid, key, record from box_ballots where meeting_id = $1', [poll.meetingId])).rows.map((r) => {
          const [page, item] = r.ctid.slice(1, -1).split(',').map(Number);
          const order = Number(/^order-(\d+)$/.exec(decodeRecord(r.record, format).answers['village-annual-review']?.comments as string)![1]);
          return { xmin: Number(r.xmin), place: page! * 1000 + item!, key: r.key.toString('hex'), order };
        });
      const open = await read();
      expect(open).toHaveLength(1000);
      // While open the rows keep the order of arrival (what the security page says an insider reads then).
      expect(spearman(open.map((r) => r.order), open.map((r) => r.xmin))).toBeGreaterThan(0.99);
      expect(spearman(open.map((r) => r.order), open.map((r) => r.place))).toBeGreaterThan(0.9);

      expect((await call(b.base, 'POST', `/api/meetings/${poll.meetingId}/close`, {}, poll.adminToken)).status).toBe(200);
      const closed = await read();
      expect(closed).toHaveLength(1000);
      expect(new Set(closed.map((r) => r.xmin)).size).toBe(1);
      const rho = spearman(closed.map((r) => r.order), closed.map((r) => r.place));
      expect(Math.abs(rho)).toBeLessThan(0.1);
      const before = new Set(open.map((r) => r.key));
      expect(closed.filter((r) => before.has(r.key))).toEqual([]);
      // The seal ran before the close answered: the table's file holds the live rows and nothing else (the old
      // versions, in arrival order, would be there after the rewrite alone), read raw with pageinspect.
      await c.query('create extension if not exists pageinspect');
      const raw = await c.query<{ n: string }>(
        "select count(*)::text as n from generate_series(0, (pg_relation_size('box_ballots') / current_setting('block_size')::int - 1)::int) p, heap_page_items(get_raw_page('box_ballots', p)) h where h.t_data is not null",
      );
      const live = await c.query<{ n: string }>('select count(*)::text as n from box_ballots');
      expect(Number(raw.rows[0]!.n)).toBe(Number(live.rows[0]!.n));
      console.log(`close through the app: ${closed.length} ballots, rho(place, arrival) ${rho.toFixed(3)} (open: xmin 1.000, place ${spearman(open.map((r) => r.order), open.map((r) => r.place)).toFixed(3)}); tuples in the file ${raw.rows[0]!.n}, live rows ${live.rows[0]!.n}`);
    } finally {
      await c.end();
    }
  });

  it('a screen asking A, then B, within one tick sees one sample: votes between them show at the next tick', { timeout: 60_000 }, async () => {
    const poll = await openPoll(a.base, 20);
    const turnout = async (s: ServerProcess) => (await call(s.base, 'GET', `/api/meetings/${poll.meetingId}/turnout`, undefined, poll.adminToken)).body as { ballotsCast: number; coarsened: boolean };
    const TICK = 10_000; // LIMITS.live.tickMs: both processes tick on the same clock
    // Just after a tick starts, so that what follows fits in it.
    while (Date.now() % TICK > 1_000 || Date.now() % TICK < 100) await new Promise((r) => setTimeout(r, 50));
    const start = Math.floor(Date.now() / TICK);
    const onA = await turnout(a);
    expect(onA).toMatchObject({ ballotsCast: 0, coarsened: true });
    for (let i = 0; i < 10; i++) expect((await call(a.base, 'POST', `/api/ballot/${poll.tokens[i]}`, { answers: poll.template })).status).toBe(201);
    const onB = await turnout(b);
    expect(Math.floor(Date.now() / TICK), 'the test ran past its tick').toBe(start);
    // Without a shared sample B would sample now and show 10: two samples in one tick, 10 votes apart.
    expect(onB.ballotsCast).toBe(0);
    await new Promise((r) => setTimeout(r, TICK - (Date.now() % TICK) + 50));
    expect((await turnout(b)).ballotsCast).toBe(10);
    expect((await turnout(a)).ballotsCast).toBe(10);
  });

  it('SIGKILL of A under 100 connections: every acknowledged ballot stored once, B serving throughout', { timeout: 120_000 }, async () => {
    const nonces = poll.tokens.map(() => newNonce());
    const fromA = new Map<number, number | 'error'>();
    const fromB = new Map<number, number | 'error'>();
    // Slips 100-649 through A, 650-1199 through B, 50 connections each.
    const viaA = Array.from({ length: 550 }, (_, k) => 100 + k);
    const viaB = Array.from({ length: 550 }, (_, k) => 650 + k);
    const streamA = submitAll(a.base, poll, viaA, { concurrency: 50, nonces, outcome: fromA });
    const streamB = submitAll(b.base, poll, viaB, { concurrency: 50, nonces, outcome: fromB });
    // Kill A once some of its ballots are acknowledged, at a random moment after that.
    while ([...fromA.values()].filter((s) => s === 201).length < 40) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, Math.random() * 100));
    await a.kill('SIGKILL');
    await Promise.all([streamA, streamB]);

    // B served every one of its voters.
    expect([...fromB.values()].filter((s) => s !== 201)).toEqual([]);
    expect(fromB.size).toBe(viaB.length);
    // A's voters whose answer was lost try again through B with the same nonce: counted once, or stored now.
    const ackedByA = viaA.filter((i) => fromA.get(i) === 201);
    const retry = viaA.filter((i) => fromA.get(i) !== 201);
    expect(ackedByA.length).toBeGreaterThan(0);
    const again = new Map<number, number | 'error'>();
    await submitAll(b.base, poll, retry, { concurrency: 20, nonces, outcome: again });
    for (const i of retry) expect([200, 201]).toContain(again.get(i));

    const { markers, used } = await storedMarkers(poll.meetingId);
    const counts = new Map<string, number>();
    for (const m of markers) counts.set(m, (counts.get(m) ?? 0) + 1);
    // Every acknowledged ballot is there, none twice, and one used marker per ballot.
    for (const i of [...ackedByA, ...viaB, ...retry]) expect(counts.get(`ack-${i}`), `slip ${i}`).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(used).toBe(markers.length);
    console.log(`killed A after ${ackedByA.length} of its ballots were acknowledged; ${retry.length} retried through B; ${markers.length} ballots stored`);
  });
});
