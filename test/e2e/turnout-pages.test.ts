// The live progress and projector pages in a real browser (Debian's chromium through playwright-core) against
// the real server: login, coarsened figures over SSE, the 无效 stamp after close, strict CSP, text not markup.
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  t = await makeTestApp();
  t.app.turnoutLive.setTiming({ tickMs: 300 });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await t.close();
});

it('shows coarsened live figures after login, then the exact count and the 无效 stamp on the projector after close', async () => {
  const title = '<img src=x onerror="window.__xss=1">插旗村测评';
  const m = await t.api('POST', '/api/meetings', villageMeeting({ title }));
  const id = m.body.id;
  await t.api('PUT', `/api/meetings/${id}/attendance`, { signedIn: 6 });
  const s = await t.api('POST', `/api/meetings/${id}/slips`, { count: 8 });
  await t.api('POST', `/api/meetings/${id}/open`, {});
  const form = await t.api('GET', `/api/ballot/${s.body.tokens[0]}`);
  for (const tok of s.body.tokens.slice(0, 7)) expect((await t.api('POST', `/api/ballot/${tok}`, { answers: fullBallot(form.body) })).status).toBe(201);

  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) problems.push(msg.text());
  });
  const res = await page.goto(`${base}/meetings/${id}/live.html`);
  const csp = res!.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  const html = await res!.text();
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  expect(html).not.toMatch(/\sstyle=/);

  // No session in this tab yet: the page asks for a login.
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#username', ADMIN.username);
  await page.fill('#password', ADMIN.password);
  await page.click('#login button[type=submit]');
  await page.waitForFunction(() => document.getElementById('cast')!.textContent === '5', null, { timeout: 5000 });
  expect(await page.isHidden('#login')).toBe(true);
  expect(await page.textContent('#title')).toBe(title);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.textContent('#cast-label')).toBe('已投票（至少）');
  expect(await page.textContent('#min')).toBe('70');
  expect(await page.textContent('#flags')).toContain('投票数已超过签到人数 6，请核查');
  expect(await page.getAttribute('#stamp', 'class')).toContain('pending');

  // The projector page, in the same tab (same session).
  await page.goto(`${base}/meetings/${id}/projector.html`);
  await page.waitForFunction(() => document.getElementById('cast')!.textContent === '5', null, { timeout: 5000 });
  expect((await t.api('POST', `/api/meetings/${id}/close`)).status).toBe(200);
  await page.waitForFunction(() => document.getElementById('cast')!.textContent === '7', null, { timeout: 5000 });
  expect(await page.textContent('#status')).toBe('测评已结束');
  expect(await page.textContent('#stamp-label')).toBe('无效');
  expect(await page.textContent('#stamp-text')).toBe('无效：参评 7 人，少于最低参评人数 70 人');
  expect(await page.getAttribute('#stamp', 'class')).toContain('final');
  expect(await page.textContent('#flags')).toContain('投票数 7 超过签到人数 6，请核查');
  // Large type: the ballot count is at least a tenth of the screen's height.
  const size = await page.evaluate(() => parseFloat(getComputedStyle(document.getElementById('cast')!).fontSize));
  expect(size).toBeGreaterThan((page.viewportSize()?.height ?? 720) / 10);
  expect(problems).toEqual([]);
  await page.close();
});
