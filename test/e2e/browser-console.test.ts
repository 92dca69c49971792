// The console at 1366×768 around the minimum: the list's turnout state (无效 only after the close), the warning
// when the sign-in is below the minimum, what opening and closing below it mean, a confirm before voiding and a
// table that follows, the paper key-in's messages where the eyes are, the audit log in words, the projector's
// single warning and moving clock, and the form picker's suggestions. Screenshots go to test-output/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, villageMeeting } from '../helpers/app.js';
import { ADMIN, consoleTab, launchBrowser, screenshot, startServer, watchPage, type Server } from '../helpers/browser.js';

let server: Server;
let browser: Browser;
let ctx: BrowserContext;
let p: Page;
let watch: { problems: string[] };
let auth: Record<string, string>;
const dialogs: string[] = [];
/** What the next native dialog is answered: true accepts, false dismisses. */
let answer = true;
const work = mkdtempSync(join(tmpdir(), 'ceping-console-'));

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  server.app.turnoutLive.setTiming({ tickMs: 300 });
  ({ auth, ctx, p, watch } = await consoleTab(server, browser, (d: Dialog) => {
    dialogs.push(d.message());
    void (answer ? d.accept() : d.dismiss());
  }));
  await p.goto(`${server.url}/`);
  await p.getByLabel('用户名').fill(ADMIN.username);
  await p.getByLabel('密码').fill(ADMIN.password);
  await p.getByRole('button', { name: '登录', exact: true }).click();
  await p.getByRole('heading', { level: 1, name: '测评会议' }).waitFor();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

async function api(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<any> {
  const res = await server.app.inject({ method, url, headers: auth, ...(payload !== undefined ? { payload: payload as object } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : res.rawPayload;
}

let loads = 0;
/** Loads the console afresh at a screen (a new query string forces a reload; the tab keeps its login). */
async function open(hash: string): Promise<void> {
  await p.goto(`${server.url}/?load=${++loads}${hash}`);
}

const inViewport = async (loc: ReturnType<Page['locator']>) => {
  const b = await loc.boundingBox();
  return b !== null && b.y >= 0 && b.y + b.height <= 768;
};

describe('the console around the minimum, at 1366×768', () => {
  let fresh = '';
  let short = '';
  let shortCodes: string[] = [];

  it('lists turnout state: a new meeting is not void, a sign-in below the minimum is a warning', async () => {
    fresh = (await api('POST', '/api/meetings', villageMeeting({ title: '新建的村测评（尚未开始）' }))).id;
    short = (await api('POST', '/api/meetings', villageMeeting({ title: '签到不足的村测评' }))).id;
    await api('PUT', `/api/meetings/${short}/attendance`, { signedIn: 50 });
    shortCodes = (await api('POST', `/api/meetings/${short}/slips`, { count: 4 })).shortCodes;
    await open('#/meetings');
    const freshRow = p.locator(`tr[data-meeting="${fresh}"]`);
    const shortRow = p.locator(`tr[data-meeting="${short}"]`);
    await freshRow.waitFor();
    expect(await freshRow.locator('td.state').textContent()).toBe('未开始');
    expect(await shortRow.locator('td.state').textContent()).toBe('签到 50 人，少于最低 70 人');
    expect(await shortRow.locator('td.state').getAttribute('data-state')).toBe('warn');
    expect(await p.locator('main').textContent()).not.toContain('无效');
    await screenshot(p, 'console-1366-list-before-open');

    // The new meeting's page: no red 无效 before anyone could vote.
    await freshRow.getByRole('link').click();
    await p.locator('#turnout').waitFor();
    expect(await p.locator('#turnout').textContent()).not.toContain('无效');
    expect(await p.locator('#turnout').textContent()).toContain('尚未开始投票');
    await screenshot(p, 'console-1366-new-meeting-page', { fullPage: false });
  });

  it('warns on the page and asks again at opening when the sign-in is below the minimum', async () => {
    await open(`#/meetings/${short}`);
    await p.locator('#signin-warning').waitFor();
    expect(await p.locator('#signin-warning').textContent()).toContain('签到 50 人，少于最低参评人数 70 人');
    expect(await p.locator('#open-warning').textContent()).toContain('少于最低参评人数 70 人');
    await screenshot(p, 'console-1366-signin-below-minimum', { fullPage: false });
    answer = false;
    await p.locator('#open-poll').click();
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0]).toContain('签到 50 人，少于最低参评人数 70 人');
    expect(dialogs[0]).toContain('无效');
    await expect.poll(() => p.locator('#open-poll').isEnabled()).toBe(true);
    expect((await api('GET', `/api/meetings/${short}`)).status).toBe('draft');
    answer = true;
    await p.locator('#open-poll').click();
    await p.locator('#close-poll').waitFor();
    expect((await api('GET', `/api/meetings/${short}`)).status).toBe('open');
  });

  it('asks before voiding, names the slips and the reason, and the batch table follows without a reload', async () => {
    answer = false;
    await p.locator('#void-code').fill('2');
    await p.locator('#void-reason').fill('遗失');
    const asked = dialogs.length;
    await p.getByRole('button', { name: '作废', exact: true }).click();
    await expect.poll(() => dialogs.length).toBe(asked + 1);
    expect(dialogs[asked]).toContain('序号 2');
    expect(dialogs[asked]).toContain('遗失');
    expect(await p.locator('#slip-batches td').nth(4).textContent()).toBe('0');
    answer = true;
    await p.getByRole('button', { name: '作废', exact: true }).click();
    await expect.poll(() => p.locator('#toast').textContent()).toContain('已作废 1 张');
    await expect.poll(() => p.locator('#slip-batches td').nth(4).textContent()).toBe('1');
    await expect.poll(() => p.locator('[data-figure=已作废]').textContent()).toBe('1');
  });

  it('keys in a paper sheet: the outcome shows under the code where focus returns; a duplicate replaces it', async () => {
    const form = await api('GET', `/api/meetings/${short}/paper-ballots/form`);
    expect(form.forms.length).toBe(3);
    await p.locator('#paper-key-in').click();
    await p.locator('#paper-code').fill(shortCodes[0]!);
    await p.locator('#paper-code').press('Tab');
    const groups = await p.locator('.paper-choices').count();
    for (let i = 0; i < groups; i++) await p.keyboard.press('1');
    await p.keyboard.press('Enter');
    const done = p.getByRole('status').filter({ hasText: '第 1 张' });
    await done.waitFor();
    expect(await p.locator('#paper-code').evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await inViewport(done)).toBe(true);
    expect(await inViewport(p.locator('#paper-code'))).toBe(true);
    await screenshot(p, 'console-1366-paper-key-in-done', { fullPage: false });
    // The same sheet again: the green message goes, the refusal is shown in view.
    await p.locator('#paper-code').fill(shortCodes[0]!);
    await p.locator('#paper-submit').click();
    const error = p.locator('form .error').first();
    await expect.poll(() => error.textContent()).toMatch(/已|使用|录入/);
    expect(await p.locator('text=第 1 张').count()).toBe(0);
    expect(await inViewport(error)).toBe(true);
    await screenshot(p, 'console-1366-paper-key-in-duplicate', { fullPage: false });
  });

  it('the projector says "below the minimum" once, and its clock moves while the stream is open', async () => {
    // One phone ballot, so that the board has something to show besides zeros.
    const url = (await api('POST', `/api/meetings/${short}/slips`, { count: 1 })).urls[0] as string;
    const token = url.split('/v/')[1]!;
    const ballot = await api('GET', `/api/ballot/${token}`);
    await api('POST', `/api/ballot/${token}`, { answers: fullBallot(ballot) });
    const proj = await ctx.newPage();
    const projWatch = watchPage(proj, server.url);
    try {
      await proj.setViewportSize({ width: 1366, height: 768 });
      await proj.clock.install();
      await proj.goto(`${server.url}/meetings/${short}/projector.html`);
      await proj.locator('#login').waitFor();
      await proj.locator('#username').fill(ADMIN.username);
      await proj.locator('#password').fill(ADMIN.password);
      await proj.getByRole('button', { name: '登录' }).click();
      await proj.locator('#stamp').waitFor();
      await expect.poll(() => proj.locator('#conn').textContent()).toBe('实时连接正常');
      const board = (await proj.locator('#board').innerText()).replace(/\s+/g, '');
      expect(board.split('最低参评人数').length - 1).toBe(1);
      expect(board).not.toContain('无效：');
      const before = await proj.locator('#updated').textContent();
      await proj.clock.runFor(6_000);
      await expect.poll(() => proj.locator('#updated').textContent()).not.toBe(before);
      await screenshot(proj, 'projector-1366-below-minimum', { fullPage: false });
      expect(projWatch.problems).toEqual([]);
    } finally {
      await proj.close();
    }
  });

  it('says what a close below the minimum means, and the list then shows 无效', async () => {
    await open(`#/meetings/${short}`);
    await p.locator('#close-poll').click();
    await p.locator('#reopen-poll').waitFor();
    const asked = dialogs[dialogs.length - 1]!;
    expect(asked).toContain('少于最低参评人数 70 人');
    expect(asked).toContain('认定为无效');
    expect(asked).toContain('重新开启');
    await open('#/meetings');
    const row = p.locator(`tr[data-meeting="${short}"]`);
    await row.waitFor();
    expect(await row.locator('td.state').textContent()).toBe('无效：参评 2 人，少于最低 70 人');
    expect(await row.locator('td.state').getAttribute('data-state')).toBe('bad');
    expect(await p.locator(`tr[data-meeting="${fresh}"] td.state`).textContent()).toBe('未开始');
    await screenshot(p, 'console-1366-list-after-close');
  });

  it('the audit log reads in Chinese, with details in words rather than JSON', async () => {
    await p.getByRole('link', { name: '审计日志' }).click();
    await p.getByRole('heading', { name: '审计日志' }).waitFor();
    const voided = p.locator('tr[data-action="slips.void"]');
    await voided.waitFor();
    expect(await voided.locator('td').nth(3).textContent()).toBe('作废测评票');
    expect(await voided.locator('td').nth(5).textContent()).toContain('序号：2');
    expect(await voided.locator('td').nth(5).textContent()).toContain('理由：遗失');
    const rows = await p.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.children[3]?.textContent ?? '', tr.children[5]?.textContent ?? '']));
    for (const [label, detail] of rows) {
      expect(label).toMatch(/^[\u4e00-\u9fff/（）]+$/);
      expect(detail).not.toMatch(/[{}"]/);
    }
    await screenshot(p, 'console-1366-audit');
  });

  it('the form picker lists the forms of the meeting’s kind first', async () => {
    await p.getByRole('link', { name: '新建会议' }).click();
    await p.locator('#title').fill('某县发改局领导班子和领导干部年度考核');
    await p.locator('#unit').fill('某县发改局');
    await p.locator('#kind').selectOption('county');
    await p.locator('#wizard-next').click();
    const suggested = await p.locator('#forms-suggested input[type=checkbox]').evaluateAll((els) => els.map((e) => e.id));
    expect(suggested[0]).toBe('cb-county-team-evaluation');
    expect(suggested).not.toContain('cb-village-annual-review');
    expect(await p.locator('#forms-other').textContent()).toContain('班子集体和成员年度考核民主测评表');
    // No seed file name on screen.
    expect(await p.locator('main').textContent()).not.toMatch(/_[0-9a-f]{16}\.txt/);
    await screenshot(p, 'console-1366-form-picker', { fullPage: false });
    await p.getByRole('button', { name: '上一步' }).click();
    await p.locator('#kind').selectOption('community');
    await p.locator('#wizard-next').click();
    expect(await p.locator('#forms-suggested input[type=checkbox]').first().getAttribute('id')).toBe('cb-village-political-construction');
    expect(watch.problems).toEqual([]);
  });
});

