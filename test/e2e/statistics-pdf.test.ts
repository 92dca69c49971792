// The 民主测评结果统计表 at the head of results.pdf, read as a person and a program read it: each page rendered
// with poppler's pdftoppm (-r 60, PNGs in test-output/ to look at), the text extracted with pdftotext, the page
// size read with pdfinfo and the fonts with pdffonts. A village meeting and a county unit with 13 cadres.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { closedCountyMeeting, closedVillageMeeting, COUNTY_CADRES, type ClosedMeeting } from '../helpers/statistics-meetings.js';

const OUTPUT = resolve(import.meta.dirname, '../../test-output');
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let t: TestApp;
let village: ClosedMeeting;
let county: ClosedMeeting;

beforeAll(async () => {
  for (const tool of ['pdftoppm', 'pdftotext', 'pdfinfo', 'pdffonts']) {
    try {
      execFileSync(tool, ['-v'], { stdio: 'pipe' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is not installed: install Debian's poppler-utils (bash .ci/run does)`);
    }
  }
  mkdirSync(OUTPUT, { recursive: true });
  t = await makeTestApp();
  village = await closedVillageMeeting(t, 12);
  // Seed 000_…: a county organ's staff questionnaire needs 50; the unit's review here has 52.
  county = await closedCountyMeeting(t, 52);
}, 120_000);
afterAll(async () => t?.close());

/** Fetches results.pdf, writes it, its pages as PNGs (`<name>-<page>.png`) and results.xlsx to test-output/. */
async function renderPdf(meetingId: string, name: string): Promise<{ file: string; pngs: string[] }> {
  const res = await t.app.inject({ method: 'GET', url: `/api/meetings/${meetingId}/results.pdf`, headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.statusCode).toBe(200);
  const file = join(OUTPUT, `${name}.pdf`);
  writeFileSync(file, res.rawPayload);
  // The workbook beside it, for a person to open and print-preview.
  const xlsx = await t.app.inject({ method: 'GET', url: `/api/meetings/${meetingId}/results.xlsx`, headers: { authorization: `Bearer ${t.adminToken}` } });
  writeFileSync(join(OUTPUT, `${name}.xlsx`), xlsx.rawPayload);
  for (const f of readdirSync(OUTPUT)) if (f.startsWith(`${name}-`) && f.endsWith('.png')) rmSync(join(OUTPUT, f));
  run('pdftoppm', ['-r', '60', '-png', file, join(OUTPUT, name)]);
  return { file, pngs: readdirSync(OUTPUT).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png')) };
}

/** Page size in points and text of one page. */
function page(file: string, n: number) {
  const size = /Page\s+\d+\s+size:\s+([\d.]+) x ([\d.]+)/.exec(run('pdfinfo', ['-f', String(n), '-l', String(n), file]))!;
  return { width: Number(size[1]), height: Number(size[2]), text: run('pdftotext', ['-layout', '-f', String(n), '-l', String(n), file, '-']) };
}

/** The text from the first page up to the page that starts the report (测评结果报告), i.e. the 统计表. */
function statisticsText(file: string): { text: string; pages: number } {
  const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [file]))![1]);
  let text = '';
  for (let n = 1; n <= pages; n++) {
    const p = page(file, n);
    if (p.text.includes('测评结果报告')) return { text, pages: n - 1 };
    text += p.text;
  }
  return { text, pages };
}

describe('the 统计表 in results.pdf', () => {
  it('village meeting: landscape, one row per person, the counts, the formula, the stamp and the signature lines', async () => {
    const { file, pngs } = await renderPdf(village.id, 'statistics-village');
    expect(pngs.length).toBeGreaterThan(1);
    // Embedded CJK font: Chinese extracted as Chinese, not boxes.
    expect(run('pdffonts', [file])).toMatch(/NotoSansSC/);
    const first = page(file, 1);
    expect(first.width).toBeGreaterThan(first.height);
    const { text, pages } = statisticsText(file);
    expect(pages).toBeGreaterThanOrEqual(1);
    for (const s of ['民主测评结果统计表', '单位：插旗镇插旗村', '发票 12 张', '收回 12 张', '有效 12 张', '无效 0 张', '考核组组长（签字）', '考核组成员（签字）']) expect(text).toContain(s);
    // Seed 003_43142c8fa1f20547.txt: a village needs 70; 12 ballots are stamped 无效 on every 统计表 page.
    expect(text).toContain('无效：参评 12 人，少于最低参评人数 70 人');
    for (let n = 1; n <= pages; n++) expect(page(file, n).text).toContain('无效：参评 12 人');
    for (const title of ['党组织政治建设民主测评表', '班子集体和成员年度考核民主测评表', '党组织书记述党建工作测评表', '后备干部人选推荐表']) expect(text).toContain(title);
    for (const name of ['张建国', '李秀英', '王志强', '赵丽华', '陈明', '刘洋', '周平', '王小明', '周小东']) expect(text).toContain(name);
    expect(text).toMatch(/得分 = Σ（各等次票数 × 分值）÷ 评定等次的票数/);
    expect(text).toContain('核对：每行各等次票数与弃权之和 = 有效票 12 张 × 5 项 = 60');
    // The report follows on portrait pages.
    const report = page(file, pages + 1);
    expect(report.height).toBeGreaterThan(report.width);
  });

  it('county unit with 13 cadres: every cadre on the table, 优秀率 and 称职率, ranked, fitted to landscape A4', async () => {
    const { file } = await renderPdf(county.id, 'statistics-county');
    const first = page(file, 1);
    expect(first.width).toBeGreaterThan(first.height);
    const { text } = statisticsText(file);
    expect(text).not.toContain('无效：');
    expect(text).toContain('有效：参评 52 人');
    for (const [name, title] of COUNTY_CADRES) {
      const line = text.split('\n').find((l) => l.includes(name) && l.includes(title.slice(0, 4)));
      expect(line, name).toBeDefined();
    }
    for (const s of ['领导干部年度考核民主测评表', '领导班子年度考核民主测评表', '优秀率', '称职率', '基本称职', '不称职', '排名', '票数、比率和得分按“总体评价”统计']) expect(text).toContain(s);
    // Rates as percentages, scores with two decimals: at least one of each in the cadre rows.
    const cadreLine = text.split('\n').find((l) => l.includes('王海峰'))!;
    expect(cadreLine).toMatch(/\d+\.\d%/);
    expect(cadreLine).toMatch(/\d+\.\d\d/);
  });
});
