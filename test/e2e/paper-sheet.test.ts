// The paper ballot read back as a person and a phone read it (pdfinfo, pdftotext, pdftoppm, zbarimg): a village
// meeting's three forms on one A4 page per voter, drawn as the paper 测评表 (people down, criteria across), its
// blank rule printed, its QR and code its own. The first page is kept in test-output/ to be looked at.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';
import { OUTPUT } from '../helpers/browser.js';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await makeTestApp();
  dir = mkdtempSync(join(tmpdir(), 'ceping-paper-sheet-'));
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function print(meetingId: string, count: number): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: `/api/meetings/${meetingId}/paper-ballots/print`, headers: { authorization: `Bearer ${t.adminToken}` }, payload: { count } });
  expect(res.statusCode, res.body.slice(0, 200)).toBe(201);
  const pdf = join(dir, `paper-${meetingId}.pdf`);
  writeFileSync(pdf, res.rawPayload);
  return pdf;
}

describe('the paper ballot of a village meeting', () => {
  it('is one A4 page per voter, in a grid, with the blank rule printed and its own QR and code', async () => {
    const m = (await t.api('POST', '/api/meetings', villageMeeting())).body;
    const pdf = await print(m.id, 3);
    // Three voters, three pages (it was three pages each).
    expect(Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [pdf]))![1])).toBe(3);
    expect(run('pdfinfo', [pdf])).toMatch(/Page size:\s+595\.2\d? x 841\.8\d? pts \(A4\)/);

    const codes = new Set<string>();
    for (let p = 1; p <= 3; p++) {
      const text = run('pdftotext', ['-f', String(p), '-l', String(p), pdf, '-']).replace(/\s+/g, '');
      // Every person and every criterion on the page, as on the form.
      for (const s of ['插旗村党总支', '插旗村“两委”班子', '张建国', '周平', '把握政治方向', '严格政治自律', '组织纪律', '廉洁自律', '党组织书记述党建工作测评表', '意见和建议']) expect(text, s).toContain(s);
      // The one difference from the phone is printed on the sheet.
      expect(text).toContain('漏填的项不计入该项统计');
      codes.add(/([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(text)![1]!);
      const png = join(dir, `page-${p}`);
      run('pdftoppm', ['-r', '150', '-f', String(p), '-l', String(p), '-png', '-singlefile', pdf, png]);
      const urls = run('zbarimg', ['-q', '--raw', `${png}.png`]).split('\n').filter(Boolean);
      expect(urls).toHaveLength(1);
      if (p === 1) {
        mkdirSync(OUTPUT, { recursive: true });
        copyFileSync(`${png}.png`, join(OUTPUT, 'paper-village-page1.png'));
      }
    }
    expect(codes.size).toBe(3);

    // The grid: the annual review's five criteria stand side by side on one line, each followed by its grades.
    const layout = run('pdftotext', ['-layout', '-f', '1', '-l', '1', pdf, '-']);
    expect(layout).toMatch(/组织纪律\s+2\. 工作态度\s+3\. 财务制度\s+4\. 工作业绩\s+5\. 廉洁自律/);
    expect(layout).toMatch(/(好\s+较好\s+一般\s+差\s+){5}/);

    // And a sheet keyed in as written counts once.
    const form = (await t.api('GET', `/api/meetings/${m.id}/paper-ballots/form`)).body;
    await t.api('POST', `/api/meetings/${m.id}/open`, {});
    const keyed = await t.api('POST', `/api/meetings/${m.id}/paper-ballots`, { code: [...codes][0], answers: fullBallot(form) });
    expect(keyed.status, JSON.stringify(keyed.body)).toBe(201);
  });

  it('prints the rules of a form (at most 20% 优秀) on the sheet', async () => {
    const cadres = ['甲', '乙', '丙', '丁', '戊'].map((x) => ({ name: `王${x}`, kind: 'person', title: '副局长' }));
    const m = (await t.api('POST', '/api/meetings', { title: '县发改局领导干部年度考核测评', unit: '县发改局', kind: 'county', formIds: ['county-cadre-evaluation'], subjects: cadres })).body;
    const text = run('pdftotext', [await print(m.id, 1), '-']).replace(/\s+/g, '');
    // 004_9ba8455c36f7d67d.txt: 年度考核测评需严格按照优秀20%比例要求开展测评
    expect(text).toContain('20%');
    expect(text).toContain('整张票计为无效票');
  });
});
