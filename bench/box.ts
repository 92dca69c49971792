// The ballot box's writes alone: BoxStore (src/ballots/box-store.ts) driven in this process, without HTTP or the
// server's thread, so that its cost per ballot is seen apart from the rest and with little noise. Slips are issued
// and their slots created, then every slip votes, in groups, twice over in one run: ballots without a comment
// (written into their heads alone) and ballots with one (slot and head). Each round has a fresh file.
//   node --import tsx bench/box.ts [ballots=20000] [group=20]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BoxStore } from '../src/ballots/box-store.js';
import { medianBy } from './lib.js';

/** The record and head sizes of the benchmark's village meeting (bench/ceping.ts: its three forms, without the nomination). */
const VILLAGE_RECORD = { recordSize: 2051, headSize: 51 };

export interface BoxWriteFigures {
  kind: 'without a comment' | 'with a comment';
  ballots: number;
  group: number;
  wallUsPerBallot: number;
  cpuUsPerBallot: number;
  /** Slots left empty by the round (ballots written into their heads alone). */
  emptySlots: number;
}

function round(kind: BoxWriteFigures['kind'], ballots: number, group: number): BoxWriteFigures {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-box-bench-'));
  const store = new BoxStore(join(dir, 'bench.sqlite.ballots'));
  try {
    const { recordSize, headSize } = VILLAGE_RECORD;
    const keys = Array.from({ length: ballots }, () => randomBytes(16));
    store.takeMarkers(keys.map((k, i) => ({ seq: i + 1, markerKey: k.toString('hex'), meetingId: 'm', batchId: 'b' })));
    store.prepare('m', recordSize, headSize);
    // A head as the encoder writes it (format byte, valid, then grades); a comment's bytes lie past the head.
    const record = Buffer.alloc(recordSize);
    record[0] = 1;
    record[1] = 1;
    for (let i = 3; i < headSize; i++) record[i] = 1 + (i % 4);
    if (kind === 'with a comment') record.write('希望村里把道路修好。', headSize + 4);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let at = 0; at < ballots; at += group) {
      const jobs = keys.slice(at, at + group).map((markerKey) => ({ meetingId: 'm', markerKey, nonceHash: null, recordSize, headSize, valid: true, record }));
      if (store.writeGroup(jobs).some((r) => r.kind !== 'stored')) throw new Error('bench/box: a ballot was not stored');
    }
    const cpu = process.cpuUsage(c0);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    const emptySlots = store.db.prepare('select count(*) from slots where f = 0').pluck().get() as number;
    return { kind, ballots, group, wallUsPerBallot: wallUs / ballots, cpuUsPerBallot: (cpu.user + cpu.system) / ballots, emptySlots };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both kinds of ballot, alternated over `pairs` rounds each; the median round of each kind. */
export function benchBoxWrites(ballots = 20_000, group = 20, pairs = 3): { plain: BoxWriteFigures; commented: BoxWriteFigures } {
  const runs: Record<BoxWriteFigures['kind'], BoxWriteFigures[]> = { 'without a comment': [], 'with a comment': [] };
  for (let i = 0; i < pairs; i++) {
    runs['without a comment'].push(round('without a comment', ballots, group));
    runs['with a comment'].push(round('with a comment', ballots, group));
  }
  const wall = (r: BoxWriteFigures) => r.wallUsPerBallot;
  return { plain: medianBy(runs['without a comment'], wall), commented: medianBy(runs['with a comment'], wall) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { plain, commented } = benchBoxWrites(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 20));
  for (const r of [plain, commented]) {
    console.log(`${r.kind}: ${r.wallUsPerBallot.toFixed(0)} µs wall, ${r.cpuUsPerBallot.toFixed(0)} µs CPU per ballot (${r.ballots} in groups of ${r.group}; ${r.emptySlots} slots left empty)`);
  }
}
