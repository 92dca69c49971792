// The voter page must load fast on weak rural 4G and run in old WebViews: at most 30 KB compressed for
// HTML + CSS + JS, no request to any other origin, and no syntax newer than ES2017 in what the phone gets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'acorn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webFolder } from '../../src/shared/paths.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

const FILES = ['voter.html', 'voter.css', 'voter.js'];
const BUDGET = 30 * 1024;
const read = (f: string) => readFileSync(join(webFolder, 'public', f));

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t?.close());

describe('the voter page budget', () => {
  it('weighs at most 30 KB gzipped (HTML + CSS + JS)', () => {
    const sizes = FILES.map((f) => ({ f, raw: read(f).length, gz: gzipSync(read(f), { level: 9 }).length }));
    const total = sizes.reduce((a, s) => a + s.gz, 0);
    console.info(`[voter budget] ${sizes.map((s) => `${s.f} ${s.raw} B → ${s.gz} B`).join(', ')}; total ${total} B of ${BUDGET} B`);
    expect(total).toBeLessThanOrEqual(BUDGET);
  });

  it('is served compressed and within the budget as a phone receives it', async () => {
    let total = 0;
    for (const url of ['/v/AAAA', '/assets/voter.css', '/assets/voter.js']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(res.statusCode).toBe(200);
      total += res.rawPayload.length;
    }
    expect(total).toBeLessThanOrEqual(BUDGET);
  });

  it('references nothing outside Ceping', () => {
    const html = read('voter.html').toString();
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(m[1]).toMatch(/^\/assets\//);
    const all = FILES.map((f) => read(f).toString()).join('\n');
    expect(all).not.toMatch(/https?:\/\//);
    expect(all).not.toMatch(/@import|url\(/);
  });

  it('parses as ES2017 (no optional chaining, object spread, async iteration or newer)', () => {
    const src = read('voter.js').toString();
    expect(() => parse(src, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow();
    // The check can fail: the same parser refuses a line of ES2020.
    expect(() => parse(`${src}\nvar x = window?.y ?? 1;`, { ecmaVersion: 2017, sourceType: 'script' })).toThrow();
    expect(() => parse('var o = { ...{ a: 1 } };', { ecmaVersion: 2017, sourceType: 'script' })).toThrow();
  });
});
