// The console and the voter page in a real browser (Debian's chromium) against a real server on a free port:
// an admin creates a village meeting through the console, opens it, prints slips, a phone votes, the console
// shows the count and the result change. Screenshots of the main screens go to test-output/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot } from '../helpers/app.js';
import { ADMIN, launchBrowser, screenshot, startServer, watchPage, type Server } from '../helpers/browser.js';

let server: Server;
let browser: Browser;
let admin: BrowserContext;
let consolePage: Page;
let consoleWatch: { problems: string[] };
let meetingId = '';
let slipUrls: string[] = [];
const work = mkdtempSync(join(tmpdir(), 'ceping-browser-'));

const TITLE = '2026年度插旗村党组织政治建设考察暨班子年度考核';
// What an organisation department clerk copies out of Excel: name, position, kind, head (tab-separated).
const PASTED = [
  '姓名\t职务\t类型\t主要负责人',
  '张建国\t党总支书记、村委会主任\t班子成员\t是',
  '李秀英\t党总支副书记\t班子成员',
  '王志强\t村委会副主任\t班子成员',
  '赵丽华\t妇联主席\t班子成员',
  '陈明\t组织委员\t班子成员',
  '刘洋\t村务监督委员会主任\t班子成员',
  '周平\t村委委员\t班子成员',
].join('\r\n');
// And a CSV file with the organisation and the team (a quoted cell with a comma, a BOM as Excel writes it).
const CSV = '\uFEFF名称,职务,类型\r\n插旗村党总支,,党组织\r\n"插旗村“两委”班子,2026",,班子\r\n';

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  // Live turnout is sampled once per tick and rounded down to a multiple of 5 (src/turnout/live.ts); a short tick
  // keeps the test quick, the rounding stays.
  server.app.turnoutLive.setTiming({ tickMs: 300 });
  admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  admin.setDefaultTimeout(8_000);
  consolePage = await admin.newPage();
  consoleWatch = watchPage(consolePage, server.url);
  consolePage.on('dialog', (d) => void d.accept());
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

async function voteOnPhone(url: string, opts: { name: string; transport?: 'lost-response' | 'offline' }): Promise<string> {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  try {
    phone.setDefaultTimeout(8_000);
    const page = await phone.newPage();
    const watch = watchPage(page, server.url);
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    if (opts.name === 'first') await screenshot(page, '05-voter-ballot', { fullPage: false });
    // Rate every subject on every graded item: the first grade (好) everywhere, except 一般 for 周平.
    const groups = page.locator('.grades');
    const subjects = await groups.evaluateAll((els) => els.map((e) => e.previousElementSibling?.textContent ?? ''));
    expect(subjects.length).toBeGreaterThan(40);
    // The first voter taps the first items one by one, as a voter does (about 0.2 s a tap here); the remaining
    // choices are clicked inside the page in one go to keep the test within its time budget.
    const tapped = opts.name === 'first' ? 14 : 0;
    for (const [i, subject] of subjects.slice(0, tapped).entries()) await groups.nth(i).locator('label').nth(subject.startsWith('周平') ? 2 : 0).click();
    await groups.evaluateAll((els) =>
      els.forEach((e) => {
        if (!e.querySelector('input:checked')) (e.querySelectorAll('input')[e.previousElementSibling?.textContent?.startsWith('周平') ? 2 : 0] as HTMLInputElement).click();
      }),
    );
    await expect.poll(() => page.locator('#progress-text').textContent()).toMatch(/已完成 (\d+) \/ \1 项必答/);
    await page.getByRole('button', { name: '检查并提交' }).click();
    await page.getByRole('heading', { name: '确认提交' }).waitFor();
    if (opts.name === 'first') await screenshot(page, '06-voter-confirm');

    if (opts.transport === 'lost-response') {
      // The ballot reaches the server, the answer is lost on the way back: the retry must be told "counted".
      await page.route('**/api/ballot/*', async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        await route.fetch();
        await route.abort('connectionreset');
      });
      await page.getByRole('button', { name: '确认提交' }).click();
      await page.getByRole('heading', { name: '网络异常' }).waitFor();
      await page.unroute('**/api/ballot/*');
      await page.getByRole('button', { name: '重新提交' }).click();
    } else if (opts.transport === 'offline') {
      // The network is down: nothing reaches the server, the answers stay on the phone until the retry.
      await phone.setOffline(true);
      await page.getByRole('button', { name: '确认提交' }).click();
      await page.getByRole('heading', { name: '网络异常' }).waitFor();
      await screenshot(page, '08-voter-offline');
      const kept = await page.evaluate(() => Object.keys(localStorage).map((k) => localStorage.getItem(k) ?? '').join(''));
      expect(kept).toContain('"nonce"');
      await phone.setOffline(false);
      await page.getByRole('button', { name: '重新提交' }).click();
    } else {
      await page.getByRole('button', { name: '确认提交' }).click();
    }
    await page.getByRole('heading', { name: '投票成功' }).waitFor();
    const said = (await page.locator('.notice').textContent()) ?? '';
    if (opts.name === 'first') await screenshot(page, '07-voter-done');
    // The phone keeps only "counted": the choices are erased.
    const left = await page.evaluate(() => Object.keys(localStorage).map((k) => localStorage.getItem(k) ?? '').join(''));
    expect(left).not.toContain('good');
    // The simulated failures show up as the browser's own network errors, and only those are expected.
    const expected = opts.transport ? /net::ERR_(CONNECTION_RESET|INTERNET_DISCONNECTED)/ : /^$/;
    expect(watch.problems.filter((x) => !expected.test(x))).toEqual([]);
    return said;
  } finally {
    await phone.close();
  }
}

describe('the console and the voter page in chromium', () => {
  it('an admin logs in and creates a village meeting in a few steps, subjects pasted from Excel and read from a CSV', async () => {
    const p = consolePage;
    await p.goto(`${server.url}/`);
    await p.getByLabel('用户名').fill(ADMIN.username);
    await p.getByLabel('密码').fill('not-the-password');
    await p.getByRole('button', { name: '登录', exact: true }).click();
    await expect.poll(() => p.getByRole('alert').textContent()).toContain('用户名或密码错误');
    await screenshot(p, '01-console-login');
    await p.getByLabel('密码').fill(ADMIN.password);
    await p.getByLabel('密码').press('Enter'); // the keyboard is enough
    await p.getByRole('heading', { level: 1, name: '测评会议' }).waitFor();
    expect(await p.evaluate(() => typeof sessionStorage.getItem('ceping.session'))).toBe('string');

    await p.getByRole('link', { name: '新建会议' }).click();
    await p.getByRole('heading', { name: '新建测评会议' }).waitFor();
    await p.locator('#title').fill(TITLE);
    await p.locator('#unit').fill('插旗镇插旗村');
    await p.locator('#kind').selectOption('community');
    expect(await p.locator('#kind-rule').textContent()).toContain('40');
    await p.locator('#kind').selectOption('village');
    // 003_43142c8fa1f20547.txt: 村不少于70人
    expect(await p.locator('#kind-rule').textContent()).toContain('最低参评人数：70 人');
    await p.locator('#wizard-next').click();

    await p.locator('#wizard-next').click();
    expect(await p.getByRole('alert').textContent()).toContain('请至少选择一张测评表');
    for (const id of ['village-political-construction', 'village-annual-review', 'village-secretary-report']) await p.locator(`#cb-${id}`).check();
    await p.locator('#wizard-next').click();

    await p.locator('#paste').fill(PASTED);
    await p.locator('#import-paste').click();
    const csvPath = join(work, 'subjects.csv');
    writeFileSync(csvPath, CSV);
    await p.locator('#csv-file').setInputFiles(csvPath);
    await expect.poll(() => p.locator('input.subject-name').count()).toBe(9);
    const names = await p.locator('input.subject-name').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(names).toEqual(['张建国', '李秀英', '王志强', '赵丽华', '陈明', '刘洋', '周平', '插旗村党总支', '插旗村“两委”班子,2026']);
    await p.getByRole('textbox', { name: '第 9 行 姓名或名称' }).fill('插旗村“两委”班子');
    await screenshot(p, '02-console-new-meeting-subjects');
    await p.locator('#wizard-next').click();
    await p.locator('#wizard-next').click(); // no respondent categories
    await expect.poll(() => p.locator('dl.facts').textContent()).toContain('70 人');
    await p.getByRole('button', { name: '创建测评会议' }).click();
    await p.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    meetingId = /#\/meetings\/([A-Za-z0-9_-]+)$/.exec(p.url())![1]!;

    const m = (await server.app.inject({ method: 'GET', url: `/api/meetings/${meetingId}`, headers: { authorization: `Bearer ${await token()}` } })).json();
    expect(m.minRespondents).toBe(70);
    expect(m.subjects.map((s: any) => [s.name, s.kind, s.isHead])).toContainEqual(['张建国', 'person', true]);
    expect(m.subjects.map((s: any) => s.kind)).toEqual([...Array(7).fill('person'), 'organisation', 'team']);
  });

  it('records the sign-in, opens the poll and prints slips', async () => {
    const p = consolePage;
    await p.locator('#signed-in').fill('80');
    await p.locator('#interviews').fill('30');
    await p.getByRole('button', { name: '保存', exact: true }).click();
    await expect.poll(() => p.locator('[data-figure=签到人数]').textContent()).toBe('80');
    await p.locator('#open-poll').click();
    await p.locator('#close-poll').waitFor();

    await p.locator('#slip-count').fill('5');
    // The print dialog says where the QR codes point; this test server's own address is a loopback one, so the
    // server asks for a confirmation naming it (a dialog, accepted here) before anything is printed.
    expect(await p.locator('#slips-out').locator('xpath=..').locator('[data-public-url]').first().innerText()).toContain(server.url);
    const dialogs: string[] = [];
    p.on('dialog', (d) => void dialogs.push(d.message()));
    const [download] = await Promise.all([p.waitForEvent('download', { timeout: 15_000 }), p.locator('#print-slips').click()]);
    expect(dialogs.some((m) => m.includes(server.url) && m.includes('手机无法打开'))).toBe(true);
    // Render the PDF to an image and read its QR codes with zbarimg, as a phone's camera would.
    const pdf = join(work, 'slips.pdf');
    await download.saveAs(pdf);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    execFileSync('pdftoppm', ['-r', '150', '-png', pdf, join(work, 'slip')]);
    slipUrls = execFileSync('zbarimg', ['-q', '--raw', join(work, 'slip-1.png')])
      .toString()
      .split('\n')
      .filter((l) => l.startsWith(server.url));
    expect(slipUrls).toHaveLength(5);
    expect(slipUrls[0]).toMatch(new RegExp(`^${server.url}/v/[A-Za-z0-9_-]{43}$`));
    await expect.poll(() => p.locator('[data-figure=已发测评票]').textContent()).toBe('5');
    await screenshot(p, '03-console-meeting-open');

    // The live page opens in a new tab already logged in: rel=opener hands it a copy of this tab's sessionStorage.
    const [live] = await Promise.all([p.waitForEvent('popup'), p.getByRole('link', { name: '现场进度页（新窗口）' }).click()]);
    await live.locator('#title').filter({ hasText: TITLE }).waitFor();
    expect(await live.locator('#login').isHidden()).toBe(true);
    await live.close();
  });

  it('a phone at 390×844 votes and confirms; while the poll is open the console shows rounded counts and no tally', async () => {
    const p = consolePage;
    expect(await voteOnPhone(slipUrls[0]!, { name: 'first' })).toContain('已成功提交并计入');
    // While the poll is open the meeting page shows turnout rounded down to 5 (one vote is not visible there).
    await p.waitForTimeout(600);
    expect(await p.locator('[data-figure=已投票]').textContent()).toBe('0');
    expect(await p.locator('#turnout').textContent()).toContain('按 5 人取整');
    // And the server withholds the tally until the poll closes; the console says why rather than failing.
    await p.getByRole('link', { name: '测评结果（结束后查看）' }).click();
    await expect.poll(() => p.locator('#results-withheld').textContent()).toContain('结束测评后再查看');
    await p.getByRole('link', { name: '返回会议' }).click();
  });

  it('a retry after a lost response is told "counted"; a ballot sent while offline is kept and sent on retry', async () => {
    expect(await voteOnPhone(slipUrls[1]!, { name: 'lost', transport: 'lost-response' })).toContain('此前已成功提交并计入');
    expect(await voteOnPhone(slipUrls[2]!, { name: 'offline', transport: 'offline' })).toContain('已成功提交并计入');
    // Two more ballots over plain HTTP make five: now the meeting page's rounded turnout moves.
    for (const url of slipUrls.slice(3, 5)) {
      const form = await (await fetch(url.replace('/v/', '/api/ballot/'))).json();
      const res = await fetch(url.replace('/v/', '/api/ballot/'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answers: fullBallot(form) }) });
      expect(res.status).toBe(201);
    }
    await expect.poll(() => consolePage.locator('[data-figure=已投票]').textContent(), { timeout: 10_000 }).toBe('5');
  });

  it('closes the poll and shows the result: counts, charts, flags, the 无效 stamp; reopening asks for a reason', async () => {
    const p = consolePage;
    await p.locator('#close-poll').click();
    await p.locator('#reopen-poll').waitFor();
    expect(await p.locator('#turnout').textContent()).not.toContain('取整');
    expect(await p.locator('[data-figure=已投票]').textContent()).toBe('5');
    const report = p.waitForEvent('download');
    await p.locator('#closing-report').click();
    const pdf = join(work, 'closing.pdf');
    await (await report).saveAs(pdf);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    await screenshot(p, '10-console-closed');

    await p.getByRole('link', { name: '查看测评结果' }).click();
    await p.getByRole('heading', { level: 1, name: `测评结果 · ${TITLE}` }).waitFor();
    // Five ballots, not six: the retry after the lost response was not counted twice.
    await expect.poll(() => p.locator('[data-figure=投票数]').textContent()).toBe('5');
    // 5 ballots < 70 (003_43142c8fa1f20547.txt): the tally is visibly invalid.
    expect(await p.locator('.stamp').textContent()).toContain('无效');
    expect(await p.locator('.stamp').textContent()).toContain('少于最低 70 人');
    const discipline = p.locator('section', { has: p.getByRole('heading', { name: '班子集体和成员年度考核民主测评表' }) }).locator('figure').first();
    expect(await discipline.locator('rect[data-grade=good]').count()).toBe(8); // every subject has some 好
    expect(await discipline.locator('rect[data-grade=average]').count()).toBe(1); // only 周平 has 一般
    const zhou = p.locator('tr[data-subject=周平]').first();
    expect(await zhou.locator('td').nth(0).textContent()).toBe('2'); // 好 × 2 (the HTTP ballots)
    expect(await zhou.locator('td').nth(2).textContent()).toBe('3'); // 一般 × 3 (the phones)
    // The secretary's report is about the secretary: the row names 张建国 (党总支书记), not "全体".
    const secretary = p.locator('section', { has: p.getByRole('heading', { name: '党组织书记述党建工作测评表' }) });
    expect(await secretary.textContent()).toContain('张建国');
    expect(await secretary.textContent()).not.toContain('全体');
    await screenshot(p, '04-console-results');
    const csv = p.waitForEvent('download');
    await p.locator('[data-export="results.csv"]').click();
    const csvPath = join(work, 'results.csv');
    await (await csv).saveAs(csvPath);
    expect(readFileSync(csvPath, 'utf8')).toContain('无效');

    await p.getByRole('link', { name: '返回会议' }).click();
    await p.locator('#reopen-poll').click();
    await expect.poll(() => p.getByRole('alert').first().textContent()).toContain('理由');
    await p.locator('#reopen-reason').fill('部分人员因停电未能投票，经考核组同意补投');
    await p.locator('#reopen-poll').click();
    await p.locator('#close-poll').waitFor();
  });

  it('voids a lost slip by its code; the phone that scans it is told so', async () => {
    const p = consolePage;
    const auth = { authorization: `Bearer ${await token()}`, accept: 'application/json' };
    const lost = (await server.app.inject({ method: 'POST', url: `/api/meetings/${meetingId}/slips`, headers: auth, payload: { count: 1 } })).json();
    await p.goto(`${server.url}/#/meetings/${meetingId}`);
    await p.locator('#void-code').fill(lost.shortCodes[0].toLowerCase());
    await p.locator('#void-reason').fill('遗失');
    await p.getByRole('button', { name: '作废', exact: true }).click();
    await expect.poll(() => p.locator('#toast').textContent()).toContain('已作废 1 张');
    await expect.poll(() => p.locator('[data-figure=已作废]').textContent()).toBe('1');
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(lost.urls[0]);
      await expect.poll(() => phone.locator('.notice').first().textContent()).toContain('作废');
    } finally {
      await phone.close();
    }
  });

  it('prints a paper ballot and keys it in with the keyboard under the code printed on it', async () => {
    const p = consolePage;
    await p.locator('#paper-count').fill('1');
    const dl = p.waitForEvent('download');
    await p.locator('#print-paper').click();
    const pdf = join(work, 'paper.pdf');
    await (await dl).saveAs(pdf);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
    const code = /[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(text)?.[0];
    expect(code).toBeDefined();

    await p.locator('#paper-key-in').click();
    await p.locator('#paper-code').fill(code!.toLowerCase()); // as typed from the sheet, case forgiven
    // Tab into the first grade group, then one digit per item: 1 = 好 / the first grade, and on to the next item.
    await p.locator('#paper-code').press('Tab');
    const groups = await p.locator('.paper-choices').count();
    expect(groups).toBeGreaterThan(40);
    for (let i = 0; i < groups; i++) await p.keyboard.press(i === groups - 1 ? '3' : '1');
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('paper-submit');
    await screenshot(p, '14-console-paper-key-in');
    await p.keyboard.press('Enter');
    await expect.poll(() => p.getByRole('status').filter({ hasText: '第 1 张' }).textContent()).toContain('已录入并计入');
    expect(await p.locator('#paper-code').evaluate((e) => e === document.activeElement)).toBe(true);
    // The same sheet twice: refused.
    await p.locator('#paper-code').fill(code!);
    await p.locator('#paper-submit').click();
    await expect.poll(() => p.locator('.error').first().textContent()).toMatch(/已|使用|录入/);

    // Closed again, the turnout counts the sheet: six ballots. Results that would differ from those already
    // published by one ballot would show how it voted: withheld until five late ballots (docs/security.md).
    await p.getByRole('link', { name: '返回会议' }).click();
    await p.locator('#close-poll').click();
    await p.locator('#reopen-poll').waitFor();
    await expect.poll(() => p.locator('[data-figure=已投票]').textContent()).toBe('6');
    await p.getByRole('link', { name: '查看测评结果' }).click();
    await expect.poll(() => p.locator('#results-withheld').textContent()).toContain('暂不公布');
  });

  it('an admin creates an assessor and assigns the meeting; the assessor sees only that meeting', async () => {
    const p = consolePage;
    const other = await server.app.inject({
      method: 'POST',
      url: '/api/meetings',
      headers: { authorization: `Bearer ${await token()}` },
      payload: { title: '另一个社区的测评', unit: '某社区', kind: 'community', formIds: ['village-political-construction'], subjects: [{ name: '某社区党委', kind: 'organisation' }] },
    });
    expect(other.statusCode).toBe(201);
    await p.getByRole('link', { name: '用户与权限' }).click();
    await p.locator('#new-username').fill('kaohe1');
    await p.locator('#new-display').fill('考核组 王同志');
    await p.locator('#new-password').fill('a-long-assessor-password');
    await p.getByRole('button', { name: '创建用户' }).click();
    await p.getByRole('cell', { name: 'kaohe1' }).waitFor();
    await screenshot(p, '09-console-users');

    await p.goto(`${server.url}/#/meetings/${meetingId}`);
    await p.getByLabel('考核组 王同志（kaohe1）').check();
    await p.getByRole('button', { name: '保存考核组' }).click();
    await expect.poll(() => p.locator('#toast').textContent()).toContain('已保存考核组');

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    try {
      const a = await ctx.newPage();
      const watch = watchPage(a, server.url);
      await a.goto(`${server.url}/`);
      await a.getByLabel('用户名').fill('kaohe1');
      await a.getByLabel('密码').fill('a-long-assessor-password');
      await a.getByRole('button', { name: '登录', exact: true }).click();
      await a.getByRole('heading', { level: 1, name: '测评会议' }).waitFor();
      expect(await a.getByRole('link', { name: TITLE }).count()).toBe(1);
      expect(await a.getByRole('link', { name: '另一个社区的测评' }).count()).toBe(0);
      expect(await a.getByRole('link', { name: '用户与权限' }).count()).toBe(0);
      // A session that has expired (here: removed server-side by a bad token) goes back to the log-in form.
      await a.evaluate(() => sessionStorage.setItem('ceping.session', JSON.stringify({ token: 'x.y.z', user: { username: 'kaohe1', role: 'assessor' } })));
      await a.reload();
      await a.getByRole('heading', { name: '民主测评管理 · 登录' }).waitFor();
      expect(watch.problems).toEqual([]);
    } finally {
      await ctx.close();
    }
    expect(consoleWatch.problems).toEqual([]);
  });
});

describe('the voter page on a small phone', () => {
  it('at 360 px: no sideways scrolling, large tap targets, and a rule counter that warns before the end', async () => {
    // 004_9ba8455c36f7d67d.txt: "年度考核测评需严格按照优秀20%比例要求开展测评" — 10 cadres, at most 2 rated 优秀 per ballot.
    const auth = { authorization: `Bearer ${await token()}`, accept: 'application/json' };
    const cadres = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'].map((x, i) => ({ name: `王${x}`, kind: 'person', title: i === 0 ? '局长' : '副局长' }));
    const created = await server.app.inject({ method: 'POST', url: '/api/meetings', headers: auth, payload: { title: '县发改局领导干部年度考核测评', unit: '县发改局', kind: 'county', formIds: ['county-cadre-evaluation'], subjects: cadres } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    await server.app.inject({ method: 'POST', url: `/api/meetings/${id}/open`, headers: auth, payload: {} });
    const slip = (await server.app.inject({ method: 'POST', url: `/api/meetings/${id}/slips`, headers: auth, payload: { count: 1 } })).json();

    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    phone.setDefaultTimeout(8_000);
    try {
      const page = await phone.newPage();
      const watch = watchPage(page, server.url);
      await page.goto(slip.urls[0]);
      await page.getByRole('heading', { level: 1, name: '县发改局领导干部年度考核测评' }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      const heights = await page.locator('label.choice').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
      expect(Math.min(...heights)).toBeGreaterThanOrEqual(44);
      // And no label breaks over several lines (基本称职 stays on one line).
      expect(Math.max(...heights)).toBeLessThan(60);

      const overall = (i: number) => page.locator(`[data-u^="county-cadre-evaluation|cadre-overall|"]`).nth(i).locator('label');
      const counter = page.locator('.counter').first();
      await overall(0).nth(0).click();
      await overall(1).nth(0).click();
      expect(await counter.textContent()).toBe('已评优秀 2 人，最多 2 人');
      await overall(2).nth(0).click();
      expect(await counter.textContent()).toBe('已评优秀 3 人，最多 2 人');
      expect(await counter.getAttribute('class')).toContain('over');
      await counter.scrollIntoViewIfNeeded();
      await screenshot(page, '13-voter-360-rule-counter', { fullPage: false });
      // Everything else answered 称职/好: the only problem left is the rule, and the page says so before sending.
      await page.locator('.grades').evaluateAll((els) => els.forEach((e) => { if (!e.querySelector('input:checked')) (e.querySelectorAll('input')[1] as HTMLInputElement).click(); }));
      await page.getByRole('button', { name: '检查并提交' }).click();
      expect(await page.locator('#problems').textContent()).toContain('已评优秀 3 人，最多 2 人，请调整');
      await overall(2).nth(1).click();
      await page.getByRole('button', { name: '检查并提交' }).click();
      await page.getByRole('button', { name: '确认提交' }).click();
      await page.getByRole('heading', { name: '投票成功' }).waitFor();
      expect(watch.problems).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});

describe('the ranking and the audit log in the console', () => {
  it('shows a round’s ranking per domain with the quota arithmetic and the rule and seed behind it', async () => {
    const p = consolePage;
    const auth = { authorization: `Bearer ${await token()}` };
    const round = (await server.app.inject({ method: 'POST', url: '/api/rounds', headers: auth, payload: { title: '2026年度党建工作成效考核', schemeId: 'party-building-001' } })).json();
    const units = await server.app.inject({ method: 'POST', url: `/api/rounds/${round.id}/units`, headers: auth, payload: { units: ['市财政局', '市教育局', '市卫健委'].map((name) => ({ domain: 'city-unit', name })) } });
    expect(units.statusCode).toBe(201);
    await p.goto(`${server.url}/#/rounds`);
    await p.getByRole('link', { name: '2026年度党建工作成效考核' }).click();
    const city = p.getByRole('region', { name: '市直单位' });
    // 001_98ca728807ffae1b.txt: 好 for at most 30% of the units of a domain; 30% of 3 rounds down to none.
    await expect.poll(() => city.locator('.quotas').textContent()).toContain('floor(30% × 3) = floor(0.9) = 0');
    // The seed by its number, never by its file name.
    expect(await city.locator('.quotas').textContent()).toContain('（001）');
    expect(await city.locator('.quotas').textContent()).not.toContain('001_98ca728807ffae1b.txt');
    expect(await city.locator('tr[data-unit]').count()).toBe(3);
    expect(await city.textContent()).toContain('部分单位得分不完整');
    await screenshot(p, '11-console-ranking');
  });

  it('lists the audit log and checks its hash chain', async () => {
    const p = consolePage;
    await p.getByRole('link', { name: '审计日志' }).click();
    await p.getByRole('heading', { name: '审计日志' }).waitFor();
    await expect.poll(() => p.locator('tbody').textContent()).toContain('重新开启测评');
    expect(await p.locator('tbody').textContent()).toContain('部分人员因停电未能投票');
    await p.locator('#audit-verify').click();
    await expect.poll(() => p.getByRole('status').filter({ hasText: '审计日志' }).textContent()).toContain('未发现篡改');
    await screenshot(p, '12-console-audit');
    expect(consoleWatch.problems).toEqual([]);
  });
});

async function token(): Promise<string> {
  const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN });
  return res.json().token;
}
