// Closing a poll and its closing report (测评结束报告): the facts, the minimum and whether it was met, the counts,
// the flags, who closed it and when, and the SHA-256 of each export archived with it.
import type { Conn, Db } from '../db/client.js';
import { exactFigures, MEETING_KIND_LABELS, slipsReconcile, verdictOf, VERDICT_LABELS, type Verdict, type VoidStamp } from '../domain/turnout.js';
import type { Flag } from '../domain/tally.js';
import type { FormCatalog } from '../forms/forms.catalog.js';
import { listAudit, recordAudit } from '../audit/audit.repository.js';
import { closePoll, exactCounts, loadMeeting, minimumOf, turnoutView, type Turnout } from '../meetings/meetings.usecases.js';
import type { MeetingRecord } from '../meetings/meetings.repository.js';
import type { SessionUser } from '../plugins/auth.js';
import { notFound } from '../shared/errors.js';
import { randomId, sha256Hex } from '../shared/ids.js';
import { EXPORT_FORMATS, renderExport, type ExportFormat } from '../exports/exports.js';
import { findClosingReport, insertClosingReport, listClosingReports, type ClosingReportRow } from './closing.repository.js';

/** Renders one export (src/exports/exports.ts); injectable so a test can make one fail. */
export type RenderExport = (format: ExportFormat, deps: { db: Db; forms: FormCatalog }, meetingId: string) => Promise<{ body: Buffer | string; contentType: string; filename: string }>;

const COVERS: Record<ExportFormat, string> = {
  'results.csv': '计票结果 CSV（UTF-8）',
  'results.xlsx': '计票结果 Excel 工作簿',
  'results.pdf': '计票结果 PDF 报告',
  'ballots.json': '原始匿名选票 JSON（每次导出顺序随机打乱，哈希仅对应本报告存档的这一份）',
  'ballots.csv': '原始匿名选票 CSV（每次导出顺序随机打乱，哈希仅对应本报告存档的这一份）',
};

export const HASH_NOTE =
  '每个哈希值是本报告存档文件的 SHA-256（按字节计算），文件可从“/api/meetings/<会议>/closing-report/files/<文件名>”下载核对。' +
  '计票结果在数据不变时内容相同；原始选票每次导出都重新随机排序，所以只有存档的这一份与哈希对应。';

export interface ExportDigest {
  name: ExportFormat;
  filename: string | null;
  contentType: string | null;
  bytes: number | null;
  sha256: string | null;
  covers: string;
  /** Why the export could not be produced (then no hash). */
  error: string | null;
}

export interface HistoryEntry {
  at: string;
  actor: string;
  action: string;
  label: string;
  reason: string | null;
  detail: string | null;
}

export interface ClosingReport {
  format: 'ceping-closing-report/1';
  meeting: { id: string; title: string; unit: string; kind: string; kindLabel: string; subjects: number; formIds: string[] };
  closedBy: string;
  closedAt: string;
  verdict: Verdict;
  verdictLabel: string;
  minimum: { minRespondents: number | null; source: Turnout['minimumSource']; rule: string; overrideReason: string | null; met: boolean };
  voidStamp: VoidStamp | null;
  counts: {
    signedIn: number | null;
    interviews: number | null;
    minInterviews: number | null;
    slipsIssued: number;
    slipsUsed: number;
    slipsVoided: number;
    slipsUnused: number;
    ballotsCast: number;
    ballotsValid: number;
    ballotsInvalid: number;
  };
  reconciliation: { slipsAvailable: number; ballotsCast: number; ballotsWithinSlips: boolean; signedIn: number | null; ballotsWithinSignedIn: boolean | null };
  flags: Flag[];
  history: HistoryEntry[];
  exports: ExportDigest[];
  hashNote: string;
}

/** What is stored in closing_reports.report: the report and the exact bytes its hashes cover (base64). */
interface StoredReport {
  report: ClosingReport;
  archive: Partial<Record<ExportFormat, string>>;
}

const ACTION_LABELS: Record<string, string> = {
  'meeting.create': '创建测评',
  'meeting.open': '开始测评',
  'meeting.reopen': '重新开启测评',
  'meeting.close': '结束测评',
  'meeting.minimum': '调整最低参评人数',
  'meeting.attendance': '登记签到/谈话人数',
  'meeting.closing-report': '生成结束报告',
};

function historyOf(db: Conn, meetingId: string): HistoryEntry[] {
  return listAudit({ db }, { meetingId, limit: 1000 })
    .filter((r) => r.action in ACTION_LABELS)
    .reverse()
    .map((r) => {
      const d = r.detail as Record<string, unknown>;
      const reason = typeof d.reason === 'string' ? d.reason : typeof d.minReason === 'string' ? d.minReason : null;
      let detail: string | null = null;
      if (r.action === 'meeting.minimum') detail = `${d.from ?? '按规则'} → ${d.to ?? '按规则'}`;
      else if (r.action === 'meeting.attendance') detail = [d.signedIn !== undefined ? `签到 ${d.signedIn}` : '', d.interviews !== undefined ? `谈话 ${d.interviews}` : ''].filter(Boolean).join('，') || null;
      return { at: r.at, actor: r.actor, action: r.action, label: ACTION_LABELS[r.action]!, reason, detail };
    });
}

/** The report of a meeting just closed, from figures read in one transaction. Exports are added after. */
export function draftClosingReport(db: Db, rec: MeetingRecord): ClosingReport {
  return db.transaction((tx) => {
    const fresh = loadMeeting({ db: tx }, rec.meeting.id);
    const figures = exactFigures(exactCounts({ db: tx }, fresh));
    const t = turnoutView(fresh, figures, false);
    const m = fresh.meeting;
    const verdict = verdictOf(figures);
    return {
      format: 'ceping-closing-report/1' as const,
      meeting: { id: m.id, title: m.title, unit: m.unit, kind: m.kind, kindLabel: MEETING_KIND_LABELS[m.kind], subjects: fresh.subjects.length, formIds: m.formIds },
      closedBy: m.closedBy ?? '',
      closedAt: m.closedAt ?? '',
      verdict,
      verdictLabel: VERDICT_LABELS[verdict],
      minimum: {
        minRespondents: minimumOf(fresh),
        source: t.minimumSource,
        rule: t.minimumSource === 'override' ? '管理员调整（理由见下）' : t.minimumRule,
        overrideReason: t.minOverrideReason,
        met: figures.meetsMinimum,
      },
      voidStamp: figures.voidStamp,
      counts: {
        signedIn: figures.signedIn,
        interviews: figures.interviews,
        minInterviews: figures.minInterviews,
        slipsIssued: figures.slipsIssued,
        slipsUsed: figures.slipsUsed,
        slipsVoided: figures.slipsVoided,
        slipsUnused: figures.slipsIssued - figures.slipsUsed - figures.slipsVoided,
        ballotsCast: figures.ballotsCast,
        ballotsValid: figures.ballotsValid,
        ballotsInvalid: figures.ballotsCast - figures.ballotsValid,
      },
      reconciliation: {
        slipsAvailable: figures.slipsIssued - figures.slipsVoided,
        ballotsCast: figures.ballotsCast,
        ballotsWithinSlips: slipsReconcile(figures),
        signedIn: figures.signedIn,
        ballotsWithinSignedIn: figures.signedIn === null ? null : figures.ballotsCast <= figures.signedIn,
      },
      flags: figures.flags,
      history: historyOf(tx, m.id),
      exports: [],
      hashNote: HASH_NOTE,
    };
  });
}

async function digestExports(deps: { db: Db; forms: FormCatalog }, meetingId: string, render: RenderExport | null) {
  const digests: ExportDigest[] = [];
  const archive: StoredReport['archive'] = {};
  for (const name of EXPORT_FORMATS) {
    if (!render) {
      digests.push({ name, filename: null, contentType: null, bytes: null, sha256: null, covers: COVERS[name], error: '导出功能尚未提供' });
      continue;
    }
    try {
      const out = await render(name, deps, meetingId);
      const body = typeof out.body === 'string' ? Buffer.from(out.body, 'utf8') : out.body;
      archive[name] = body.toString('base64');
      digests.push({ name, filename: out.filename, contentType: out.contentType, bytes: body.length, sha256: sha256Hex(body), covers: COVERS[name], error: null });
    } catch (e) {
      digests.push({ name, filename: null, contentType: null, bytes: null, sha256: null, covers: COVERS[name], error: `导出失败：${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return { digests, archive };
}

/** The SHA-256 of a report's canonical JSON, recorded in the audit log so that a later edit shows. */
export const reportHash = (r: ClosingReport) => sha256Hex(JSON.stringify(r));

/**
 * Closes the poll (one transaction, audit-logged), then writes the closing report: the figures read right
 * after the close, and the exports rendered and archived with their hashes (a second transaction that also
 * records the report's own hash in the audit log). A failed export is reported in the report, not fatal.
 */
export async function closeWithReport(
  deps: { db: Db; forms: FormCatalog },
  actor: SessionUser,
  meetingId: string,
  render: RenderExport | null = renderExport,
): Promise<{ meeting: MeetingRecord; reportId: string }> {
  const rec = closePoll(deps, actor, meetingId);
  const report = draftClosingReport(deps.db, rec);
  const { digests, archive } = await digestExports(deps, meetingId, render);
  report.exports = digests;
  const id = randomId();
  deps.db.transaction((tx) => {
    insertClosingReport({ db: tx }, { id, meetingId, closedBy: report.closedBy, closedAt: report.closedAt, report: { report, archive } satisfies StoredReport as unknown as Record<string, unknown> });
    recordAudit({ db: tx }, { actor: actor.username, action: 'meeting.closing-report', meetingId, detail: { reportId: id, reportSha256: reportHash(report), verdict: report.verdict } });
  });
  return { meeting: loadMeeting({ db: deps.db }, meetingId), reportId: id };
}

export interface ClosingReportView {
  id: string;
  meetingId: string;
  closedBy: string;
  closedAt: string;
  /** True while the meeting is still closed by this close (false once it was reopened). */
  current: boolean;
  reportSha256: string;
  report: ClosingReport;
}

function viewOf(row: ClosingReportRow, rec: MeetingRecord): ClosingReportView {
  const stored = row.report as unknown as StoredReport;
  return {
    id: row.id,
    meetingId: row.meetingId,
    closedBy: row.closedBy,
    closedAt: row.closedAt,
    current: rec.meeting.status === 'closed' && rec.meeting.closedAt === row.closedAt,
    reportSha256: reportHash(stored.report),
    report: stored.report,
  };
}

export function getClosingReport({ db }: { db: Db }, meetingId: string, reportId?: string): ClosingReportView {
  const rec = loadMeeting({ db }, meetingId);
  const row = findClosingReport({ db }, meetingId, reportId);
  if (!row) throw notFound('结束报告', 'CLOSING_REPORT_NOT_FOUND');
  return viewOf(row, rec);
}

export function closingReportList({ db }: { db: Db }, meetingId: string) {
  loadMeeting({ db }, meetingId);
  return listClosingReports({ db }, meetingId);
}

/** The exact bytes of an export archived with a report, so its hash can be checked. */
export function archivedExport({ db }: { db: Db }, meetingId: string, name: ExportFormat, reportId?: string): { body: Buffer; contentType: string; filename: string } {
  const row = findClosingReport({ db }, meetingId, reportId);
  if (!row) throw notFound('结束报告', 'CLOSING_REPORT_NOT_FOUND');
  const stored = row.report as unknown as StoredReport;
  const b64 = stored.archive?.[name];
  const digest = stored.report.exports.find((e) => e.name === name);
  if (b64 === undefined || !digest) throw notFound('存档文件', 'ARCHIVED_EXPORT_NOT_FOUND');
  return { body: Buffer.from(b64, 'base64'), contentType: digest.contentType ?? 'application/octet-stream', filename: digest.filename ?? name };
}
