// The live turnout's sample of the current tick, shared by the instances of one PostgreSQL database (table
// live_samples, src/db/schema.pg.ts; SQLite has no such table: its one process keeps the sample in memory).
import { sql } from 'drizzle-orm';
import { rawRows, type Conn } from '../db/client.js';

/**
 * Offers `mine` as the sample of tick `epoch` and returns the one that counts: the first written for that tick by any
 * instance (an upsert that replaces only an older tick's), or a later tick's if another instance's clock is ahead.
 */
export async function shareLiveSample<T extends object>({ db }: { db: Conn }, meetingId: string, kind: string, epoch: number, mine: T, replace = false): Promise<T> {
  // `replace`: whatever is there (a test that changed the tick takes a fresh sample, LiveHub.setTiming).
  const older = replace ? sql`` : sql` where live_samples.epoch < excluded.epoch`;
  const written = await rawRows<{ figures: string }>(
    db,
    sql`insert into live_samples (meeting_id, kind, epoch, figures) values (${meetingId}, ${kind}, ${epoch}, ${JSON.stringify(mine)})
      on conflict (meeting_id, kind) do update set epoch = excluded.epoch, figures = excluded.figures${older}
      returning figures`,
  );
  if (written[0]) return mine;
  const [kept] = await rawRows<{ figures: string }>(db, sql`select figures from live_samples where meeting_id = ${meetingId} and kind = ${kind}`);
  return kept ? (JSON.parse(kept.figures) as T) : mine;
}
