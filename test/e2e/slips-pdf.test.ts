// The printed slips and paper ballots, read back the way a person and a phone read them: the PDF is rendered
// with poppler (pdftoppm), every QR code is decoded with zbar (zbarimg), the text is extracted (pdftotext),
// and every code read is used against the real app. Missing tools fail the test (CI installs them).
import { execFileSync, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PATTERN } from '../../src/slips/codes.js';
import { SLIP_LAYOUT, slotGeometry, MM } from '../../src/slips/pdf.js';
import { QR_QUIET_MODULES, qrMatrix } from '../../src/shared/qr-path.js';
import { listAudit } from '../../src/audit/audit.repository.js';
import { projectRoot } from '../../src/shared/paths.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

function tool(name: string, versionArg = '-v'): void {
  try {
    execFileSync(name, [versionArg], { stdio: 'pipe' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${name} is not installed: install Debian's poppler-utils and zbar-tools (bash .ci/run does)`);
    }
  }
}
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** zbarimg exits 4 when it finds no code; that is a result here, not an error. */
function decodeQr(image: string): string[] {
  try {
    return run('zbarimg', ['-q', '--raw', '--nodbus', image]).split('\n').filter((l) => l !== '');
  } catch (e) {
    if ((e as { status?: number }).status === 4) return [];
    throw e;
  }
}

const CATEGORIES = [
  { key: 'team', label: '领导班子成员', weight: 0.4 },
  { key: 'staff', label: '干部职工', weight: 0.6 },
];
const COUNT = 12;

let t: TestApp;
let dir: string;
let meetingId: string;
beforeAll(async () => {
  for (const [name, arg] of [['pdftoppm', '-v'], ['pdftotext', '-v'], ['pdffonts', '-v'], ['pdfimages', '-v'], ['zbarimg', '--version']] as const) tool(name, arg);
  t = await makeTestApp();
  dir = mkdtempSync(join(tmpdir(), 'ceping-slips-pdf-'));
  const m = await t.api('POST', '/api/meetings', villageMeeting({ categories: CATEGORIES }));
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  meetingId = m.body.id;
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function post(url: string, payload: unknown, accept?: string) {
  return t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers: { authorization: `Bearer ${t.adminToken}`, ...(accept ? { accept } : {}) } });
}

interface ReadSlip {
  url: string;
  token: string;
  shortCode: string;
  serial: number;
}

/** Reads every slot of every page: the QR (rendered at 150 dpi, one slot at a time) and the text of that slot. */
function readSlips(pdf: string, modules: number): ReadSlip[] {
  const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [pdf]))![1]);
  const out: ReadSlip[] = [];
  const dpi = 150;
  const px = (pt: number) => String(Math.round((pt * dpi) / 72));
  for (let p = 1; p <= pages; p++) {
    for (let i = 0; i < SLIP_LAYOUT.perPage; i++) {
      const g = slotGeometry(i, modules);
      const base = join(dir, `slot-${p}-${i}`);
      const box = ['-x', px(g.x), '-y', px(g.y), '-W', px(SLIP_LAYOUT.slipW), '-H', px(SLIP_LAYOUT.slipH)];
      run('pdftoppm', ['-r', String(dpi), '-f', String(p), '-l', String(p), ...box, '-png', '-singlefile', pdf, base]);
      const codes = decodeQr(`${base}.png`);
      const text = run('pdftotext', ['-r', '72', '-f', String(p), '-l', String(p), '-x', String(Math.floor(g.x)), '-y', String(Math.floor(g.y)), '-W', String(Math.floor(SLIP_LAYOUT.slipW)), '-H', String(Math.floor(SLIP_LAYOUT.slipH)), pdf, '-']);
      const code = /\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b/.exec(text)?.[1];
      const serial = /编号\s*(\d{6})/.exec(text)?.[1];
      if (codes.length === 0 && !code) continue; // an empty slot on the last sheet
      expect(codes, `slot ${i} of page ${p}`).toHaveLength(1);
      expect(code, `short code in slot ${i} of page ${p}: ${text}`).toBeDefined();
      expect(serial, `serial in slot ${i} of page ${p}: ${text}`).toBeDefined();
      const url = codes[0]!;
      out.push({ url, token: url.slice(url.lastIndexOf('/') + 1), shortCode: code!, serial: Number(serial) });
    }
  }
  return out;
}

describe('printed slips', () => {
  let pdf: string;
  let slips: ReadSlip[];
  const modules = qrMatrix(`http://vote.test/v/${'x'.repeat(43)}`).size;

  it('answers a request without Accept: application/json with a PDF to download', async () => {
    const res = await post(`/api/meetings/${meetingId}/slips`, { count: COUNT, category: 'staff' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="ceping-slips-000001-000012\.pdf"; filename\*=UTF-8''/);
    expect(decodeURIComponent(String(res.headers['content-disposition']).split("UTF-8''")[1]!)).toBe('测评票-插旗镇插旗村-000001-000012.pdf');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    pdf = join(dir, 'slips.pdf');
    writeFileSync(pdf, res.rawPayload);
    // The tokens exist only in that PDF: the database has hashes and the turnout counts them.
    const turnout = await t.api('GET', `/api/meetings/${meetingId}/turnout`);
    expect(turnout.body.slipsIssued).toBe(COUNT);
  });

  it('embeds Noto Sans SC as a subset and gives back the Chinese text', () => {
    const fonts = run('pdffonts', [pdf]);
    expect(fonts).toMatch(/^[A-Z]{6}\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/m);
    const text = run('pdftotext', [pdf, '-']).replace(/\s+/g, '');
    expect(text).toContain('2026年度插旗村党组织政治建设考察暨班子年度考核');
    expect(text).toContain('插旗镇插旗村');
    expect(text).toContain('类别：干部职工');
    expect(text).toContain('http://vote.test/v输入上方测评码');
    expect(text).toContain('无记名投票');
  });

  it('draws the QR codes as vectors: no image in the file', () => {
    const list = run('pdfimages', ['-list', pdf]).trim().split('\n');
    expect(list.length, list.join('\n')).toBe(2); // the two header lines, no image
  });

  it('decodes every QR code to a distinct ballot URL, with a short code and serial beside it', () => {
    slips = readSlips(pdf, modules);
    expect(slips).toHaveLength(COUNT);
    expect(new Set(slips.map((s) => s.url)).size).toBe(COUNT);
    expect(new Set(slips.map((s) => s.shortCode)).size).toBe(COUNT);
    expect(slips.map((s) => s.serial)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    for (const s of slips) {
      expect(s.url.startsWith('http://vote.test/v/')).toBe(true);
      expect(s.token).toMatch(TOKEN_PATTERN);
    }
  });

  it('keeps the four-module quiet zone of every code clear, and prints the symbol about 30 mm wide', () => {
    const dpi = 150;
    const base = join(dir, 'page1');
    run('pdftoppm', ['-r', String(dpi), '-f', '1', '-l', '1', '-gray', '-singlefile', pdf, base]);
    const pgm = readFileSync(`${base}.pgm`);
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'))!;
    const width = Number(header[1]);
    const pixels = pgm.subarray(header[0].length);
    const at = (x: number, y: number) => pixels[y * width + x]!;
    const px = (pt: number) => (pt * dpi) / 72;
    for (let i = 0; i < SLIP_LAYOUT.perPage; i++) {
      const g = slotGeometry(i, modules);
      const outer = { x0: Math.ceil(px(g.quietBox.x)) + 1, y0: Math.ceil(px(g.quietBox.y)) + 1, x1: Math.floor(px(g.quietBox.x + g.quietBox.w)) - 1, y1: Math.floor(px(g.quietBox.y + g.quietBox.h)) - 1 };
      const inner = { x0: Math.floor(px(g.symbol.x)) - 1, y0: Math.floor(px(g.symbol.y)) - 1, x1: Math.ceil(px(g.symbol.x + g.symbol.size)) + 1, y1: Math.ceil(px(g.symbol.y + g.symbol.size)) + 1 };
      let dark = 0;
      let minX = Infinity;
      let maxX = -Infinity;
      for (let y = outer.y0; y <= outer.y1; y++) {
        for (let x = outer.x0; x <= outer.x1; x++) {
          const inSymbol = x >= inner.x0 && x <= inner.x1 && y >= inner.y0 && y <= inner.y1;
          if (!inSymbol && at(x, y) < 200) dark++;
          if (inSymbol && at(x, y) < 128) {
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
          }
        }
      }
      expect(dark, `dark pixels in the quiet zone of slot ${i}`).toBe(0);
      const mm = ((maxX - minX + 1) / dpi) * 25.4;
      expect(mm).toBeGreaterThan(29);
      expect(mm).toBeLessThan(31);
    }
    expect(QR_QUIET_MODULES).toBe(4);
    expect(SLIP_LAYOUT.qrSymbol / MM).toBeCloseTo(30, 5);
  });

  it('uses the matrix qrcode computes, at error correction level M', () => {
    const url = slips[0]!.url;
    const m = qrMatrix(url);
    const ref = QRCode.create(url, { errorCorrectionLevel: 'M' });
    expect(ref.errorCorrectionLevel.bit).toBe(0); // M
    expect(m.size).toBe(ref.modules.size);
  });

  it('opens a ballot from every decoded URL and from every short code, and each code is its QR code’s slip', async () => {
    expect((await t.api('POST', `/api/meetings/${meetingId}/open`, {})).status).toBe(200);
    for (const s of slips) {
      const byToken = await t.app.inject({ method: 'GET', url: new URL(s.url).pathname.replace(/^\/v\//, '/api/ballot/') });
      expect(byToken.statusCode, byToken.body).toBe(200);
      expect(byToken.json().category).toEqual({ key: 'staff', label: '干部职工' });
    }
    for (const s of slips) {
      const before = await t.app.inject({ method: 'GET', url: `/api/ballot/${s.shortCode}` });
      expect(before.statusCode, before.body).toBe(200);
      const cast = await t.app.inject({ method: 'POST', url: `/api/ballot/${s.token}`, payload: { answers: fullBallot(before.json()) } });
      expect(cast.statusCode, cast.body).toBe(201);
      // Its short code is now used: the code and the QR on one slip are the same slip.
      const after = await t.app.inject({ method: 'GET', url: `/api/ballot/${s.shortCode.toLowerCase()}` });
      expect(after.statusCode).toBe(409);
      expect(after.json().error.code).toBe('TOKEN_USED');
    }
  });
});

describe('paper ballots', () => {
  it('prints the questionnaire with a QR and short code that key in once', async () => {
    const res = await post(`/api/meetings/${meetingId}/paper-ballots/print`, { count: 2, category: 'team' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/filename="ceping-paper-ballots-000013-000014\.pdf"/);
    const pdf = join(dir, 'paper.pdf');
    writeFileSync(pdf, res.rawPayload);
    expect(run('pdffonts', [pdf])).toMatch(/\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes\s+yes/);
    expect(run('pdfimages', ['-list', pdf]).trim().split('\n')).toHaveLength(2);
    const text = run('pdftotext', [pdf, '-']).replace(/\s+/g, '');
    for (const s of ['2026年度插旗村党组织政治建设考察暨班子年度考核', '参评人员类别：领导班子成员', '党组织政治建设民主测评表', '班子集体和成员年度考核民主测评表', '张建国', '本票无记名']) {
      expect(text).toContain(s);
    }
    const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [pdf]))![1]);
    const perBallot = pages / 2;
    expect(Number.isInteger(perBallot)).toBe(true);

    for (let b = 0; b < 2; b++) {
      const first = b * perBallot + 1;
      const base = join(dir, `paper-${b}`);
      run('pdftoppm', ['-r', '150', '-f', String(first), '-l', String(first), '-png', '-singlefile', pdf, base]);
      const urls = decodeQr(`${base}.png`);
      expect(urls).toHaveLength(1);
      const pageText = run('pdftotext', ['-f', String(first), '-l', String(first), pdf, '-']);
      const code = /\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b/.exec(pageText)![1]!;
      // Every page of the ballot carries the same code, so loose sheets stay matched.
      for (let p = first + 1; p < first + perBallot; p++) expect(run('pdftotext', ['-f', String(p), '-l', String(p), pdf, '-'])).toContain(code);

      const form = await t.api('GET', `/api/meetings/${meetingId}/paper-ballots/form`);
      expect(form.status).toBe(200);
      const keyIn = await t.api('POST', `/api/meetings/${meetingId}/paper-ballots`, { code, answers: fullBallot(form.body) });
      expect(keyIn.status, JSON.stringify(keyIn.body)).toBe(201);
      expect(keyIn.body.valid).toBe(true);
      // The QR of the same sheet is now used.
      const phone = await t.app.inject({ method: 'GET', url: new URL(urls[0]!).pathname.replace(/^\/v\//, '/api/ballot/') });
      expect(phone.statusCode).toBe(409);
      expect(phone.json().error.code).toBe('TOKEN_USED');
    }
  });
});

describe('ceping slips (the CLI, through src/cli/bin.js as npx runs it)', () => {
  it('prints slips offline from the same database, and they open ballots on the server', () => {
    const out = join(dir, 'cli.pdf');
    const env = { ...process.env, CEPING_DB: t.config.dbPath!, PUBLIC_URL: 'http://vote.test', LOG_LEVEL: 'silent' };
    const res = spawnSync(process.execPath, [join(projectRoot, 'src/cli/bin.js'), 'slips', '--meeting', meetingId, '--count', '3', '--category', 'staff', '--out', out], { env, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Printed 3 slips \(serials 15–17, batch [\w-]+\)/);
    const modules = qrMatrix(`http://vote.test/v/${'x'.repeat(43)}`).size;
    const read = readSlips(out, modules);
    expect(read.map((s) => s.serial)).toEqual([15, 16, 17]);
    return Promise.all(
      read.map(async (s) => {
        const view = await t.app.inject({ method: 'GET', url: `/api/ballot/${s.token}` });
        expect(view.statusCode, view.body).toBe(200);
        expect((await t.app.inject({ method: 'GET', url: `/api/ballot/${s.shortCode}` })).statusCode).toBe(200);
      }),
    ).then(async () => {
      const issue = (await listAudit({ db: t.app.db }, { meetingId })).find((e) => e.action === 'slips.issue');
      expect(issue?.actor).toMatch(/^cli:/);
    });
  });

  it('fails with a message and exit status 1 for an unknown category, printing nothing', () => {
    const out = join(dir, 'cli-bad.pdf');
    const env = { ...process.env, CEPING_DB: t.config.dbPath!, PUBLIC_URL: 'http://vote.test', LOG_LEVEL: 'silent' };
    const res = spawnSync(process.execPath, [join(projectRoot, 'src/cli/bin.js'), 'slips', '--meeting', meetingId, '--count', '3', '--category', 'nobody', '--out', out], { env, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('UNKNOWN_CATEGORY');
    expect(() => readFileSync(out)).toThrow();
    const usage = spawnSync(process.execPath, [join(projectRoot, 'src/cli/bin.js'), 'slips', '--meeting', meetingId, '--count', '0', '--out', out], { env, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--count must be');
    // With the default PUBLIC_URL (this machine) nothing is printed unless that address is confirmed.
    const { PUBLIC_URL: _unset, ...defaults } = env;
    const loopback = spawnSync(process.execPath, [join(projectRoot, 'src/cli/bin.js'), 'slips', '--meeting', meetingId, '--count', '3', '--out', out], { env: defaults, encoding: 'utf8' });
    expect(loopback.status).toBe(2);
    expect(loopback.stderr).toContain('--confirm-public-url http://127.0.0.1:3000');
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('streaming', () => {
  it('sends the first sheets of a large print while the rest is still being drawn', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const big = (await t.api('POST', '/api/meetings', villageMeeting({ title: '大批量打印' }))).body.id;
    let healthAt = Infinity;
    const timing = await new Promise<{ firstByte: number; end: number; chunks: number; bytes: number; type: string }>((resolveTiming, reject) => {
      const t0 = performance.now();
      // Another request during the print: the server must answer it before the print is done.
      const health = () => request({ host: '127.0.0.1', port, path: '/healthz' }, (r) => r.resume().on('end', () => (healthAt = performance.now() - t0))).end();
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/api/meetings/${big}/slips`, headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' } }, (res) => {
        let firstByte = 0;
        let chunks = 0;
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          if (chunks++ === 0) {
            firstByte = performance.now() - t0;
            health();
          }
          bytes += c.length;
        });
        res.on('end', () => resolveTiming({ firstByte, end: performance.now() - t0, chunks, bytes, type: String(res.headers['content-type']) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ count: 1500, reason: '整乡统一印制测评票' }));
    });
    expect(timing.type).toBe('application/pdf');
    expect(timing.bytes).toBeGreaterThan(500_000);
    expect(timing.chunks).toBeGreaterThan(100); // one or more per sheet of ten, not one buffer at the end
    expect(timing.firstByte, JSON.stringify(timing)).toBeLessThan(timing.end * 0.6);
    expect(healthAt, JSON.stringify({ healthAt, ...timing })).toBeLessThan(timing.end);
  });
});
