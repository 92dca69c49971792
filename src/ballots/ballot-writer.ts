// Group commit for ballots. Submissions that arrive together are written in one transaction and each is
// answered only after that transaction is on disk (synchronous=FULL), so a 201 always means "stored", while
// one fsync serves the whole group. Each submission runs in its own savepoint: one that fails (a token used
// a moment ago by a concurrent request) rolls back alone. Within a group the order is shuffled, and after
// the commit the WAL is checkpointed and truncated, so neither the order of writes nor the WAL pairs a slip
// with its ballot for longer than one group's commit.
import { randomInt } from 'node:crypto';
import type { Db } from '../db/client.js';
import { checkpointAndTruncate } from '../db/client.js';

type Job<T> = { run: (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => T; resolve: (v: T) => void; reject: (e: unknown) => void };

export interface BallotWriterOptions {
  /** Largest group written in one transaction. */
  maxGroup?: number;
  /** Truncate the WAL after each group (see above). */
  truncateWal?: boolean;
}

export class BallotWriter {
  private queue: Array<Job<unknown>> = [];
  private scheduled = false;
  private readonly maxGroup: number;
  private readonly truncateWal: boolean;
  /** Figures for the benchmarks: groups written and ballots in them. */
  readonly stats = { groups: 0, jobs: 0 };

  constructor(
    private readonly db: Db,
    options: BallotWriterOptions = {},
  ) {
    this.maxGroup = options.maxGroup ?? 256;
    this.truncateWal = options.truncateWal ?? true;
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
            // A nested transaction is a SAVEPOINT: a failing job rolls back only its own writes.
            outcomes.push({ ok: true, value: tx.transaction((sp) => job.run(sp)) });
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
        checkpointAndTruncate(this.db);
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
