// Exports read back by independent readers: the CSV parsed (csv-parse), the XLSX unzipped (fflate) and its
// sheet XML parsed (fast-xml-parser), the PDF's text extracted by poppler's pdftotext. Each must match the
// JSON results and carry the turnout flags and, below the minimum, the 无效 stamp.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { unzipSync, strFromU8 } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvDocument, csvField } from '../../src/exports/csv.js';
import { neutraliseCell } from '../../src/shared/cells.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
let meetingId: string;
let results: any;

async function raw(url: string, token = t.adminToken) {
  const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
}

const FORMULA = '=HYPERLINK("http://evil.test","点我")';

beforeAll(async () => {
  t = await makeTestApp();
  const m = await t.api('POST', '/api/meetings', villageMeeting({ title: '+插旗村测评', formIds: ['village-political-construction', 'village-annual-review', 'village-secretary-report'] }));
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  meetingId = m.body.id;
  const s = await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: 6 });
  expect(s.status).toBe(201);
  expect((await t.api('POST', `/api/meetings/${meetingId}/open`, {})).status).toBe(200);
  const grades = ['good', 'fairly-good', 'average', 'poor', 'good', 'fairly-good'];
  for (let i = 0; i < 6; i++) {
    const form = await t.api('GET', `/api/ballot/${s.body.tokens[i]}`);
    const answers = fullBallot(form.body, () => grades[i]!);
    answers['village-annual-review']!.comments = i === 0 ? FORMULA : i === 1 ? '班子团结，"务实"，肯干' : '';
    if (answers['village-annual-review']!.comments === '') delete answers['village-annual-review']!.comments;
    const cast = await t.api('POST', `/api/ballot/${s.body.tokens[i]}`, { answers });
    expect(cast.status, JSON.stringify(cast.body)).toBe(201);
  }
  // Raw ballots are exported once the poll is closed.
  const early = await raw(`/api/meetings/${meetingId}/ballots.json`);
  expect(early.status).toBe(409);
  expect(JSON.parse(early.body.toString('utf8')).error.code).toBe('MEETING_OPEN');
  expect((await t.api('POST', `/api/meetings/${meetingId}/close`, {})).status).toBe(200);
  results = (await t.api('GET', `/api/meetings/${meetingId}/results`)).body;
});
afterAll(async () => t.close());

describe('results.csv', () => {
  it('is UTF-8 with a BOM, parses as RFC 4180, matches the JSON results and carries the 无效 stamp', async () => {
    const r = await raw(`/api/meetings/${meetingId}/results.csv`);
    expect(r.status).toBe(200);
    expect(String(r.headers['content-type'])).toContain('text/csv');
    expect([...r.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows: string[][] = parse(r.body.subarray(3).toString('utf8'), { relax_column_count: true });
    const text = rows.map((x) => x.join(',')).join('\n');
    // 6 ballots against the village minimum of 70 (003_43142c8fa1f20547.txt).
    expect(text).toContain('无效：参评 6 人，少于最低参评人数 70 人');
    expect(text).toContain('少于最低参评人数 70 人');
    expect(text).not.toContain('BELOW_MINIMUM');
    // The title starts with "+": neutralised.
    expect(rows.find((x) => x[0] === '测评会议')?.[1]).toBe("'+插旗村测评");
    const header = rows.findIndex((x) => x[0] === '测评表' && x[1] === '题目');
    expect(header).toBeGreaterThan(0);
    const table = rows.slice(header + 1);
    const secretary = results.forms.find((f: any) => f.formId === 'village-secretary-report').questions[0];
    const good = table.find((x) => x[1] === secretary.text && x[4] === '好');
    expect(good?.[3]).toBe('全部');
    expect(Number(good?.[5])).toBe(secretary.counts.good);
    expect(Number(good?.[8])).toBeCloseTo(secretary.meanPoints, 2);
    const discipline = results.forms.find((f: any) => f.formId === 'village-annual-review').questions.find((q: any) => q.questionId === 'discipline');
    for (const s of discipline.subjects) {
      const rowsFor = table.filter((x) => x[1] === discipline.text && x[2] === s.name);
      expect(rowsFor.map((x) => Number(x[5])).reduce((a, b) => a + b, 0)).toBe(s.answered);
      expect(Number(rowsFor[0]![8])).toBeCloseTo(s.meanPoints, 2);
    }
  });
});

describe('cells', () => {
  it('neutralises = + - @ tab and CR at the start of a cell, and nothing else', () => {
    for (const c of ['=1+1', '+86', '-2', '@SUM(A1)', '\tx', '\rx']) expect(neutraliseCell(c)).toBe(`'${c}`);
    for (const c of ['张三', '1-2', 'a=b', '', "'已转义"]) expect(neutraliseCell(c)).toBe(c);
  });

  it('quotes per RFC 4180, and a CSV parser reads back exactly what was written (after the apostrophe)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('他说"好"')).toBe(String.raw`"他说""好"""`);
    const cells = ['逗号,在内', '引号"在内', '换行\r\n在内', "=cmd|' /C calc'!A0", '@x', '普通'];
    const back: string[][] = parse(csvDocument([cells]).subarray(3).toString('utf8'));
    expect(back).toEqual([['逗号,在内', '引号"在内', '换行\r\n在内', "'=cmd|' /C calc'!A0", "'@x", '普通']]);
  });
});

describe('results.xlsx', () => {
  it('has the 统计表, a summary sheet and one long sheet per instrument, a frozen header, percentages, and the stamp', async () => {
    const r = await raw(`/api/meetings/${meetingId}/results.xlsx`);
    expect(r.status).toBe(200);
    const files = unzipSync(new Uint8Array(r.body));
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
    const workbook = xml.parse(strFromU8(files['xl/workbook.xml']!));
    const sheets = [workbook.workbook.sheets.sheet].flat().map((s: any) => s['@name']);
    expect(sheets.slice(0, 2)).toEqual(['统计表', '汇总']);
    expect(sheets).toHaveLength(2 + results.forms.length);
    const shared = xml.parse(strFromU8(files['xl/sharedStrings.xml']!));
    const strings: string[] = [shared.sst.si].flat().map((si: any) => (typeof si.t === 'object' ? si.t['#text'] : String(si.t)));
    expect(strings.some((s) => s.includes('无效：参评 6 人，少于最低参评人数 70 人'))).toBe(true);
    // The first long sheet, after the 统计表 and the summary.
    const sheet3 = strFromU8(files['xl/worksheets/sheet3.xml']!);
    expect(sheet3).toMatch(/<pane[^>]*ySplit="2"[^>]*state="frozen"/);
    const styles = strFromU8(files['xl/styles.xml']!);
    expect(styles).toContain('0.0%');
    // The meeting title starts with "+": neutralised in the workbook too.
    expect(strings).toContain("'+插旗村测评");
    expect(strings.some((x) => /^[=+\-@\t\r]/.test(x))).toBe(false);
  });
});

describe('results.pdf', () => {
  it('states the facts, the stamp, the figures and the text answers (read by pdftotext)', async () => {
    const r = await raw(`/api/meetings/${meetingId}/results.pdf`);
    expect(r.status).toBe(200);
    expect(r.body.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(t.dir, 'report.pdf');
    writeFileSync(file, r.body);
    const text = execFileSync('pdftotext', ['-layout', file, '-']).toString('utf8');
    expect(text).toContain('无效：参评 6 人，少于最低参评人数 70 人');
    expect(text).toContain('签到人数');
    expect(text).toContain('发放测评票：6');
    expect(text).toContain('有效票：6');
    expect(text).toContain('党组织书记述党建工作测评表');
    expect(text).toContain('班子团结');
  });
});

describe('ballots', () => {
  it('ballots.json lists every ballot without ids or times, in a fresh random order each time', async () => {
    const r = await raw(`/api/meetings/${meetingId}/ballots.json`);
    expect(r.status).toBe(200);
    const doc = JSON.parse(r.body.toString('utf8'));
    expect(doc.ballots).toHaveLength(6);
    expect(doc.validity).toContain('无效');
    for (const b of doc.ballots) expect(Object.keys(b).sort()).toEqual(['answers', 'category', 'invalidReasons', 'valid']);
    const orders = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const again = JSON.parse((await raw(`/api/meetings/${meetingId}/ballots.json`)).body.toString('utf8'));
      orders.add(again.ballots.map((b: any) => b.answers['village-secretary-report'].overall).join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('ballots.csv neutralises a formula written into a text answer', async () => {
    const r = await raw(`/api/meetings/${meetingId}/ballots.csv`);
    expect(r.status).toBe(200);
    const rows: string[][] = parse(r.body.subarray(3).toString('utf8'), { relax_column_count: true });
    const cells = rows.flat();
    expect(cells).toContain(`'${FORMULA}`);
    expect(cells.some((c) => /^[=+\-@\t\r]/.test(c))).toBe(false);
  });

  it('needs a session, like /results', async () => {
    const r = await t.app.inject({ method: 'GET', url: `/api/meetings/${meetingId}/results.csv` });
    expect(r.statusCode).toBe(401);
  });
});
