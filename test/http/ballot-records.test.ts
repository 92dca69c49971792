// The ballot box stores each ballot as the compact record of the meeting's layout, frozen when its poll first
// opens, and the results of a closed meeting are counted from those records without decoding a ballot. Ballots
// cast through the app, on phones and on paper, in two categories, tallied both ways: the records path must give
// exactly what the tally of the decoded ballots gives. A meeting whose ballots were stored in the older JSON
// record (opened before layouts were frozen) still reads, and keeps reading after a reopen adds compact records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingBallots, meetingRecordFormat, meetingRecords } from '../../src/ballots/index.js';
import { RECORD_FORMAT } from '../../src/domain/ballot-record.js';
import { loadMeeting } from '../../src/meetings/index.js';
import { tallyResults } from '../../src/results/results.usecases.js';
import { fullBallot, makeTestApp, sqliteBox, villageMeeting, type TestApp } from '../helpers/app.js';
import { seededRandom } from '../helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});


const layoutText = (id: string) => (t.app.db.$client.prepare('select ballot_layout as l from meetings where id = ?').get(id) as { l: string | null }).l;

/** A village meeting with the nomination form and two respondent categories, its slips issued per category. */
async function villageWithCategories(perCategory: number) {
  const base = villageMeeting();
  const m = await t.api(
    'POST',
    '/api/meetings',
    villageMeeting({
      formIds: [...base.formIds, 'village-reserve-nomination'],
      subjects: [...base.subjects, { name: '王小明', kind: 'candidate', title: '村团支部书记' }, { name: '孙丽', kind: 'candidate', title: '村妇联执委' }],
      categories: [
        { key: 'leaders', label: '镇领导班子成员', weight: 0.4 },
        { key: 'members', label: '党员群众代表', weight: 0.6 },
      ],
    }),
  );
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const id = m.body.id as string;
  const slips: Array<{ token: string; code: string }> = [];
  for (const category of ['leaders', 'members']) {
    const s = await t.api('POST', `/api/meetings/${id}/slips`, { count: perCategory, category });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    s.body.tokens.forEach((token: string, i: number) => slips.push({ token, code: s.body.shortCodes[i] }));
  }
  return { id, slips };
}

/** Casts ballot i with varied grades, comments, nominations and write-ins; every fifth on paper with blanks. */
async function cast(meetingId: string, slip: { token: string; code: string }, i: number) {
  const rand = seededRandom(7000 + i);
  const form = await t.api('GET', `/api/ballot/${slip.token}`);
  expect(form.status).toBe(200);
  const answers = fullBallot(form.body, (q) => q.scale[Math.floor(rand() * q.scale.length)].value);
  const review = answers['village-annual-review']!;
  if (i % 3 === 0) {
    const text = form.body.forms.find((f: any) => f.id === 'village-annual-review').questions.find((q: any) => q.type === 'text');
    if (text) review[text.id] = `第${i}张：希望村里把道路修好。`;
  }
  const nomination = form.body.forms.find((f: any) => f.id === 'village-reserve-nomination').questions[0];
  answers['village-reserve-nomination'] = { [nomination.id]: { options: i % 2 ? [nomination.options[1].value] : [nomination.options[0].value], writeIns: i % 4 === 0 ? ['周小东'] : [] } };
  const paper = i % 5 === 4;
  if (paper) {
    // A paper ballot is keyed in as written: one graded item left blank for every subject.
    const graded = Object.keys(review).find((k) => review[k] && typeof review[k] === 'object');
    if (graded) delete review[graded];
  }
  const res = paper ? await t.api('POST', `/api/meetings/${meetingId}/paper-ballots`, { code: slip.code, answers }) : await t.api('POST', `/api/ballot/${slip.token}`, { answers });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** The results as the tally of the decoded ballots gives them (the computation before records were counted). */
async function fromDecodedBallots(meetingId: string) {
  const rec = await loadMeeting({ db: t.app.db }, meetingId);
  return tallyResults({ db: t.app.db, forms: t.app.forms }, rec, (await meetingBallots({ db: t.app.db }, meetingId)));
}

const close = async (id: string) => expect((await t.api('POST', `/api/meetings/${id}/close`, {})).status).toBe(200);
const reopen = async (id: string) => {
  const r = await t.api('POST', `/api/meetings/${id}/open`, { reason: '补投几张因故迟到的票' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};

describe('compact ballot records', () => {
  it('freezes the layout at the first open, keeps it on a reopen, and stores every ballot in it', async () => {
    const { id, slips } = await villageWithCategories(14);
    expect(layoutText(id)).toBeNull();
    expect((await t.api('POST', `/api/meetings/${id}/open`, {})).status).toBe(200);
    const frozen = layoutText(id);
    expect(frozen).not.toBeNull();
    const { layout } = await meetingRecordFormat({ db: t.app.db }, id);
    // A village ballot fits well inside a page (the older record was several kilobytes).
    expect(layout!.recordSize).toBeLessThan(4096);
    console.log(`village ballot record (three village forms + nomination, 11 subjects): ${layout!.recordSize} bytes, head ${layout!.headSize}`);

    for (let i = 0; i < 20; i++) await cast(id, slips[i]!, i);
    await close(id);
    const records = (await meetingRecords({ db: t.app.db }, id));
    expect(records).toHaveLength(20);
    for (const r of records) {
      expect(r.length).toBe(layout!.recordSize);
      expect(r[0]).toBe(RECORD_FORMAT);
    }
    // Each record lies within its page of the ballot box: no overflow page holds part of a ballot.
    const [overflow] = sqliteBox(t.app).inspect<{ n: number }>(`select count(*) as n from dbstat where name = 'slots' and pagetype = 'overflow'`);
    expect(overflow!.n).toBe(0);
    // Each slot has its head (the bytes the tally counts) under the same key, created with it and filled in
    // place: as many heads as slots, every one of the head size, one filled per ballot. A ballot with free text
    // fills its slot too; one without is its head alone (its slot stays empty).
    const [slots] = sqliteBox(t.app).inspect<{ n: number }>('select count(*) as n from slots where m = ?', id);
    const heads = sqliteBox(t.app).inspect<{ k: number; f: number; size: number }>('select k, f, length(h) as size from heads where m = ?', id);
    expect(heads).toHaveLength(slots!.n);
    expect(new Set(heads.map((x) => x.size))).toEqual(new Set([layout!.headSize]));
    expect(heads.filter((x) => x.f === 1)).toHaveLength(20);
    const [sameKeys] = sqliteBox(t.app).inspect<{ n: number }>('select count(*) as n from heads join slots using (k) where heads.m = ?', id);
    expect(sameKeys!.n).toBe(slots!.n);
    // The seven ballots with a comment (every third, see cast; write-ins are in the head).
    const withText = 7;
    const [filledSlots] = sqliteBox(t.app).inspect<{ n: number }>('select count(*) as n from slots join heads using (k) where slots.m = ? and slots.f = 1 and heads.f = 1', id);
    expect(filledSlots!.n).toBe(withText);
    expect(sqliteBox(t.app).inspect<{ n: number }>('select count(*) as n from ballots where m = ?', id)[0]!.n).toBe(20);
    // The stored ballots read back with their categories, sources and answers.
    const ballots = (await meetingBallots({ db: t.app.db }, id));
    expect(ballots.filter((b) => b.source === 'paper')).toHaveLength(4);
    expect(new Set(ballots.map((b) => b.category))).toEqual(new Set(['leaders', 'members']));
    expect(ballots.filter((b) => String(b.answers['village-annual-review']?.[Object.keys(b.answers['village-annual-review']!).find((k) => typeof b.answers['village-annual-review']![k] === 'string') ?? ''] ?? '').includes('道路'))).toHaveLength(7);

    // Reopened, it keeps its layout (a later ballot lands in a slot of the same size).
    await reopen(id);
    expect(layoutText(id)).toBe(frozen);
    for (let i = 20; i < 26; i++) await cast(id, slips[i]!, i);
    await close(id);
    expect((await meetingRecords({ db: t.app.db }, id)).every((r) => r.length === layout!.recordSize && r[0] === RECORD_FORMAT)).toBe(true);
  });

  it('gives GET /results equal to the tally of the decoded ballots', async () => {
    const { id, slips } = await villageWithCategories(12);
    expect((await t.api('POST', `/api/meetings/${id}/open`, {})).status).toBe(200);
    for (let i = 0; i < 24; i++) await cast(id, slips[i]!, i);
    await close(id);
    const expected = await fromDecodedBallots(id);
    expect(expected.ballots.cast).toBe(24);
    // Both categories reach the minimum group, so the per-category breakdown is shown and compared too.
    expect(expected.byCategory.map((c) => c.ballots)).toEqual([12, 12]);
    const res = await t.api('GET', `/api/meetings/${id}/results`);
    expect(res.status).toBe(200);
    // Every figure the route shows is the old computation's (the route's schema may show fewer fields).
    expect(JSON.parse(JSON.stringify(expected))).toMatchObject(res.body);
    expect(res.body.ballots).toEqual({ cast: 24, valid: expected.ballots.valid, invalid: expected.ballots.invalid });
    // And in full, in process: the records path (no ballots passed) equals the decoded-ballot path.
    const rec = await loadMeeting({ db: t.app.db }, id);
    expect(await tallyResults({ db: t.app.db, forms: t.app.forms }, rec)).toStrictEqual(expected);
  });
});

describe('ballots stored before layouts were frozen', () => {
  it('still read, and tally the same, alone and mixed with compact records after a reopen', async () => {
    const { id, slips } = await villageWithCategories(8);
    expect((await t.api('POST', `/api/meetings/${id}/open`, {})).status).toBe(200);
    // As a meeting opened by the version before: no layout (and a new version, so no cached record keeps one).
    t.app.db.$client.prepare('update meetings set ballot_layout = null, version = version + 1 where id = ?').run(id);
    for (let i = 0; i < 8; i++) await cast(id, slips[i]!, i);
    await close(id);
    const older = (await meetingRecords({ db: t.app.db }, id));
    expect(older).toHaveLength(8);
    for (const r of older) expect(r[0]).toBe(0); // the high byte of the JSON record's length prefix
    expect((await meetingBallots({ db: t.app.db }, id))).toHaveLength(8);
    const first = await t.api('GET', `/api/meetings/${id}/results`);
    expect(first.status).toBe(200);
    expect(first.body.ballots.cast).toBe(8);
    expect(JSON.parse(JSON.stringify(await fromDecodedBallots(id)))).toMatchObject(first.body);

    // The reopen freezes a layout now; later ballots are compact, the older ones stay as they were.
    await reopen(id);
    expect(layoutText(id)).not.toBeNull();
    const { layout } = await meetingRecordFormat({ db: t.app.db }, id);
    for (let i = 8; i < 16; i++) await cast(id, slips[i]!, i);
    await close(id);
    const all = (await meetingRecords({ db: t.app.db }, id));
    expect(all.filter((r) => r[0] === RECORD_FORMAT && r.length === layout!.recordSize)).toHaveLength(8);
    expect(all.filter((r) => r[0] === 0)).toHaveLength(8);
    const ballots = (await meetingBallots({ db: t.app.db }, id));
    expect(ballots).toHaveLength(16);
    expect(ballots.filter((b) => b.category === 'leaders')).toHaveLength(8);
    const expected = await fromDecodedBallots(id);
    expect(expected.ballots.cast).toBe(16);
    const res = await t.api('GET', `/api/meetings/${id}/results`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(JSON.parse(JSON.stringify(expected))).toMatchObject(res.body);
    const rec = await loadMeeting({ db: t.app.db }, id);
    expect(await tallyResults({ db: t.app.db, forms: t.app.forms }, rec)).toStrictEqual(expected);
  });
});
