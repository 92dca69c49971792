// The 民主测评结果统计表 through HTTP (inject only): the first sheet of results.xlsx, read back with fflate and
// fast-xml-parser, and statistics.csv, read with csv-parse. Rows per person, votes that add up to the valid
// ballots, 得分 and rates that follow from the votes shown and match the JSON results, the page set-up a
// county office prints with, the stamp, file names from the unit and title, and formula neutralising.
import { parse } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { cityUnitMeeting } from '../helpers/fixtures.js';
import { closedCountyMeeting, closedVillageMeeting, COUNTY_CADRES, type ClosedMeeting } from '../helpers/statistics-meetings.js';

let t: TestApp;
let village: ClosedMeeting;
let county: ClosedMeeting;
beforeAll(async () => {
  t = await makeTestApp();
  village = await closedVillageMeeting(t, 12);
  county = await closedCountyMeeting(t, 52);
}, 120_000);
afterAll(async () => t.close());

async function get(url: string) {
  const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  return { headers: res.headers, body: res.rawPayload };
}
const results = async (id: string) => (await t.api('GET', `/api/meetings/${id}/results`)).body;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['row', 'c', 'si', 'sheet', 'brk'].includes(n) });
const column = (ref: string) => [...ref.replace(/\d+/g, '')].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;

/** The workbook's sheet names, the first sheet's XML, and its cells by row (text, or numbers as numbers). */
function firstSheet(xlsx: Buffer) {
  const files = unzipSync(new Uint8Array(xlsx));
  const names = (xml.parse(strFromU8(files['xl/workbook.xml']!)).workbook.sheets.sheet as any[]).map((s) => s['@name'] as string);
  const strings = (xml.parse(strFromU8(files['xl/sharedStrings.xml']!)).sst.si as any[]).map((si) => (typeof si.t === 'object' ? String(si.t['#text']) : String(si.t)));
  const raw = strFromU8(files['xl/worksheets/sheet1.xml']!);
  const rows = ((xml.parse(raw).worksheet.sheetData.row as any[] | undefined) ?? []).map((row) =>
    ((row.c as any[] | undefined) ?? []).reduce((cells: Array<string | number>, c: any) => {
      cells[column(String(c['@r']))] = c['@t'] === 's' ? strings[Number(c.v)]! : c.v === undefined ? '' : Number(c.v);
      return cells;
    }, []),
  );
  return { names, raw, rows };
}

/** The table under the title `title`: its header and its rows, up to the first row whose 序号 is not a number. */
function tableAfter<T extends string | number>(rows: T[][], title: string, seqIsNumber: (v: T | undefined) => boolean) {
  const at = rows.findIndex((r) => r[0] === title);
  expect(at, title).toBeGreaterThanOrEqual(0);
  const header = rows[at + 1]!.map(String);
  const body: T[][] = [];
  for (const r of rows.slice(at + 2)) {
    if (!seqIsNumber(r[0])) break;
    body.push(r);
  }
  return { header, body, cell: (r: T[], label: string) => r[header.indexOf(label)] };
}

describe('results.xlsx: the 统计表 sheet', () => {
  it('comes first, before the summary and the long sheets, fitted to one A4 page wide in landscape', async () => {
    const r = await results(village.id);
    const { names, raw } = firstSheet((await get(`/api/meetings/${village.id}/results.xlsx`)).body);
    expect(names.slice(0, 2)).toEqual(['统计表', '汇总']);
    expect(names).toHaveLength(2 + r.forms.length);
    const setup = xml.parse(raw).worksheet;
    expect(setup.sheetPr.pageSetUpPr['@fitToPage']).toBe('1');
    expect(setup.pageSetup['@fitToWidth']).toBe('1');
    expect(setup.pageSetup['@fitToHeight']).toBe('0');
    expect(setup.pageSetup['@orientation']).toBe('landscape');
    expect(setup.pageSetup['@paperSize']).toBe('9');
    // One instrument per printed page: a break after each table but the last (four instruments, three breaks).
    expect(Number(setup.rowBreaks['@count'])).toBe(3);
  });

  it('village: one row per member, each grade summed over the five items, adding up to 12 valid × 5, 得分 and 排名 from them', async () => {
    const r = await results(village.id);
    const { rows } = firstSheet((await get(`/api/meetings/${village.id}/results.xlsx`)).body);
    expect(rows.flat()).toContain('民主测评结果统计表');
    expect(rows.flat()).toContain('发票 12 张　收回 12 张　有效 12 张　无效 0 张');
    // Seed 003_43142c8fa1f20547.txt: 村不少于 70 人. Below it, the stamp heads the sheet and every page of it.
    expect(rows.flat().filter((c) => c === '无效：参评 12 人，少于最低参评人数 70 人')).toHaveLength(4);

    const form = r.forms.find((f: any) => f.formId === 'village-annual-review');
    const table = tableAfter(rows, '班子集体和成员年度考核民主测评表', (v) => typeof v === 'number');
    expect(table.header.slice(0, 9)).toEqual(['序号', '测评对象', '职务', '好', '较好', '一般', '差', '弃权', '好评率']);
    expect(table.header.slice(-2)).toEqual(['得分', '排名']);
    expect(table.body.map((row) => row[1])).toEqual(['插旗村“两委”班子', '张建国', '李秀英', '王志强', '赵丽华', '陈明', '刘洋', '周平']);
    const points: Record<string, number> = { 好: 100, 较好: 80, 一般: 60, 差: 40 };
    const scores: number[] = [];
    for (const row of table.body) {
      const votes = ['好', '较好', '一般', '差'].map((g) => Number(table.cell(row, g)));
      expect(votes.reduce((a, b) => a + b, 0) + Number(table.cell(row, '弃权'))).toBe(12 * 5);
      // Each grade summed over the five items of the JSON results.
      const good = form.questions.filter((q: any) => q.subjects).reduce((a: number, q: any) => a + q.subjects.find((s: any) => s.name === row[1]).counts.good, 0);
      expect(votes[0]).toBe(good);
      const scored = votes.reduce((a, b) => a + b, 0);
      const score = ['好', '较好', '一般', '差'].reduce((a, g, i) => a + votes[i]! * points[g]!, 0) / scored;
      expect(Number(table.cell(row, '得分'))).toBeCloseTo(score, 10);
      expect(Number(table.cell(row, '好评率'))).toBeCloseTo((votes[0]! + votes[1]!) / scored, 10);
      // The per-item score columns are the JSON means of each item.
      expect(Number(table.cell(row, '组织纪律得分'))).toBeCloseTo(form.questions[0].subjects.find((s: any) => s.name === row[1]).meanPoints, 10);
      scores.push(score);
    }
    // The paper ballot left 周平 blank on all five items.
    expect(table.cell(table.body.find((row) => row[1] === '周平')!, '弃权')).toBe(5);
    expect(table.cell(table.body.find((row) => row[1] === '陈明')!, '弃权')).toBe(0);
    // The team is not ranked with the members; the members are ranked by 得分, ties sharing a place.
    expect(table.cell(table.body[0]!, '排名')).toBe('—');
    // Compared as printed, to two decimals.
    const members = scores.slice(1).map((s) => Math.round(s * 100));
    table.body.slice(1).forEach((row, i) => expect(table.cell(row, '排名')).toBe(1 + members.filter((s) => s > members[i]!).length));
  });

  it('county unit: 13 cadres, 优秀 / 称职 / 基本称职 / 不称职 of the overall grade adding up to 52, 优秀率 and 称职率', async () => {
    const r = await results(county.id);
    const { rows } = firstSheet((await get(`/api/meetings/${county.id}/results.xlsx`)).body);
    // Seed 004's forms set no minimum of their own (the 50 of seed 000 is its staff questionnaire's).
    expect(rows.flat().some((c) => typeof c === 'string' && c.startsWith('有效：参评 52 人'))).toBe(true);
    expect(rows.flat().some((c) => typeof c === 'string' && c.startsWith('无效：'))).toBe(false);
    const overall = r.forms.find((f: any) => f.formId === 'county-cadre-evaluation').questions.find((q: any) => q.questionId === 'cadre-overall');
    const table = tableAfter(rows, '领导干部年度考核民主测评表', (v) => typeof v === 'number');
    expect(table.header).toEqual(['序号', '姓名', '职务', '优秀', '称职', '基本称职', '不称职', '弃权', '优秀率', '称职率', '德得分', '能得分', '勤得分', '绩得分', '廉得分', '得分', '排名']);
    expect(table.body.map((row) => [row[1], row[2]])).toEqual(COUNTY_CADRES.map(([n, title]) => [n, title]));
    let excellent = 0;
    for (const row of table.body) {
      const s = overall.subjects.find((x: any) => x.name === row[1]);
      const votes = ['优秀', '称职', '基本称职', '不称职'].map((g) => Number(table.cell(row, g)));
      expect(votes.reduce((a, b) => a + b, 0) + Number(table.cell(row, '弃权'))).toBe(52);
      expect(votes).toEqual(['excellent', 'competent', 'basically-competent', 'incompetent'].map((g) => s.counts[g]));
      expect(Number(table.cell(row, '得分'))).toBeCloseTo(s.meanPoints, 10);
      expect(Number(table.cell(row, '优秀率'))).toBeCloseTo(votes[0]! / 52, 10);
      expect(Number(table.cell(row, '称职率'))).toBeCloseTo((votes[0]! + votes[1]!) / 52, 10);
      excellent += votes[0]!;
    }
    // Seed 004_9ba8455c36f7d67d.txt (优秀20%): two 优秀 per ballot at most, and each of these ballots gave two.
    expect(excellent).toBe(2 * 52);
    const ranked = table.body.map((row) => Number(table.cell(row, '排名')));
    expect(ranked.filter((x) => x === 1)).toHaveLength(1);
  });
});

describe('results.xlsx: the 统计表 of a meeting with categories', () => {
  it('seed 002_ef31b3aa8f1f181a.txt (领导自评 40%, 民主评议 60%): 加权得分 beside 得分, with the weights written under', async () => {
    const m = await t.api('POST', '/api/meetings', cityUnitMeeting());
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    const self = await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: 5, category: 'self' });
    const staff = await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: 6, category: 'staff' });
    expect((await t.api('POST', `/api/meetings/${m.body.id}/open`, {})).status).toBe(200);
    const cast = async (token: string, grade: string) => {
      const form = await t.api('GET', `/api/ballot/${token}`);
      const answers = Object.fromEntries(form.body.forms.map((f: any) => [f.id, Object.fromEntries(f.questions.filter((q: any) => q.type === 'graded').map((q: any) => [q.id, Object.fromEntries(q.subjects.map((x: any) => [x.id, grade]))]))]));
      expect((await t.api('POST', `/api/ballot/${token}`, { answers })).status).toBe(201);
    };
    for (const tok of self.body.tokens) await cast(tok, 'good');
    for (const [i, tok] of (staff.body.tokens as string[]).entries()) await cast(tok, i < 3 ? 'fairly-good' : 'average');
    expect((await t.api('POST', `/api/meetings/${m.body.id}/close`, {})).status).toBe(200);

    const { rows } = firstSheet((await get(`/api/meetings/${m.body.id}/results.xlsx`)).body);
    const table = tableAfter(rows, '市直单位领导班子民主测评表', (v) => typeof v === 'number');
    expect(table.body).toHaveLength(1);
    const row = table.body[0]!;
    // Five items summed: 5 × (5 好 + 3 较好 + 3 一般) over 11 valid ballots.
    expect(['好', '较好', '一般', '差', '弃权'].map((g) => table.cell(row, g))).toEqual([25, 15, 15, 0, 0]);
    expect(Number(table.cell(row, '得分'))).toBeCloseTo((500 + 240 + 180) / 11, 10);
    expect(Number(table.cell(row, '加权得分'))).toBeCloseTo(0.4 * 100 + 0.6 * 70, 10);
    expect(rows.flat()).toContain('加权得分 = Σ（各类别得分 × 权重）：领导自评 40%、民主评议 60%；无有效评价的类别不计，其权重按比例分给其余类别。');
  });
});

describe('statistics.csv', () => {
  it('gives the same table as the sheet, with the formula under it and the signature lines', async () => {
    const res = await get(`/api/meetings/${county.id}/statistics.csv`);
    expect(String(res.headers['content-type'])).toContain('text/csv');
    expect([...res.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv: string[][] = parse(res.body.subarray(3).toString('utf8'), { relax_column_count: true });
    const table = tableAfter(csv, '领导干部年度考核民主测评表', (v) => v !== undefined && /^\d+$/.test(v));
    expect(table.body).toHaveLength(13);
    const sheet = tableAfter(firstSheet((await get(`/api/meetings/${county.id}/results.xlsx`)).body).rows, '领导干部年度考核民主测评表', (v) => typeof v === 'number');
    table.body.forEach((row, i) => {
      expect(table.cell(row, '优秀')).toBe(String(sheet.cell(sheet.body[i]!, '优秀')));
      expect(table.cell(row, '得分')).toBe(Number(sheet.cell(sheet.body[i]!, '得分')).toFixed(2));
      expect(table.cell(row, '称职率')).toBe(`${(Number(sheet.cell(sheet.body[i]!, '称职率')) * 100).toFixed(1)}%`);
    });
    const text = csv.map((r) => r.join(',')).join('\n');
    expect(text).toContain('得分 = Σ（各等次票数 × 分值）÷ 评定等次的票数（不含弃权）；分值：优秀 95、称职 85、基本称职 75、不称职 65。');
    expect(text).toContain('考核组成员（签字）');
  });

  it('keeps results.csv in its long format (one line per grade) beside it', async () => {
    const csv: string[][] = parse((await get(`/api/meetings/${village.id}/results.csv`)).body.subarray(3).toString('utf8'), { relax_column_count: true });
    expect(csv.some((r) => r[0] === '测评表' && r[1] === '题目' && r[4] === '等次或选项')).toBe(true);
  });
});

describe('file names and escaping', () => {
  it('names every export after the unit and the title (RFC 5987 filename*), never the meeting id', async () => {
    const r = await results(village.id);
    for (const [format, label] of [
      ['results.xlsx', '统计表.xlsx'],
      ['results.pdf', '测评结果.pdf'],
      ['statistics.csv', '统计表.csv'],
      ['results.csv', '计票明细.csv'],
      ['ballots.json', '原始选票.json'],
    ] as const) {
      const cd = String((await get(`/api/meetings/${village.id}/${format}`)).headers['content-disposition']);
      expect(cd).not.toContain(village.id);
      expect(cd).toMatch(new RegExp(`^attachment; filename="${format.replace('.', '\\.')}"; filename\\*=UTF-8''`));
      expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(cd)![1]!)).toBe(`${r.unit}_${r.title}_${label}`);
    }
  });

  it('neutralises formulas in names, titles and units in the sheet and the CSV, and keeps the file name safe', async () => {
    const m = await t.api('POST', '/api/meetings', {
      title: '=HYPERLINK("http://evil.test","点我")',
      unit: '@某/单位',
      kind: 'other',
      minRespondents: 1,
      formIds: ['secretary-debrief-review'],
      subjects: [
        { name: '=1+1', kind: 'person', title: '+86 书记' },
        { name: '-张三', kind: 'person', title: '@书记' },
      ],
    });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    const s = await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: 1 });
    expect((await t.api('POST', `/api/meetings/${m.body.id}/open`, {})).status).toBe(200);
    const form = await t.api('GET', `/api/ballot/${s.body.tokens[0]}`);
    const q = form.body.forms[0].questions[0];
    const answers = { 'secretary-debrief-review': { [q.id]: Object.fromEntries(q.subjects.map((x: any) => [x.id, 'good'])) } };
    expect((await t.api('POST', `/api/ballot/${s.body.tokens[0]}`, { answers })).status).toBe(201);
    expect((await t.api('POST', `/api/meetings/${m.body.id}/close`, {})).status).toBe(200);

    const sheet = firstSheet((await get(`/api/meetings/${m.body.id}/results.xlsx`)).body);
    const texts = sheet.rows.flat().filter((c): c is string => typeof c === 'string');
    expect(texts.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(texts).toContain("'=1+1");
    expect(texts).toContain("'+86 书记");
    expect(sheet.raw).not.toMatch(/<f>/);
    const csv: string[][] = parse((await get(`/api/meetings/${m.body.id}/statistics.csv`)).body.subarray(3).toString('utf8'), { relax_column_count: true });
    expect(csv.flat().filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(csv.flat()).toContain("'-张三");
    const cd = String((await get(`/api/meetings/${m.body.id}/results.xlsx`)).headers['content-disposition']);
    // RFC 5987: only attr-chars and percent escapes after filename* (the quotes and parentheses of the title encoded).
    expect(cd).toMatch(/filename\*=UTF-8''[A-Za-z0-9!#$&+.^_`|~%-]+$/);
    const name = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(cd)![1]!);
    expect(name).not.toMatch(/[/\\"<>|:*?]/);
    expect(name.endsWith('_统计表.xlsx')).toBe(true);
  });
});
