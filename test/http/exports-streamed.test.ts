// The raw-ballot exports are streamed: their ballots are read from the ballot box a page at a time and written as
// they come (src/exports/ballots.json.ts, ballots.csv.ts). Each file must be, byte for byte, the file the exports
// built in memory before (kept here as the reference: every ballot decoded at once, tallied from those ballots,
// shuffled, stringified whole), whatever the page size, for a meeting with text answers that need escaping,
// choices, nominations with written-in names, blank and invalid ballots in two categories, and for a meeting whose
// ballots are partly in the older JSON record. The report's text answers, read page by page, are those of the
// valid ballots. Over a real socket, the download arrives in chunks with no length announced (compressed or not).
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingBallots, type StoredBallot } from '../../src/ballots/index.js';
import { MIN_GROUP_SIZE } from '../../src/domain/group-size.js';
import { textAnswers } from '../../src/exports/ballots.anonymised.js';
import { ballotColumns } from '../../src/exports/ballots.csv.js';
import { csvDocument } from '../../src/exports/csv.js';
import { gatherExport, renderExport } from '../../src/exports/exports.usecases.js';
import { flagRows, validityLine } from '../../src/exports/results.table.js';
import { loadMeeting, meetingForms } from '../../src/meetings/index.js';
import { tallyResults } from '../../src/results/results.usecases.js';
import { fullBallot, makeTestApp, type TestApp } from '../helpers/app.js';
import { seededRandom } from '../helpers/fixtures.js';

let t: TestApp;
/** Compact records only: 25 ballots in two categories, one of them invalid, some blank in places. */
let mixed: string;
/** Eight ballots in the older JSON record, then six compact ones after a reopen. */
let older: string;

const TEXT = '他说"很好"，=SUM(A1:A9)\n第二行\t😀';
const WRITE_IN = '周小东,"东东"';
/** The rater's pick: `cadreGrade` on the 优秀/称职 scale, the `n`-th grade (round the scale) on the others. */
const picker = (n: number, cadreGrade = 'competent') => (q: { scale: Array<{ value: string }> }) =>
  q.scale.some((g) => g.value === cadreGrade) ? cadreGrade : q.scale[n % q.scale.length]!.value;

async function slipsOf(id: string, category: string, count: number) {
  const s = await t.api('POST', `/api/meetings/${id}/slips`, { count, category });
  expect(s.status, JSON.stringify(s.body)).toBe(201);
  return (s.body.tokens as string[]).map((token, i) => ({ token, code: s.body.shortCodes[i] as string }));
}

/** Ballot i: grades varied, a text answer every third ballot, choices and nominations varied. */
async function answersFor(token: string, i: number) {
  const form = (await t.api('GET', `/api/ballot/${token}`)).body;
  const answers = fullBallot(form, picker(i));
  for (const f of form.forms) {
    for (const q of f.questions) {
      if (q.type === 'text' && i % 3 === 0) answers[f.id]![q.id] = `${TEXT}（第${i}张）`;
      if (q.type === 'single') answers[f.id]![q.id] = q.options[i % q.options.length].value;
      if (q.type === 'multiple') answers[f.id]![q.id] = q.options.filter((_: unknown, j: number) => (i + j) % 2 === 0).slice(0, q.maxChoices ?? q.options.length).map((o: { value: string }) => o.value);
      if (q.type === 'nomination') answers[f.id]![q.id] = { options: [q.options[i % q.options.length].value], writeIns: i % 4 === 0 ? [WRITE_IN] : [] };
    }
  }
  return answers;
}

async function castPhone(token: string, i: number) {
  const res = await t.api('POST', `/api/ballot/${token}`, { answers: await answersFor(token, i) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** A paper ballot keyed in as written: every graded item about subjects of the first form left blank. */
async function castPaperWithBlanks(id: string, slip: { token: string; code: string }, i: number) {
  const answers = await answersFor(slip.token, i);
  const first = Object.keys(answers)[0]!;
  for (const [k, v] of Object.entries(answers[first]!)) if (v && typeof v === 'object' && !Array.isArray(v) && !('options' in v)) delete answers[first]![k];
  const res = await t.api('POST', `/api/meetings/${id}/paper-ballots`, { code: slip.code, answers });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

beforeAll(async () => {
  t = await makeTestApp({}, { exportPageSize: 2 });
  const meeting = {
    title: '=县直单位班子成员测评',
    unit: '某县某局',
    kind: 'other',
    minRespondents: 5,
    minReason: '专题测评',
    formIds: ['county-cadre-evaluation', 'public-gain-survey', 'village-reserve-nomination'],
    subjects: [...['甲', '乙', '丙', '丁', '戊'].map((n) => ({ name: `${n}同志`, kind: 'person' })), { name: '王小明', kind: 'candidate', title: '村团支部书记' }, { name: '孙丽', kind: 'candidate' }],
    categories: [
      { key: 'leaders', label: '领导班子成员', weight: 0.4 },
      { key: 'staff', label: '干部职工', weight: 0.6 },
    ],
  };
  const m = await t.api('POST', '/api/meetings', meeting);
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  mixed = m.body.id;
  expect((await t.api('POST', `/api/meetings/${mixed}/open`)).status).toBe(200);
  const leaders = await slipsOf(mixed, 'leaders', 8);
  const staff = await slipsOf(mixed, 'staff', 18);
  for (const [i, s] of leaders.slice(0, 6).entries()) await castPhone(s.token, i);
  await castPaperWithBlanks(mixed, leaders[6]!, 6);
  for (const [i, s] of staff.slice(0, 16).entries()) await castPhone(s.token, 10 + i);
  await castPaperWithBlanks(mixed, staff[16]!, 26);
  // A paper ballot rating every cadre 优秀, over the quota: recorded as written, and invalid.
  const paperForm = (await t.api('GET', `/api/meetings/${mixed}/paper-ballots/form`)).body;
  const over = await t.api('POST', `/api/meetings/${mixed}/paper-ballots`, { code: staff[17]!.code, answers: fullBallot(paperForm, picker(0, 'excellent')) });
  expect(over.status, JSON.stringify(over.body)).toBe(201);
  expect(over.body.valid).toBe(false);
  expect((await t.api('POST', `/api/meetings/${mixed}/close`)).status).toBe(200);

  const o = await t.api('POST', '/api/meetings', { ...meeting, title: '较早的测评', formIds: ['public-gain-survey', 'village-reserve-nomination'] });
  older = o.body.id;
  expect((await t.api('POST', `/api/meetings/${older}/open`)).status).toBe(200);
  // As a meeting opened by the version before layouts: its ballots go into the older JSON record.
  t.app.db.$client.prepare('update meetings set ballot_layout = null, version = version + 1 where id = ?').run(older);
  const first = [...(await slipsOf(older, 'leaders', 7)), ...(await slipsOf(older, 'staff', 7))];
  for (const [i, s] of first.slice(0, 8).entries()) await castPhone(s.token, i);
  expect((await t.api('POST', `/api/meetings/${older}/close`)).status).toBe(200);
  expect((await t.api('POST', `/api/meetings/${older}/open`, { reason: '补投几张因故迟到的票' })).status).toBe(200);
  for (const [i, s] of first.slice(8).entries()) await castPhone(s.token, 8 + i);
  expect((await t.api('POST', `/api/meetings/${older}/close`)).status).toBe(200);
}, 120_000);
afterAll(async () => t.close());

/** The same sequence of uniform integers each time: the streamed export and the reference shuffle alike. */
const randomFrom = (seed: number) => {
  const rand = seededRandom(seed);
  return (n: number) => Math.floor(rand() * n);
};

/** The files as the exports built them in memory before they were streamed (the reference). */
async function inMemory(id: string, seed: number) {
  const db = t.app.db;
  const rec = await loadMeeting({ db }, id);
  const ballots = await meetingBallots({ db }, id);
  const r = await tallyResults({ db, forms: t.app.forms }, rec, ballots);
  const labelOf = new Map(r.byCategory.map((c) => [c.key, c.label]));
  const perCategory = new Map<string, number>();
  for (const b of ballots) if (b.category) perCategory.set(b.category, (perCategory.get(b.category) ?? 0) + 1);
  const labelled = r.breakdownShown && [...perCategory.values()].every((n) => n >= MIN_GROUP_SIZE);
  const order: StoredBallot[] = [...ballots];
  const random = randomFrom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const anonymised = order.map((b) => ({ category: labelled && b.category ? (labelOf.get(b.category) ?? b.category) : null, valid: b.valid, invalidReasons: b.breaches.map((x) => x.message), answers: b.answers }));
  const v = validityLine(r);
  const json = JSON.stringify(
    {
      meetingId: r.meetingId,
      title: r.title,
      unit: r.unit,
      valid: v.valid,
      validity: v.text,
      minRespondents: r.minRespondents,
      flags: r.flags,
      notes: r.notes,
      ballotCounts: r.ballots,
      categoryShown: anonymised.some((b) => b.category !== null),
      note: '原始选票（匿名），每次导出顺序随机；不含票号、时间和来源。类别仅在每个类别均不少于 5 票时给出。',
      ballots: anonymised,
    },
    null,
    2,
  );
  const forms = meetingForms(t.app.forms, rec.meeting.formIds, rec.meeting.settings);
  const cols = ballotColumns({ forms, subjects: rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title })) });
  const cell = (c: (typeof cols)[number], a: StoredBallot['answers']) => {
    const answer = a[c.formId]?.[c.questionId];
    return c.show(c.subjectId === undefined ? answer : (answer as Record<string, unknown> | undefined)?.[c.subjectId]);
  };
  const csv = csvDocument([
    ['测评会议', r.title],
    ['结论', v.text],
    ...flagRows(r),
    ['说明', '原始选票（匿名），每次导出顺序随机；不含票号、时间和来源'],
    [],
    ['类别', '是否有效', '无效原因', ...cols.map((c) => c.header)],
    ...anonymised.map((b) => [b.category ?? '', b.valid ? '有效' : '无效', b.invalidReasons.join('；'), ...cols.map((c) => cell(c, b.answers))]),
  ]);
  const texts = forms.flatMap((form) =>
    form.questions
      .filter((q) => q.type === 'text')
      .map((q) => ({
        form: form.title,
        question: q.text,
        answers: ballots
          .filter((b) => b.valid)
          .map((b) => b.answers[form.id]?.[q.id])
          .filter((x): x is string => typeof x === 'string' && x.trim() !== '')
          .sort((a, b) => a.localeCompare(b, 'zh-CN')),
      })),
  );
  return { json: Buffer.from(json, 'utf8'), csv, texts, ballots };
}

const deps = () => ({ db: t.app.db, forms: t.app.forms });

describe('streamed raw-ballot exports', () => {
  it('the meeting exercises what the files must carry: categories shown, text to escape, write-ins, blanks, an invalid ballot', async () => {
    const { json, ballots } = await inMemory(mixed, 1);
    const doc = JSON.parse(json.toString('utf8'));
    expect(doc.categoryShown).toBe(true);
    expect(ballots).toHaveLength(25);
    expect(doc.ballots.filter((b: any) => !b.valid && b.invalidReasons.length === 1)).toHaveLength(1);
    expect(json.toString('utf8')).toContain(JSON.stringify(`${TEXT}（第0张）`));
    expect(json.toString('utf8')).toContain(JSON.stringify(WRITE_IN));
    expect(ballots.filter((b) => b.source === 'paper' && Object.keys(b.answers['county-cadre-evaluation']!).length < 3)).toHaveLength(2);
    const { ballots: old } = await inMemory(older, 1);
    expect(old).toHaveLength(14);
  });

  for (const pageSize of [1, 2, 3, 7, 1000]) {
    it(`ballots.json and ballots.csv read ${pageSize} ballot(s) at a time are byte for byte the files built in memory`, async () => {
      for (const [id, seed] of [
        [mixed, pageSize],
        [older, 100 + pageSize],
      ] as const) {
        const reference = await inMemory(id, seed);
        const json = await renderExport('ballots.json', deps(), id, { pageSize, random: randomFrom(seed) });
        expect(json.body.toString('utf8')).toBe(reference.json.toString('utf8'));
        const csv = await renderExport('ballots.csv', deps(), id, { pageSize, random: randomFrom(seed) });
        expect(csv.body.equals(reference.csv), csv.body.toString('utf8')).toBe(true);
      }
    });
  }

  it('results.pdf quotes the text answers of the valid ballots, read page by page', async () => {
    for (const id of [mixed, older]) {
      const texts = await textAnswers(await gatherExport(deps(), id, 'results.pdf'), { pageSize: 2 });
      expect(texts).toEqual((await inMemory(id, 1)).texts);
      expect(texts.flatMap((x) => x.answers).length).toBeGreaterThan(0);
    }
  });

  it('arrives over a socket in chunks with no length announced, and reads as the same ballots', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${t.adminToken}`, ...headers } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    for (const format of ['ballots.json', 'ballots.csv']) {
      const res = await get(`/api/meetings/${mixed}/${format}`);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.headers['content-length']).toBeUndefined();
      expect(res.headers['content-disposition']).toContain('filename*=');
      const again = await t.app.inject({ method: 'GET', url: `/api/meetings/${mixed}/${format}`, headers: { authorization: `Bearer ${t.adminToken}` } });
      // Each export is shuffled anew: the same lines, in another order.
      const lines = (b: Buffer) => b.toString('utf8').split('\n').sort();
      expect(lines(res.body)).toEqual(lines(again.rawPayload));
      // As a browser asks for it: compressed on the way, still in chunks.
      const zipped = await get(`/api/meetings/${mixed}/${format}`, { 'accept-encoding': 'gzip' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers['transfer-encoding']).toBe('chunked');
      expect(lines(gunzipSync(zipped.body))).toEqual(lines(again.rawPayload));
    }
  });
});
