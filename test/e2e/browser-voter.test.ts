// The voter page in chromium at phone sizes: the bare code-entry page, the waiting page before the poll opens,
// the grid ballot (one row per person, the criterion kept in view), the jump to the first missing item, the
// review with each person's marks, and the page height of a whole village ballot. Screenshots go to test-output/.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { villageMeeting } from '../helpers/app.js';
import { ADMIN, launchBrowser, OUTPUT, screenshot, startServer, watchPage, type Server } from '../helpers/browser.js';

/**
 * The village ballot as one card per item per person measured 7,649 CSS px at 390×844 in the field report, and
 * 8,325 CSS px here (this fixture's nine subjects and three seed-003 forms); the grid must take at most half of
 * the smaller figure.
 */
const HEIGHT_BEFORE = 7649;

let server: Server;
let browser: Browser;
let auth: Record<string, string>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN });
  auth = { authorization: `Bearer ${login.json().token}`, accept: 'application/json' };
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function api(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<any> {
  const res = await server.app.inject({ method, url, headers: auth, ...(payload !== undefined ? { payload: payload as object } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
}

async function villageWithSlips(count: number, open = true): Promise<{ id: string; urls: string[]; shortCodes: string[] }> {
  const m = await api('POST', '/api/meetings', villageMeeting());
  if (open) await api('POST', `/api/meetings/${m.id}/open`, {});
  const slips = await api('POST', `/api/meetings/${m.id}/slips`, { count });
  return { id: m.id, urls: slips.urls, shortCodes: slips.shortCodes };
}

async function phone(width: number, height: number): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
  const ctx = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  ctx.setDefaultTimeout(8_000);
  const page = await ctx.newPage();
  return { ctx, page, problems: watchPage(page, server.url).problems };
}

const pageHeight = (page: Page) => page.evaluate(() => document.documentElement.scrollHeight);

describe('the voter page at phone sizes', () => {
  it('measures the village ballot at 390×844: at most half of its former height', async () => {
    const { urls } = await villageWithSlips(1);
    const { ctx, page, problems } = await phone(390, 844);
    try {
      await page.goto(urls[0]!);
      await page.getByRole('heading', { level: 1, name: villageMeeting().title }).waitFor();
      const height = await pageHeight(page);
      writeFileSync(join(OUTPUT, 'voter-village-height.txt'), `village ballot at 390×844: ${height} CSS px (before: ${HEIGHT_BEFORE})\n`);
      await screenshot(page, 'voter-390-village-full');
      await screenshot(page, 'voter-390-village-top', { fullPage: false });
      expect(height).toBeLessThanOrEqual(HEIGHT_BEFORE / 2);
      expect(problems).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('at 390 and 360: the criterion stays in view, each radio names person, criterion and grade, nothing scrolls sideways', async () => {
    const { urls } = await villageWithSlips(2);
    for (const [i, [w, hgt]] of [[390, 844], [360, 640]].entries()) {
      const { ctx, page, problems } = await phone(w!, hgt!);
      try {
        await page.goto(urls[i]!);
        await page.getByRole('heading', { level: 1, name: villageMeeting().title }).waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(w!);
        await screenshot(page, `voter-${w}-grid-top`, { fullPage: false });
        // Screen readers: every radio carries person + criterion + grade.
        await page.getByRole('radio', { name: '周平 · 工作态度 · 一般' }).check();
        await page.getByRole('radio', { name: '插旗村党总支 · 严肃政治生活 · 较好' }).check();
        // Scroll to 周平's row under 工作态度: the sticky header above it still says 工作态度 and the grade names.
        const row = page.locator('[data-u="village-annual-review|attitude|' + (await rowSubjectId(page, 'attitude', '周平')) + '"]');
        await row.scrollIntoViewIfNeeded();
        await page.evaluate(() => window.scrollBy(0, 0));
        const head = row.locator('xpath=ancestor::div[contains(@class,"mx")]/div[contains(@class,"mx-head")]');
        const [headBox, rowBox] = await Promise.all([head.boundingBox(), row.boundingBox()]);
        expect(await head.textContent()).toContain('工作态度');
        expect(await head.textContent()).toContain('较好');
        expect(headBox!.y).toBeGreaterThanOrEqual(0);
        expect(headBox!.y + headBox!.height).toBeLessThanOrEqual(rowBox!.y + 1);
        // Tap targets: every grade cell at least 44 px high, and no grade name broken over lines.
        const heights = await page.locator('label.choice').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
        expect(Math.min(...heights)).toBeGreaterThanOrEqual(44);
        expect(Math.max(...heights)).toBeLessThan(60);
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight * 0.4));
        await screenshot(page, `voter-${w}-grid-scrolled`, { fullPage: false });
        expect(problems).toEqual([]);
      } finally {
        await ctx.close();
      }
    }
  });

  it('after a failed check it jumps to the first missing item and focuses it; the review lists each person’s marks', async () => {
    const { urls } = await villageWithSlips(1);
    const { ctx, page, problems } = await phone(360, 640);
    try {
      await page.goto(urls[0]!);
      await page.getByRole('heading', { level: 1, name: villageMeeting().title }).waitFor();
      // Everything answered (the first grade) but 李秀英 under 财务制度.
      await page.locator('.grades').evaluateAll((els) => els.forEach((e) => (e.querySelector('input') as HTMLInputElement).click()));
      const financeLi = page.locator('[data-u="village-annual-review|finance|' + (await rowSubjectId(page, 'finance', '李秀英')) + '"]');
      // Take that one answer back out of what the phone keeps, and reload: the page draws from what it kept.
      await page.evaluate((liId) => {
        const key = Object.keys(localStorage).find((k) => k.startsWith('ceping:'))!;
        const s = JSON.parse(localStorage.getItem(key)!);
        delete s.answers['village-annual-review'].finance[liId];
        localStorage.setItem(key, JSON.stringify(s));
      }, await rowSubjectId(page, 'finance', '李秀英'));
      await page.reload();
      await page.getByRole('heading', { level: 1, name: villageMeeting().title }).waitFor();
      await page.getByRole('button', { name: '检查并提交' }).click();
      expect(await page.locator('#problems').textContent()).toContain('还有 1 项必答未填写');
      // The page went to the item, not to the list at the bottom: the row is on screen and its first radio has focus.
      const focused = await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.getAttribute('aria-label'));
      expect(focused).toBe('李秀英 · 财务制度 · 好');
      const box = await financeLi.boundingBox();
      expect(box!.y).toBeGreaterThan(0);
      expect(box!.y + box!.height).toBeLessThan(640);
      expect(await page.locator('#progress-text').textContent()).toContain('已跳到第一项');
      await screenshot(page, 'voter-360-missing-jump', { fullPage: false });

      await page.getByRole('radio', { name: '李秀英 · 财务制度 · 一般' }).check();
      await page.getByRole('button', { name: '检查并提交' }).click();
      await page.getByRole('heading', { name: '确认提交' }).waitFor();
      const li = page.locator('.summary dt', { hasText: '李秀英' }).first().locator('xpath=following-sibling::dd[1]');
      expect(await li.textContent()).toBe('好：组织纪律、工作态度、工作业绩、廉洁自律；一般：财务制度');
      expect(await page.locator('.summary').textContent()).toContain('插旗村党总支');
      await screenshot(page, 'voter-360-review');
      await page.getByRole('button', { name: '确认提交' }).click();
      await page.getByRole('heading', { name: '投票成功' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('the bare /v page asks for the code, and a typed code opens the ballot and votes', async () => {
    const { shortCodes } = await villageWithSlips(1);
    const { ctx, page, problems } = await phone(360, 640);
    try {
      await page.goto(`${server.url}/v`);
      await page.getByLabel('请输入测评票上的 12 位票码').waitFor();
      await screenshot(page, 'voter-360-code-entry', { fullPage: false });
      await page.getByLabel('请输入测评票上的 12 位票码').fill(shortCodes[0]!.toLowerCase().replace(/-/g, ' '));
      await page.getByRole('button', { name: '进入测评' }).click();
      await page.getByRole('heading', { level: 1, name: villageMeeting().title }).waitFor();
      await page.locator('.grades').evaluateAll((els) => els.forEach((e) => (e.querySelector('input') as HTMLInputElement).click()));
      await page.getByRole('button', { name: '检查并提交' }).click();
      await page.getByRole('button', { name: '确认提交' }).click();
      await page.getByRole('heading', { name: '投票成功' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('before the poll opens the page names the meeting, waits, and opens the ballot by itself once the poll opens', async () => {
    const { id, urls } = await villageWithSlips(1, false);
    const { ctx, page, problems } = await phone(390, 844);
    try {
      await page.clock.install();
      await page.goto(urls[0]!);
      await page.getByRole('heading', { level: 1, name: villageMeeting().title }).waitFor();
      expect(await page.locator('.notice').textContent()).toContain('测评尚未开始');
      expect(await page.locator('#waiting').textContent()).toContain('自动');
      await screenshot(page, 'voter-390-waiting', { fullPage: false });
      await api('POST', `/api/meetings/${id}/open`, {});
      await page.clock.runFor(11_000);
      await page.getByRole('button', { name: '检查并提交' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});

/** The subject id of a person on a question of the village annual review, read from the ballot the page shows. */
async function rowSubjectId(page: Page, questionId: string, name: string): Promise<string> {
  return page.evaluate(
    ([q, n]) => {
      const rows = [...document.querySelectorAll(`[data-u^="village-annual-review|${q}|"]`)];
      const row = rows.find((r) => r.querySelector('.who')?.firstChild?.textContent === n);
      return row!.getAttribute('data-u')!.split('|')[2]!;
    },
    [questionId, name] as const,
  );
}
