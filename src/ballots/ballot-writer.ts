// Group commit for ballots. Submissions that arrive together are written in one transaction and each is
// answered only after that transaction is on disk (synchronous=FULL), so a 201 always means "stored", while
// one fsync serves the whole group. Each submission runs in its own savepoint: one that fails (a token used
// a moment ago by a concurrent request) rolls back alone. Within a group the order is shuffled, and after
// the commit the WAL is checkpointed and truncated, so neither the order of writes nor the WAL pairs a slip
// with its ballot for longer than one group's commit.
//
// Physical placement. A ballot is larger than a page, so SQLite keeps its content on overflow pages taken from
// the end of the file: left alone, the byte offset of a ballot in the database file would give its arrival
// order exactly (test/adversarial/linkability.test.ts measured a rank correlation of 1.0). So each new ballot
// trades places with a uniformly chosen earlier one (an inside-out Fisher–Yates step): that ballot is lifted out
// before the new one is written, so the new one reuses its freed pages, and is then written again into fresh
// pages. Where a ballot ends up is then a uniform random draw, independent of when it arrived.
import { randomInt } from 'node:crypto';
import type { Db } from '../db/client.js';
import { statement, truncateWal } from '../db/client.js';

type Job<T> = { run: (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => T; resolve: (v: T) => void; reject: (e: unknown) => void };

export interface BallotWriterOptions {
  /** Largest group written in one transaction. */
  maxGroup?: number;
  /** Truncate the WAL after each group (see above). */
  truncateWal?: boolean;
  /** Trade each new ballot's place in the file with a random earlier ballot's (see above). */
  shufflePlacement?: boolean;
}

type Row = Record<string, unknown>;

/**
 * Lifts a uniformly chosen earlier ballot out of the table, or none with probability 1/(n+1): the inside-out
 * Fisher–Yates step, after which every assignment of ballots to places is equally likely. (A cheaper "successor
 * of a random key" pick was not uniform enough: it left a rank correlation of 0.27 with arrival.) Both queries
 * run on the covering index (meeting_id, id): 0.1 ms and 1.2 ms with 30,000 ballots in the file.
 */
function liftRandomBallot(db: Db): Row | null {
  const n = (statement(db, 'select count(*) as n from ballots').get() as { n: number }).n;
  const j = randomInt(n + 1);
  if (j === n) return null;
  const pick = statement(db, 'select id from ballots order by meeting_id, id limit 1 offset ?').get(j) as { id: string } | undefined;
  if (!pick) return null;
  const row = statement(db, 'select * from ballots where id = ?').get(pick.id) as Row;
  statement(db, 'delete from ballots where id = ?').run(pick.id);
  return row;
}

function putBack(db: Db, row: Row): void {
  const cols = Object.keys(row);
  statement(db, `insert into ballots (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
}

export class BallotWriter {
  private queue: Array<Job<unknown>> = [];
  private scheduled = false;
  private readonly maxGroup: number;
  private readonly truncateWal: boolean;
  private readonly shufflePlacement: boolean;
  /** Figures for the benchmarks: groups written and ballots in them. */
  readonly stats = { groups: 0, jobs: 0 };

  constructor(
    private readonly db: Db,
    options: BallotWriterOptions = {},
  ) {
    this.maxGroup = options.maxGroup ?? 256;
    this.truncateWal = options.truncateWal ?? true;
    this.shufflePlacement = options.shufflePlacement ?? true;
  }

  /** Queues `run` to execute inside the next group transaction; resolves after that group is committed. */
  submit<T>(run: Job<T>['run']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as Job<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate lets every request already parsed in this turn of the event loop join the group.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue.splice(0, this.maxGroup);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (jobs.length === 0) return;
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.transaction((tx) => {
        for (const job of jobs) {
          try {
            // A nested transaction is a SAVEPOINT: a failing job rolls back only its own writes (and the lift).
            const value = tx.transaction((sp) => {
              const lifted = this.shufflePlacement ? liftRandomBallot(this.db) : null;
              const out = job.run(sp);
              if (lifted) putBack(this.db, lifted);
              return out;
            });
            outcomes.push({ ok: true, value });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the group is stored; say so to everyone.
      for (const job of jobs) job.reject(error);
      return;
    }
    this.stats.groups++;
    this.stats.jobs += jobs.length;
    if (this.truncateWal) {
      try {
        truncateWal(this.db);
      } catch {
        // A reader (e.g. an online backup) may hold the WAL; the next group or the close will truncate it.
      }
    }
    jobs.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
  }
}
