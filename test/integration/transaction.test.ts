// transaction() on SQLite (src/db/client.ts): one connection shared by every request, asynchronous use cases.
// What must hold: a transaction's statements commit together or not at all; another request's statements never land
// inside it, however their promises interleave; a use case called from inside joins it; and work that waits on
// anything but the database (the trap that makes statements commit on their own) is refused and rolled back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { first, openDb, transaction, TransactionEscaped, type Conn, type Db } from '../../src/db/client.js';
import { settings } from '../../src/db/schema.js';

let dir: string;
let db: Db;

const put = (c: Conn, key: string, value: string) => c.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
const get = async (c: Conn, key: string) => (await first(c.select().from(settings).where(eq(settings.key, key))))?.value;
const keys = async () => (await db.select().from(settings)).map((r) => r.key).sort();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ceping-tx-'));
  db = openDb(join(dir, 't.sqlite'), { keyFile: join(dir, 't.keys') });
});
afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  db.$client.exec('delete from settings');
});

describe('transaction on SQLite', () => {
  it('commits every statement of the work together, and an error rolls all of them back', async () => {
    await transaction(db, async (tx) => {
      await put(tx, 'a', '1');
      await put(tx, 'b', '2');
    });
    await expect(
      transaction(db, async (tx) => {
        await put(tx, 'c', '3');
        await put(tx, 'a', 'changed');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await keys()).toEqual(['a', 'b']);
    expect(await get(db, 'a')).toBe('1');
    expect(db.$client.inTransaction).toBe(false);
  });

  it('keeps two requests apart when their promises interleave: neither lands inside the other', async () => {
    // Both start in the same turn of the event loop, so their awaits alternate in the microtask queue.
    const a = transaction(db, async (tx) => {
      for (let i = 0; i < 20; i++) await put(tx, `a${i}`, 'x');
      throw new Error('a fails at the end');
    });
    const b = transaction(db, async (tx) => {
      for (let i = 0; i < 20; i++) await put(tx, `b${i}`, 'x');
      return 'b done';
    });
    const [ra, rb] = await Promise.allSettled([a, b]);
    expect(ra.status).toBe('rejected');
    expect(rb).toEqual({ status: 'fulfilled', value: 'b done' });
    // a's rollback took only a's rows: every one of b's is there, none of a's.
    expect(await keys()).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}`).sort());
  });

  it('a use case called from inside joins the transaction, whether given tx or the database', async () => {
    const inner = (c: Conn) => transaction(c, async (tx) => put(tx, 'inner', 'y'));
    await expect(
      transaction(db, async (tx) => {
        await put(tx, 'outer', 'x');
        await inner(db);
        await inner(tx);
        expect(await get(db, 'inner')).toBe('y');
        throw new Error('roll back both');
      }),
    ).rejects.toThrow('roll back both');
    expect(await keys()).toEqual([]);
  });

  it('refuses work that waits on a timer, rolls it back, and lets the next transaction through', async () => {
    const escaped = transaction(db, async (tx) => {
      await put(tx, 'slow', 'x');
      await sleep(5);
      await put(tx, 'slow2', 'x');
    });
    // Queued behind the escaped one, which holds the connection while it waits: it must not be taken into it.
    const next = transaction(db, async (tx) => put(tx, 'next', 'y'));
    await expect(escaped).rejects.toBeInstanceOf(TransactionEscaped);
    await next;
    expect(await keys()).toEqual(['next']);
    expect(db.$client.inTransaction).toBe(false);
  });

  it('work left running by a finished transaction does not count as inside it', async () => {
    let later!: Promise<unknown>;
    await transaction(db, async (tx) => {
      await put(tx, 'first', 'x');
      later = sleep(1).then(() => transaction(db, async (t2) => put(t2, 'later', 'y')));
    });
    await later;
    expect(await keys()).toEqual(['first', 'later']);
  });
});
