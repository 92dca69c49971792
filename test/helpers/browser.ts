// A real Ceping server on a free port with a fresh SQLite file, and Debian's chromium driven by playwright-core.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Dialog, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ADMIN } from './app.js';

export { ADMIN };
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUTPUT = resolve(import.meta.dirname, '../../test-output');

export interface Server {
  app: FastifyInstance;
  url: string;
  close: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Starts the real app over HTTP; PUBLIC_URL is the server's own address, so the QR links open in the browser. */
export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    CEPING_DB: join(dir, 'ceping.sqlite'),
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    CEPING_ADMIN_USER: ADMIN.username,
    CEPING_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await buildApp(config);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    url,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Collects what a page must never do: console errors (a CSP violation is one), uncaught exceptions, and requests
 * to any origin other than the server's.
 */
export function watchPage(page: Page, origin: string): { problems: string[] } {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|404|406|409|422)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) problems.push(`external request: ${u}`);
  });
  return { problems };
}

/** A PNG in test-output/: the whole page, or (fullPage false) what the screen shows, as on a phone. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage });
}

/**
 * A console tab at 1366×768 (Chinese locale, 8 s default timeout) on `server`, with its page problems watched,
 * native dialogs handed to `onDialog`, and an admin bearer header for calls made beside the browser.
 */
export async function consoleTab(server: Server, browser: Browser, onDialog: (d: Dialog) => void) {
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN });
  const auth = { authorization: `Bearer ${login.json().token}`, accept: 'application/json' };
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  ctx.setDefaultTimeout(8_000);
  const p = await ctx.newPage();
  const watch = watchPage(p, server.url);
  p.on('dialog', onDialog);
  return { auth, ctx, p, watch };
}
