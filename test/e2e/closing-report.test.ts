// Closing a poll: the closing report (JSON and PDF), the hashes of the exports archived with it, the 无效 stamp
// in JSON, CSV, XLSX and PDF (read back by csv-parse, fflate + fast-xml-parser and poppler's pdftotext), and
// every state change in the audit log.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.repository.js';
import { closeWithReport, getClosingReport } from '../../src/closing/closing.usecases.js';
import { renderExport } from '../../src/exports/index.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function raw(url: string) {
  const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });
  return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
}

function pdfText(body: Buffer, name: string): string {
  const file = join(t.dir, name);
  writeFileSync(file, body);
  return execFileSync('pdftotext', ['-layout', file, '-']).toString('utf8');
}

function xlsxStrings(body: Buffer): string[] {
  const files = unzipSync(new Uint8Array(body));
  const xml = new XMLParser({ ignoreAttributes: false });
  const shared = xml.parse(strFromU8(files['xl/sharedStrings.xml']!));
  const strings: string[] = [shared.sst.si].flat().map((si: any) => (typeof si.t === 'object' ? si.t['#text'] : String(si.t)));
  // Inline strings, in case a sheet holds its text there.
  for (const [name, data] of Object.entries(files)) if (name.startsWith('xl/worksheets/')) strings.push(...[...strFromU8(data).matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((m) => m[1]!));
  return strings;
}

async function meetingWithBallots(n: number, overrides: Record<string, unknown> = {}) {
  const m = await t.api('POST', '/api/meetings', villageMeeting(overrides));
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const id: string = m.body.id;
  await t.api('PUT', `/api/meetings/${id}/attendance`, { signedIn: n + 2, interviews: 31 });
  const s = await t.api('POST', `/api/meetings/${id}/slips`, { count: n + 1 });
  expect((await t.api('POST', `/api/meetings/${id}/open`, {})).status).toBe(200);
  const form = await t.api('GET', `/api/ballot/${s.body.tokens[0]}`);
  const answers = fullBallot(form.body);
  const res = await Promise.all(s.body.tokens.slice(0, n).map((tok: string) => t.api('POST', `/api/ballot/${tok}`, { answers })));
  for (const r of res) expect(r.status).toBe(201);
  return id;
}

beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

describe('a poll closed below its minimum (6 ballots, village minimum 70: 003_43142c8fa1f20547.txt)', () => {
  let id: string;
  let report: any;
  beforeAll(async () => {
    id = await meetingWithBallots(6);
    expect((await t.api('GET', `/api/meetings/${id}/closing-report`)).status).toBe(404);
    const closed = await t.api('POST', `/api/meetings/${id}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const r = await t.api('GET', `/api/meetings/${id}/closing-report`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    report = r.body;
  });

  it('reports the facts, the minimum not met, the counts, who closed it and when, stamped 无效', () => {
    expect(report.current).toBe(true);
    expect(report.closedBy).toBe('admin');
    expect(Date.parse(report.closedAt)).toBeGreaterThan(Date.now() - 60_000);
    const r = report.report;
    expect(r.meeting).toMatchObject({ id, title: villageMeeting().title, unit: '插旗镇插旗村', kind: 'village', kindLabel: '村', subjects: 9 });
    expect(r.verdict).toBe('void');
    expect(r.verdictLabel).toBe('无效');
    expect(r.minimum).toMatchObject({ minRespondents: 70, source: 'kind', met: false, overrideReason: null });
    expect(r.minimum.rule).toBe('村参加民主测评的人数不少于70人（《关于做好2020年度村（社区）、部门站所党组织政治建设考察暨班子年度考核工作的通知》）');
    expect(r.voidStamp).toEqual({ label: '无效', minRespondents: 70, ballotsCast: 6, text: '无效：参评 6 人，少于最低参评人数 70 人' });
    expect(r.counts).toEqual({ signedIn: 8, interviews: 31, minInterviews: 30, slipsIssued: 7, slipsUsed: 6, slipsVoided: 0, slipsUnused: 1, ballotsCast: 6, ballotsValid: 6, ballotsInvalid: 0 });
    expect(r.reconciliation).toEqual({ slipsAvailable: 7, ballotsCast: 6, ballotsWithinSlips: true, signedIn: 8, ballotsWithinSignedIn: true });
    expect(r.flags.map((f: any) => f.code)).toEqual(['BELOW_MINIMUM']);
    expect(r.history.map((h: any) => h.action)).toEqual(['meeting.create', 'meeting.attendance', 'meeting.open', 'meeting.close']);
  });

  it('hashes each export archived with it; each hash matches the archived bytes, which carry the stamp', async () => {
    const names = report.report.exports.map((e: any) => e.name);
    expect(names).toEqual(['results.csv', 'results.xlsx', 'results.pdf', 'ballots.json', 'ballots.csv']);
    for (const e of report.report.exports) {
      expect(e.error, e.name).toBeNull();
      expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
      const file = await raw(`/api/meetings/${id}/closing-report/files/${e.name}`);
      expect(file.status).toBe(200);
      expect(file.body.length).toBe(e.bytes);
      expect(sha256(file.body), e.name).toBe(e.sha256);
    }
    expect(report.report.exports.find((e: any) => e.name === 'ballots.json').covers).toContain('随机打乱');
    expect(report.report.hashNote).toContain('SHA-256');
  });

  it('puts the stamp, with the minimum and the count, in the JSON, CSV, XLSX and PDF', async () => {
    const stamp = '无效：参评 6 人，少于最低参评人数 70 人';
    // JSON: turnout, results and the report.
    expect((await t.api('GET', `/api/meetings/${id}/turnout`)).body.voidStamp.text).toBe(stamp);
    const results = (await t.api('GET', `/api/meetings/${id}/results`)).body;
    expect(results.turnout.voidStamp.text).toBe(stamp);
    expect(results.flags.map((f: any) => f.code)).toContain('BELOW_MINIMUM');
    // CSV, as archived.
    const csv = await raw(`/api/meetings/${id}/closing-report/files/results.csv`);
    const rows: string[][] = parse(csv.body.subarray(3).toString('utf8'), { relax_column_count: true });
    expect(rows.flat()).toContain(stamp);
    // XLSX, as archived.
    expect(xlsxStrings((await raw(`/api/meetings/${id}/closing-report/files/results.xlsx`)).body).some((s) => s.includes(stamp))).toBe(true);
    // PDF, as archived, and the live export.
    expect(pdfText((await raw(`/api/meetings/${id}/closing-report/files/results.pdf`)).body, 'archived.pdf')).toContain(stamp);
    expect(pdfText((await raw(`/api/meetings/${id}/results.pdf`)).body, 'live.pdf')).toContain(stamp);
  });

  it('renders the report as a PDF with the stamp, the counts and the hashes (pdftotext)', async () => {
    const pdf = await raw(`/api/meetings/${id}/closing-report.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.body, 'closing.pdf');
    expect(text).toContain('民主测评结束报告');
    expect(text).toContain('无效');
    expect(text).toContain('无效：参评 6 人，少于最低参评人数 70 人');
    expect(text).toContain('最低参评人数 70 人，实际参评 6 人');
    expect(text).toContain('未达到');
    expect(text).toMatch(/签到人数\s+8/);
    expect(text).toContain('6（有效 6，无效 0）');
    expect(text).toContain('结束人');
    expect(text).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt/);
    expect(text).toContain('admin');
    for (const e of report.report.exports) expect(text.replace(/\s+/g, '')).toContain(e.sha256);
    // The same report renders to the same bytes.
    expect(sha256((await raw(`/api/meetings/${id}/closing-report.pdf`)).body)).toBe(sha256(pdf.body));
  });

  it('keeps the stamp until the poll is reopened with a reason and reaches the minimum', async () => {
    expect((await t.api('PUT', `/api/meetings/${id}/minimum`, { minRespondents: 5, reason: '会后调整最低人数' })).status).toBe(409);
    const reopen = await t.api('POST', `/api/meetings/${id}/open`, {});
    expect(reopen.status).toBe(422);
    expect(reopen.body.error.code).toBe('REASON_REQUIRED');
    expect((await t.api('POST', `/api/meetings/${id}/open`, { reason: '参会人员未到齐，继续投票' })).status).toBe(200);
    const old = (await t.api('GET', `/api/meetings/${id}/closing-report`)).body;
    expect(old.current).toBe(false);
    // An override while open again is allowed with a reason, audit-logged and printed on the next report.
    expect((await t.api('PUT', `/api/meetings/${id}/minimum`, { minRespondents: 6, reason: '本村在家党员群众不足70人，经镇党委研究同意' })).status).toBe(200);
    expect((await t.api('POST', `/api/meetings/${id}/close`)).status).toBe(200);
    const next = (await t.api('GET', `/api/meetings/${id}/closing-report`)).body;
    expect(next.id).not.toBe(old.id);
    expect(next.current).toBe(true);
    expect(next.report.verdict).toBe('valid');
    expect(next.report.voidStamp).toBeNull();
    expect(next.report.minimum).toMatchObject({ minRespondents: 6, source: 'override', overrideReason: '本村在家党员群众不足70人，经镇党委研究同意', met: true });
    const text = pdfText((await raw(`/api/meetings/${id}/closing-report.pdf`)).body, 'closing2.pdf');
    expect(text).toContain('本村在家党员群众不足70人，经镇党委研究同意');
    expect(text).not.toContain('无效：');
    expect(text).toContain('有效');
    const list = (await t.api('GET', `/api/meetings/${id}/closing-reports`)).body;
    expect(list.map((r: any) => r.id)).toEqual([next.id, old.id]);
    expect((await t.api('GET', `/api/meetings/${id}/closing-report?reportId=${old.id}`)).body.report.verdict).toBe('void');

    // Every state change is in the audit log, with its reason; each report's hash too.
    const actions = (await listAudit({ db: t.app.db }, { meetingId: id }))
      .reverse()
      .map((e) => [e.action, (e.detail as any).reason ?? null]);
    expect(actions).toEqual([
      ['meeting.create', null],
      ['meeting.attendance', null],
      ['slips.issue', null],
      ['meeting.open', null],
      ['meeting.close', null],
      ['meeting.closing-report', null],
      ['meeting.reopen', '参会人员未到齐，继续投票'],
      ['meeting.minimum', '本村在家党员群众不足70人，经镇党委研究同意'],
      ['meeting.close', null],
      ['meeting.closing-report', null],
    ]);
    const reportEntries = (await listAudit({ db: t.app.db }, { meetingId: id })).filter((e) => e.action === 'meeting.closing-report');
    expect(reportEntries.map((e) => (e.detail as any).reportSha256)).toEqual([next.reportSha256, old.reportSha256]);
  });
});

describe('a poll that met its minimum', () => {
  it('carries no 无效 stamp in any export or in the report', async () => {
    const id = await meetingWithBallots(6, { kind: 'other', minRespondents: 6, minReason: '专题测评' });
    expect((await t.api('POST', `/api/meetings/${id}/close`)).status).toBe(200);
    const report = (await t.api('GET', `/api/meetings/${id}/closing-report`)).body.report;
    expect(report.verdict).toBe('valid');
    expect(report.voidStamp).toBeNull();
    const csv = await raw(`/api/meetings/${id}/closing-report/files/results.csv`);
    expect(csv.body.toString('utf8')).not.toContain('无效：');
    expect(xlsxStrings((await raw(`/api/meetings/${id}/closing-report/files/results.xlsx`)).body).some((s) => s.startsWith('无效：'))).toBe(false);
    expect(pdfText((await raw(`/api/meetings/${id}/closing-report/files/results.pdf`)).body, 'valid.pdf')).not.toContain('无效：');
  });
});

describe('closeWithReport', () => {
  it('still closes, and says why, when an export fails', async () => {
    const id = await meetingWithBallots(2);
    const failing: typeof renderExport = async (format, deps, meetingId) => {
      if (format === 'results.xlsx') throw new Error('磁盘已满');
      return renderExport(format, deps, meetingId);
    };
    const admin = { id: 'x', username: 'admin', role: 'admin' as const };
    const { meeting } = await closeWithReport({ db: t.app.db, forms: t.app.forms }, admin, id, failing);
    expect(meeting.meeting.status).toBe('closed');
    const view = await getClosingReport({ db: t.app.db, forms: t.app.forms }, id);
    const xlsx = view.report.exports.find((e) => e.name === 'results.xlsx')!;
    expect(xlsx).toMatchObject({ sha256: null, error: '导出失败：磁盘已满' });
    expect(view.report.exports.filter((e) => e.sha256 !== null)).toHaveLength(4);
    expect((await raw(`/api/meetings/${id}/closing-report/files/results.xlsx`)).status).toBe(404);
  });

  it('is refused for a poll that is not open, and writes no report', async () => {
    const m = await t.api('POST', '/api/meetings', villageMeeting());
    const r = await t.api('POST', `/api/meetings/${m.body.id}/close`);
    expect(r.status).toBe(409);
    expect((await t.api('GET', `/api/meetings/${m.body.id}/closing-reports`)).body).toEqual([]);
  });
});

describe('voided slips in the closing report', () => {
  it('lists each voiding with its serials and reason, in the JSON and the PDF', async () => {
    const m = await t.api('POST', '/api/meetings', villageMeeting({ minRespondents: 1, minReason: '试点' }));
    const id: string = m.body.id;
    const s = await t.api('POST', `/api/meetings/${id}/slips`, { count: 6 });
    expect((await t.api('POST', `/api/meetings/${id}/slips/void`, { serials: [3, 2], reason: '印刷时损坏' })).status).toBe(200);
    expect((await t.api('POST', `/api/meetings/${id}/open`, {})).status).toBe(200);
    expect((await t.api('POST', `/api/meetings/${id}/slips/void`, { serials: [6], reason: '会场遗失一张' })).status).toBe(200);
    const form = await t.api('GET', `/api/ballot/${s.body.tokens[0]}`);
    expect((await t.api('POST', `/api/ballot/${s.body.tokens[0]}`, { answers: fullBallot(form.body) })).status).toBe(201);
    expect((await t.api('POST', `/api/meetings/${id}/close`)).status).toBe(200);
    const r = (await t.api('GET', `/api/meetings/${id}/closing-report`)).body.report;
    expect(r.counts.slipsVoided).toBe(3);
    expect(r.voids.map((v: any) => [v.count, v.serials, v.reason, v.actor])).toEqual([
      [2, '2–3', '印刷时损坏', 'admin'],
      [1, '6', '会场遗失一张', 'admin'],
    ]);
    const text = pdfText((await raw(`/api/meetings/${id}/closing-report.pdf`)).body, 'voids.pdf');
    expect(text).toContain('作废的测评票');
    expect(text.replace(/\s+/g, '')).toContain('admin作废2张（序号2–3）；理由：印刷时损坏');
    expect(text.replace(/\s+/g, '')).toContain('理由：会场遗失一张');
  });
});
