// The console at 1366×768 where things get corrected: a draft edited and deleted, a subject's name fixed after the
// poll opened (with a reason), users managed by an admin, one's own password changed, a session that renews while
// in use, and a wizard that survives its session ending. Screenshots go to test-output/.
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

beforeAll(async () => {
  // Five-minute sessions (the shortest allowed), so the renewal window is near from the start.
  [server, browser] = await Promise.all([startServer({ CEPING_SESSION_MINUTES: '5' }), launchBrowser()]);
  ({ auth, ctx, p, watch } = await consoleTab(server, browser, (d: Dialog) => {
    dialogs.push(d.message());
    void d.accept();
  }));
  await logIn(ADMIN.username, ADMIN.password);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function logIn(username: string, password: string): Promise<void> {
  if (!p.url().startsWith(server.url)) await p.goto(`${server.url}/`);
  await p.locator('input[name=username]').fill(username);
  await p.locator('input[name=password]').fill(password);
  await p.getByRole('button', { name: '登录', exact: true }).click();
  await p.locator('#top:not([hidden])').waitFor();
}

async function api(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<any> {
  const res = await server.app.inject({ method, url, headers: auth, ...(payload !== undefined ? { payload: payload as object } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
}

let loads = 0;
async function open(hash: string): Promise<void> {
  await p.goto(`${server.url}/?load=${++loads}${hash}`);
}
const token = () => p.evaluate(() => JSON.parse(sessionStorage.getItem('ceping.session') || 'null')?.token as string | undefined);

describe('correcting a meeting in the console', () => {
  it('edits a draft: title, a subject renamed, one removed, one added', async () => {
    const m = await api('POST', '/api/meetings', villageMeeting({ title: '插旗村测评（标题有错字）' }));
    await open(`#/meetings/${m.id}`);
    const form = p.locator('#edit-meeting');
    await form.waitFor();
    await p.locator('#edit-title').fill('插旗村2026年度测评');
    const rows = p.locator('#edit-subjects tbody tr');
    await rows.nth(4).locator('input').first().fill('王志刚');
    await rows.nth(8).getByRole('button', { name: /删除/ }).click();
    await p.locator('#edit-add-subject').click();
    await rows.last().locator('input').first().fill('孙红');
    await rows.last().locator('input').nth(1).fill('组织委员');
    const cats = p.locator('#edit-categories tbody tr');
    await p.locator('#edit-add-category').click();
    await p.locator('#edit-add-category').click();
    await cats.nth(0).locator('input').nth(0).fill('村干部');
    await cats.nth(0).locator('input').nth(1).fill('40');
    await cats.nth(1).locator('input').nth(0).fill('党员群众');
    await cats.nth(1).locator('input').nth(1).fill('50');
    await p.locator('#edit-save').click();
    await p.locator('#edit-meeting [role=alert]').getByText('各类别权重之和须为 100%（现为 90%）').waitFor();
    await screenshot(p, '30-console-edit-draft');
    await cats.nth(1).locator('input').nth(1).fill('60');
    await p.locator('#edit-save').click();
    await p.getByRole('heading', { level: 1, name: '插旗村2026年度测评' }).waitFor();
    const after = await api('GET', `/api/meetings/${m.id}`);
    expect(after.subjects.map((s: any) => s.name)).toEqual(['插旗村党总支', '插旗村“两委”班子', '张建国', '李秀英', '王志刚', '赵丽华', '陈明', '刘洋', '孙红']);
    expect(after.subjects[4].id).toBe(m.subjects[4].id);
    expect(after.categories).toEqual([
      { key: 'c1', label: '村干部', weight: 0.4 },
      { key: 'c2', label: '党员群众', weight: 0.6 },
    ]);
  });

  it('once slips exist says the list is frozen and refuses to delete', async () => {
    const m = await api('POST', '/api/meetings', villageMeeting({ title: '已发票的草稿' }));
    await api('POST', `/api/meetings/${m.id}/slips`, { count: 2 });
    await open(`#/meetings/${m.id}`);
    await p.locator('#edit-frozen').waitFor();
    expect(await p.locator('#edit-add-subject').count()).toBe(0);
    await p.locator('#delete-meeting').click();
    await expect.poll(() => p.locator('[role=alert]').filter({ hasText: '不能删除' }).count()).toBeGreaterThan(0);
    expect((await server.app.inject({ method: 'GET', url: `/api/meetings/${m.id}`, headers: auth })).statusCode).toBe(200);
  });

  it('deletes a draft after a confirm', async () => {
    const m = await api('POST', '/api/meetings', villageMeeting({ title: '建错了的会议' }));
    await open(`#/meetings/${m.id}`);
    await p.locator('#delete-meeting').click();
    await p.getByRole('heading', { level: 1, name: '测评会议' }).waitFor();
    expect(dialogs.at(-1)).toContain('删除测评会议“建错了的会议”');
    expect((await server.app.inject({ method: 'GET', url: `/api/meetings/${m.id}`, headers: auth })).statusCode).toBe(404);
  });

  it('after the poll opened fixes a name only with a reason', async () => {
    const m = await api('POST', '/api/meetings', villageMeeting({ title: '进行中的村测评' }));
    await api('POST', `/api/meetings/${m.id}/open`, {});
    await open(`#/meetings/${m.id}`);
    expect(await p.locator('#edit-meeting').count()).toBe(0);
    const li = p.locator(`li[data-subject="${m.subjects[3].id}"]`);
    await li.getByRole('button', { name: /更正/ }).click();
    await li.locator('.fix-name').fill('李秀莹');
    await li.getByRole('button', { name: '保存更正' }).click();
    await li.getByText('须写明理由').waitFor();
    await li.locator('.fix-reason').fill('名单录入错字');
    await screenshot(p, '31-console-correct-subject-open');
    await li.getByRole('button', { name: '保存更正' }).click();
    await p.locator(`li[data-subject="${m.subjects[3].id}"]`).getByText(/李秀莹/).waitFor();
    expect((await api('GET', `/api/meetings/${m.id}`)).subjects[3].name).toBe('李秀莹');
  });
});

describe('users and sessions in the console', () => {
  it('an admin creates, renames, disables, enables a user and resets the password', async () => {
    await open('#/users');
    await p.locator('#new-username').fill('wang');
    await p.locator('#new-display').fill('王考核');
    await p.locator('#new-password').fill('123456789012');
    await p.getByRole('button', { name: '创建用户' }).click();
    await p.getByText(/常见/).waitFor(); // a common password is refused, in Chinese
    await p.locator('#new-password').fill('wang-first-password-31');
    await p.getByRole('button', { name: '创建用户' }).click();
    const row = p.locator('tr[data-user="wang"]');
    await row.waitFor();
    await row.getByRole('button', { name: /管理/ }).click();
    await p.locator('#edit-display').fill('王组员');
    await p.getByRole('button', { name: '保存姓名和角色' }).click();
    await row.getByText('王组员').waitFor();
    await row.getByRole('button', { name: /管理/ }).click();
    await p.locator('#toggle-disabled').click();
    await row.getByText('已停用').waitFor();
    const refused = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'wang', password: 'wang-first-password-31' } });
    expect(refused.statusCode).toBe(401);
    await row.getByRole('button', { name: /管理/ }).click();
    await p.locator('#toggle-disabled').click();
    await row.getByText('正常').waitFor();
    await row.getByRole('button', { name: /管理/ }).click();
    await p.locator('#reset-password').fill('wang-second-password-32');
    await p.locator('#reset-password2').fill('wang-second-password-32');
    await p.getByRole('button', { name: '重置密码' }).click();
    await p.locator('#toast').getByText('已重置').waitFor();
    await screenshot(p, '32-console-users-manage');
    const ok = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'wang', password: 'wang-second-password-32' } });
    expect(ok.statusCode).toBe(200);
  });

  it('renews a session in use before it ends; the old token stops working', async () => {
    await open('#/meetings');
    await p.getByRole('heading', { level: 1, name: '测评会议' }).waitFor();
    // Bring the end of the session within the renewal window, as if four minutes had passed.
    await p.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('ceping.session')!);
      s.expiresAt = Date.now() + 60_000;
      sessionStorage.setItem('ceping.session', JSON.stringify(s));
    });
    await open('#/meetings');
    await p.getByRole('heading', { level: 1, name: '测评会议' }).waitFor();
    const before = await token();
    // A live page opened from the console holds the same token in its own sessionStorage.
    const session = await p.evaluate(() => sessionStorage.getItem('ceping.session')!);
    const m = await api('POST', '/api/meetings', villageMeeting({ title: '现场进度页随续期更新' }));
    const livePage = await ctx.newPage();
    await livePage.goto(`${server.url}/healthz`);
    await livePage.evaluate((s) => sessionStorage.setItem('ceping.session', s), session);
    await livePage.goto(`${server.url}/meetings/${m.id}/live.html`);
    await livePage.locator('#board:not([hidden])').waitFor();
    const renewed = p.waitForResponse((r) => r.url().endsWith('/api/auth/renew'));
    await p.locator('main').click({ position: { x: 5, y: 5 } });
    expect((await renewed).status()).toBe(200);
    await expect.poll(token).not.toBe(before);
    const old = await server.app.inject({ method: 'GET', url: '/api/meetings', headers: { authorization: `Bearer ${before}` } });
    expect(old.statusCode).toBe(401);
    const fresh = await server.app.inject({ method: 'GET', url: '/api/meetings', headers: { authorization: `Bearer ${await token()}` } });
    expect(fresh.statusCode).toBe(200);
    // The live page was handed the new token, so its next ticket does not fail.
    await expect.poll(() => livePage.evaluate(() => JSON.parse(sessionStorage.getItem('ceping.session')!).token)).toBe(await token());
    await livePage.close();
  });

  it('keeps what the wizard held when the session ends, and restores it after logging in again', async () => {
    await open('#/meetings/new');
    await p.locator('#title').fill('大坪村2026年度测评');
    await p.locator('#unit').fill('插旗镇大坪村');
    await p.locator('#wizard-next').click();
    await p.getByRole('checkbox').first().check();
    // The session ends on the server (as it would by time), then the user reloads.
    await server.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${await token()}` } });
    await open('#/meetings/new');
    await p.getByText('登录已过期').waitFor();
    await screenshot(p, '33-console-session-ended');
    await logIn(ADMIN.username, ADMIN.password);
    await p.locator('#wizard-restored').waitFor();
    expect(await p.locator('#wizard-restored').isVisible()).toBe(true);
    // Back at the step it was on (the forms), with the form still ticked.
    expect(await p.getByRole('checkbox').first().isChecked()).toBe(true);
    await p.getByRole('button', { name: '上一步' }).click();
    expect(await p.locator('#title').inputValue()).toBe('大坪村2026年度测评');
    expect(await p.locator('#unit').inputValue()).toBe('插旗镇大坪村');
    await screenshot(p, '34-console-wizard-restored');
  });

  it('changes one’s own password, then logs out and in with it', async () => {
    await open('#/password');
    await p.locator('#current-password').fill('wrong-password-here');
    await p.locator('#new-password-own').fill('admin-new-password-2026');
    await p.locator('#new-password-again').fill('admin-new-password-2026');
    await p.getByRole('button', { name: '修改密码' }).click();
    await p.getByText('当前密码不正确').waitFor();
    await p.locator('#current-password').fill(ADMIN.password);
    await p.getByRole('button', { name: '修改密码' }).click();
    await p.locator('#toast').getByText('密码已修改').waitFor();
    await screenshot(p, '35-console-own-password');
    const kept = await token();
    await p.locator('#logout').click();
    await p.getByText('已退出登录').waitFor();
    const ended = await server.app.inject({ method: 'GET', url: '/api/meetings', headers: { authorization: `Bearer ${kept}` } });
    expect(ended.statusCode).toBe(401);
    await logIn(ADMIN.username, 'admin-new-password-2026');
    expect(watch.problems).toEqual([]);
  });
});

describe('knowing the room is done, with the live figures still coarsened', () => {
  it('shows 全部签到人员已投票 on the meeting page (1366×768) and the live page (390×844) only once everyone signed in voted', async () => {
    server.app.turnoutLive.setTiming({ tickMs: 300 });
    // The password change above ended every other session of the admin, this test's own included.
    let password = 'admin-new-password-2026';
    let again = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: ADMIN.username, password } });
    if (again.statusCode !== 200) {
      password = ADMIN.password; // this test run alone
      again = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: ADMIN.username, password } });
    }
    auth = { authorization: `Bearer ${again.json().token}`, accept: 'application/json' };
    const m = await api('POST', '/api/meetings', villageMeeting({ title: '小组测评（签到 3 人）', minRespondents: 3, minReason: '试点小组' }));
    const tokens = (await api('POST', `/api/meetings/${m.id}/slips`, { count: 3 })).tokens as string[];
    await api('PUT', `/api/meetings/${m.id}/attendance`, { signedIn: 3 });
    await api('POST', `/api/meetings/${m.id}/open`, {});
    const vote = async (tok: string) => {
      const form = await api('GET', `/api/ballot/${tok}`);
      await api('POST', `/api/ballot/${tok}`, { answers: fullBallot(form) });
    };
    await vote(tokens[0]!);
    await vote(tokens[1]!);

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
    const live = await phone.newPage();
    const liveWatch = watchPage(live, server.url);
    await live.goto(`${server.url}/meetings/${m.id}/live.html`);
    await live.locator('#username').fill(ADMIN.username);
    await live.locator('#password').fill(password);
    await live.locator('#login button[type=submit]').click();
    await live.locator('#board:not([hidden])').waitFor();
    await live.waitForTimeout(700);
    expect(await live.locator('#all-voted').isVisible()).toBe(false);
    expect(await live.locator('#cast').innerText()).toBe('0'); // two ballots, shown as "at least 0"

    await open(`#/meetings/${m.id}`);
    await p.locator('#turnout').waitFor();
    expect(await p.locator('#all-voted').count()).toBe(0);
    await vote(tokens[2]!);
    await live.locator('#all-voted').waitFor({ state: 'visible' });
    // Still no exact count: the room being done is all it says.
    expect(await live.locator('#cast').innerText()).toBe('0');
    await screenshot(live, '36-live-all-voted-390', { fullPage: false });
    await p.locator('#all-voted').waitFor({ timeout: 10_000 });
    expect(await p.locator('[data-figure="已投票"]').innerText()).toBe('0');
    await screenshot(p, '37-console-all-voted');
    const projector = await ctx.newPage();
    const login = await p.evaluate(() => sessionStorage.getItem('ceping.session')!);
    await projector.goto(`${server.url}/healthz`);
    await projector.evaluate((s) => sessionStorage.setItem('ceping.session', s), login);
    await projector.goto(`${server.url}/meetings/${m.id}/projector.html`);
    await projector.locator('#all-voted').waitFor({ state: 'visible' });
    await screenshot(projector, '38-projector-all-voted', { fullPage: false });
    await projector.close();
    await open('#/meetings');
    await expect.poll(() => p.locator(`tr[data-meeting="${m.id}"]`).innerText()).toContain('全部签到人员已投票');
    expect(liveWatch.problems).toEqual([]);
    await phone.close();
    expect(watch.problems).toEqual([]);
  });
});
