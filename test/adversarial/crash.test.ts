// Crash: a real server under a stream of submissions is killed with SIGKILL several times. After each restart
// every ballot that got a 201 is there, no slip counts twice, and the database passes integrity_check.
// (docs/security.md, "No lost ballot".)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { recordDecoder } from '../helpers/stored-records.js';
import { newNonce, openPoll, startServer, submitAll, call, type ServerProcess } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ceping-crash-'));
const dbPath = join(dir, 'ceping.sqlite');
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** What the ballot box holds, read by a separate connection after the crash (which rolls back a hot journal). */
function inspect(): { integrity: string; markers: string[]; ballots: number; used: number } {
  const main = new Database(dbPath, { fileMustExist: true });
  const box = new Database(`${dbPath}.ballots`, { fileMustExist: true });
  try {
    const integrity = [main, box].map((d) => d.pragma('integrity_check', { simple: true }) as string).find((r) => r !== 'ok') ?? 'ok';
    const rows = box.prepare('select r from ballots').all() as Array<{ r: Buffer }>;
    const decode = recordDecoder(main);
    const markers = rows.map((row) => decode(row.r).answers['village-annual-review']?.comments as string);
    const used = (box.prepare('select count(*) as n from markers where u = 1').get() as { n: number }).n;
    // Votes never write the main database: no slip row says it was used.
    expect((main.prepare(`select count(*) as n from slips where status = 'used'`).get() as { n: number }).n).toBe(0);
    return { integrity, markers, ballots: rows.length, used };
  } finally {
    box.close();
    main.close();
  }
}

it('loses no acknowledged ballot and counts no slip twice across repeated SIGKILLs', { timeout: 120_000 }, async () => {
  const KILLS = 3;
  const SLIPS = 900;
  let t0 = Date.now();
  server = await startServer(dbPath);
  console.log(`start: ${Date.now() - t0} ms`);
  t0 = Date.now();
  const poll = await openPoll(server.base, SLIPS);
  console.log(`poll: ${Date.now() - t0} ms`);
  const nonces = Array.from({ length: SLIPS }, newNonce);
  const outcome = new Map<number, number | 'error'>();
  let cursor = 0;
  const acked = new Set<number>();

  for (let round = 0; round <= KILLS; round++) {
    const last = round === KILLS;
    const indexes = Array.from({ length: last ? 150 : SLIPS }, (_, k) => cursor + k).filter((i) => i < SLIPS);
    let stopped = false;
    const stream = submitAll(server.base, poll, indexes, { concurrency: 24, nonces, outcome, stop: () => stopped });
    if (!last) {
      // Kill once at least some ballots in this round are acknowledged, at a random moment after that.
      const before = [...outcome.values()].filter((s) => s === 201).length;
      while ([...outcome.values()].filter((s) => s === 201).length < before + 20) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      await server.kill('SIGKILL');
      stopped = true;
    }
    await stream;
    // The ballot box is held by the running server alone (exclusive lock): stop it before reading the file.
    if (last) await server.kill('SIGKILL');
    cursor = Math.max(cursor, ...[...outcome.keys()].map((i) => i + 1));
    for (const [i, s] of outcome) if (s === 201) acked.add(i);

    const state = inspect();
    expect(state.integrity).toBe('ok');
    // One ballot per used slip, never more: the slip and its ballot are written in one transaction.
    expect(state.ballots).toBe(state.used);
    expect(new Set(state.markers).size).toBe(state.markers.length);
    // Every 201 is on disk.
    const stored = new Set(state.markers);
    const lost = [...acked].filter((i) => !stored.has(`ack-${i}`));
    expect(lost, `round ${round}: acknowledged but missing`).toEqual([]);
    // Nothing stored that was never sent.
    expect([...stored].every((m) => outcome.has(Number(m.slice(4))))).toBe(true);

    if (!last) {
      const t0 = Date.now();
      server = await startServer(dbPath);
      console.log(`restart ${round}: ${Date.now() - t0} ms, ${acked.size} acknowledged so far`);
      // The phones whose request died with the server retry with the same nonce: "counted" if it was stored
      // (200), stored now if it was not (201). Either way the slip ends up counted exactly once.
      const inFlight = [...outcome].filter(([, s]) => s === 'error').map(([i]) => i);
      for (const i of inFlight) {
        const r = await call(server.base, 'POST', `/api/ballot/${poll.tokens[i]}`, { answers: {}, nonce: nonces[i] });
        if (r.status === 200) {
          expect(stored.has(`ack-${i}`)).toBe(true);
          outcome.set(i, 200);
        } else {
          // Not stored: the retry carries empty answers, so it is refused as incomplete and the slip stays unused.
          expect(stored.has(`ack-${i}`)).toBe(false);
          expect(r.status).toBe(422);
          outcome.delete(i);
        }
      }
    }
  }
  expect(acked.size).toBeGreaterThan(KILLS * 20);
  const final = inspect();
  console.log(`crash: ${KILLS} SIGKILLs, ${acked.size} acknowledged ballots, ${final.ballots} stored, integrity ${final.integrity}`);
});
