// The meetings repository on a real SQLite file: every write bumps the version the voter's cache is keyed by,
// and the meeting list is read in a fixed number of queries however many meetings there are.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/db/client.js';
import { users } from '../../src/db/schema.js';
import { findMeeting, insertMeeting, listMeetingRecords, meetingVersion, setAssessors, updateMeeting } from '../../src/meetings/meetings.repository.js';

let dir: string;
let db: Db;

async function addMeeting(id: string, subjects: number): Promise<void> {
  await insertMeeting(
    { db },
    {
      meeting: { id, title: `会议 ${id}`, unit: '某村', kind: 'village', formIds: ['village-annual-review'], createdBy: 'u-admin' },
      subjects: Array.from({ length: subjects }, (_, i) => ({ id: `${id}-s${i}`, meetingId: id, position: i, name: `对象${i}`, kind: 'person' as const, title: null, isHead: false })),
      categories: [{ meetingId: id, key: 'staff', label: '干部职工', weight: 1, position: 0 }],
      assessorIds: [],
    },
  );
}

/** Counts the statements prepared on the connection while `fn` runs (drizzle prepares one per query). */
async function statementsDuring(fn: () => Promise<unknown>): Promise<number> {
  const client = db.$client;
  const original = client.prepare.bind(client);
  let n = 0;
  client.prepare = ((sql: string) => {
    n++;
    return original(sql);
  }) as typeof client.prepare;
  try {
    await fn();
  } finally {
    client.prepare = original;
  }
  return n;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ceping-meetings-repo-'));
  db = openDb(join(dir, 'm.sqlite'));
  for (const [id, role] of [['u-admin', 'admin'], ['u-a', 'assessor'], ['u-b', 'assessor']] as const) {
    await db.insert(users).values({ id, username: id, passwordHash: 'x', role, displayName: '' });
  }
});
afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('meeting version', () => {
  it('moves with every write to the meeting or its assessors', async () => {
    await addMeeting('m1', 3);
    const v0 = meetingVersion({ db }, 'm1')!;
    await updateMeeting({ db }, 'm1', { signedIn: 70 });
    const v1 = meetingVersion({ db }, 'm1')!;
    expect(v1).toBeGreaterThan(v0);
    await setAssessors({ db }, 'm1', ['u-a']);
    const v2 = meetingVersion({ db }, 'm1')!;
    expect(v2).toBeGreaterThan(v1);
    expect((await findMeeting({ db }, 'm1'))!.assessorIds).toEqual(['u-a']);
  });
});

describe('listMeetingRecords', () => {
  it('returns each meeting whole, as findMeeting does', async () => {
    await addMeeting('m2', 5);
    await setAssessors({ db }, 'm2', ['u-a', 'u-b']);
    const all = await listMeetingRecords({ db }, {});
    expect(all.map((r) => r.meeting.id)).toEqual(['m1', 'm2']);
    for (const rec of all) expect(rec).toEqual(await findMeeting({ db }, rec.meeting.id));
    expect((await listMeetingRecords({ db }, { assessorId: 'u-b' })).map((r) => r.meeting.id)).toEqual(['m2']);
    expect(await listMeetingRecords({ db }, { assessorId: 'u-admin' })).toEqual([]);
  });

  it('reads a fixed number of queries, not a few per meeting', async () => {
    const few = await statementsDuring(() => listMeetingRecords({ db }, {}));
    for (let i = 0; i < 20; i++) await addMeeting(`x${i}`, 4);
    let n = 0;
    const many = await statementsDuring(async () => (n = (await listMeetingRecords({ db }, {})).length));
    expect(n).toBe(22);
    expect(few).toBeGreaterThan(0);
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(4);
  });
});
