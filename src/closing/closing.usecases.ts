// Closing a poll and its closing report (测评结束报告): the facts, the minimum and whether it was met, the counts,
// the flags, who closed it and when, and the SHA-256 of each export archived with it.
import { transaction, type Conn, type Db } from '../db/client.js';
import { exactFigures, MEETING_KIND_LABELS, slipsReconcile, verdictOf, VERDICT_LABELS, type Verdict, type VoidStamp } from '../domain/turnout.js';
import type { Flag } from '../domain/tally.js';
import type { FormCatalog } from '../forms/index.js';
import { auditActionLabel, listAudit, recordAudit } from '../audit/index.js';
import type { SessionUser } from '../auth/index.js';
import { loadMeeting, meetingErrors, minimumOf, updateMeeting, type MeetingRecord } from '../meetings/index.js';
import { exactCounts, turnoutView, type Turnout } from '../turnout/index.js';
import { sealBallotsAfterClose, settleBallots } from '../ballots/index.js';
import { randomId, sha256Hex } from '../shared/ids.js';
import { AppError } from '../shared/errors.js';
import { EXPORT_FORMATS, renderExport, type ExportFormat } from '../exports/index.js';
import { closingErrors } from './closing.errors.js';
import { findClosingReport, insertClosingReport, listClosingReports, pendingClosingReports, updateClosingReport, type ClosingReportRow } from './closing.repository.js';

/** Renders one export (src/exports); injectable so a test can make one fail. */
export type RenderExport = (format: ExportFormat, deps: { db: Db; forms: FormCatalog }, meetingId: string) => Promise<{ body: Buffer | string; contentType: string; filename: string }>;

const COVERS: Record<ExportFormat, string> = {
  'results.csv': '计票结果 CSV（UTF-8）',
  'results.xlsx': '计票结果 Excel 工作簿',
  'results.pdf': '计票结果 PDF 报告',
  'ballots.json': '原始匿名选票 JSON（每次导出顺序随机打乱，哈希仅对应本报告存档的这一份）',
  'ballots.csv': '原始匿名选票 CSV（每次导出顺序随机打乱，哈希仅对应本报告存档的这一份）',
};

export const HASH_NOTE =
  '每个哈希值是本报告存档文件的 SHA-256（按字节计算），存档文件可在管理控制台本次测评的“结束报告”中下载核对。' +
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

/** A seed is named by its number in what people read ("003"), never by its file name. */
export const seedByNumber = (text: string) => text.replace(/(\d{3})_[0-9a-f]{16}\.txt/g, '$1');

export interface VoidEntry {
  at: string;
  actor: string;
  count: number;
  serials: string;
  reason: string;
}

/** "1–3、7、9–10": serials as ranges, as a person reads them off the printed slips. */
export function serialRanges(serials: readonly number[]): string {
  const sorted = [...new Set(serials)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(j > i ? `${sorted[i]}–${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return out.join('、');
}

/** The voids of a meeting's slips, oldest first, from the audit log (which keeps the reason of each). */
async function voidsOf(db: Conn, meetingId: string): Promise<VoidEntry[]> {
  return (await listAudit({ db }, { meetingId, limit: 1000 }))
    .filter((r) => r.action === 'slips.void')
    .reverse()
    .map((r) => {
      const d = r.detail as { serials?: unknown; reason?: unknown };
      const serials = Array.isArray(d.serials) ? d.serials.filter((x): x is number => typeof x === 'number') : [];
      return { at: r.at, actor: r.actor, count: serials.length, serials: serialRanges(serials), reason: typeof d.reason === 'string' ? d.reason : '' };
    })
    .filter((v) => v.count > 0);
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
  /** Each voiding of slips: when, by whom, which serials and why (absent from reports written before it existed). */
  voids?: VoidEntry[];
  exports: ExportDigest[];
  hashNote: string;
}

/**
 * What is stored in closing_reports.report: the report and the exact bytes its hashes cover (base64). `pending`
 * while the exports are still to be archived (the close is committed first; see closeWithReport).
 */
interface StoredReport {
  report: ClosingReport;
  archive: Partial<Record<ExportFormat, string>>;
  pending?: boolean;
}

/** The actions that make a meeting's history in its closing report; their labels are the audit log's own. */
const HISTORY_ACTIONS = new Set(['meeting.create', 'meeting.open', 'meeting.reopen', 'meeting.close', 'meeting.minimum', 'meeting.attendance', 'meeting.closing-report']);

async function historyOf(db: Conn, meetingId: string): Promise<HistoryEntry[]> {
  return (await listAudit({ db }, { meetingId, limit: 1000 }))
    .filter((r) => HISTORY_ACTIONS.has(r.action))
    .reverse()
    .map((r) => {
      const d = r.detail as Record<string, unknown>;
      const reason = typeof d.reason === 'string' ? d.reason : typeof d.minReason === 'string' ? d.minReason : null;
      let detail: string | null = null;
      if (r.action === 'meeting.minimum') detail = `${d.from ?? '按规则'} → ${d.to ?? '按规则'}`;
      else if (r.action === 'meeting.attendance') detail = [d.signedIn !== undefined ? `签到 ${d.signedIn}` : '', d.interviews !== undefined ? `谈话 ${d.interviews}` : ''].filter(Boolean).join('，') || null;
      return { at: r.at, actor: r.actor, action: r.action, label: auditActionLabel(r.action), reason, detail };
    });
}

/** The report of a meeting just closed, drafted inside the closing transaction. Exports are added after. */
async function draftClosingReport(tx: Conn, meetingId: string): Promise<ClosingReport> {
  {
    const fresh = await loadMeeting({ db: tx }, meetingId);
    const figures = exactFigures(await exactCounts({ db: tx }, fresh));
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
      history: await historyOf(tx, m.id),
      voids: await voidsOf(tx, m.id),
      exports: [],
      hashNote: HASH_NOTE,
    };
  }
}

async function digestExports(deps: { db: Db; forms: FormCatalog }, meetingId: string, render: RenderExport) {
  const digests: ExportDigest[] = [];
  const archive: StoredReport['archive'] = {};
  for (const name of EXPORT_FORMATS) {
    try {
      const out = await render(name, deps, meetingId);
      const body = typeof out.body === 'string' ? Buffer.from(out.body, 'utf8') : out.body;
      archive[name] = body.toString('base64');
      digests.push({ name, filename: out.filename, contentType: out.contentType, bytes: body.length, sha256: sha256Hex(body), covers: COVERS[name], error: null });
    } catch (e) {
      // Withheld on purpose (too few late ballots, a small category's raw ballots): not a failure.
      const withheld = e instanceof AppError && e.code.endsWith('_WITHHELD');
      digests.push({ name, filename: null, contentType: null, bytes: null, sha256: null, covers: COVERS[name], error: `${withheld ? '暂不公布' : '导出失败'}：${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return { digests, archive };
}

/** The SHA-256 of a report's canonical JSON, recorded in the audit log so that a later edit shows. */
export const reportHash = (r: ClosingReport) => sha256Hex(JSON.stringify(r));

/**
 * Closes the poll: one transaction sets the meeting closed, drafts its closing report from the figures as they
 * stand and records both in the audit log, so a closed meeting always has its report. The exports are then
 * rendered and archived with their hashes (archiveExports); if that is cut short (a crash), the report stays
 * pending and is archived at the next start or the next read. A failed export is reported, not fatal.
 */
export async function closeWithReport(
  deps: { db: Db; forms: FormCatalog },
  actor: SessionUser,
  meetingId: string,
  render: RenderExport = renderExport,
): Promise<{ meeting: MeetingRecord; reportId: string }> {
  // No ballot is on its way to the box while the poll closes: the report counts every ballot acknowledged before.
  // On PostgreSQL the same transaction rewrites the meeting's ballots in random order (ballots/ballot-box.pg.ts).
  const reportId = await settleBallots({ db: deps.db }, () => closePoll(deps, actor, meetingId), meetingId);
  // What the engine does outside the transaction: SQLite folds its WAL back, PostgreSQL drops the old row versions.
  await sealBallotsAfterClose({ db: deps.db }, meetingId);
  await archiveExports(deps, reportId, actor.username, render);
  return { meeting: await loadMeeting({ db: deps.db }, meetingId), reportId };
}

/** The closing transaction: the meeting closed, its report drafted (pending its exports), both audited. */
export async function closePoll({ db }: { db: Db }, actor: SessionUser, meetingId: string): Promise<string> {
  const id = randomId();
  await transaction(db, async (tx) => {
    const rec = await loadMeeting({ db: tx }, meetingId);
    if (rec.meeting.status !== 'open') throw meetingErrors.notOpen(rec.meeting.status);
    await updateMeeting({ db: tx }, meetingId, { status: 'closed', closedAt: new Date().toISOString(), closedBy: actor.username });
    await recordAudit({ db: tx }, { actor: actor.username, action: 'meeting.close', meetingId, detail: {} });
    const report = await draftClosingReport(tx, meetingId);
    const stored: StoredReport = { report, archive: {}, pending: true };
    await insertClosingReport({ db: tx }, { id, meetingId, closedBy: report.closedBy, closedAt: report.closedAt, report: stored as unknown as Record<string, unknown> });
  });
  return id;
}

/** Renders and archives the exports of a pending report, then records the report's hash in the audit log. */
export async function archiveExports(deps: { db: Db; forms: FormCatalog }, reportId: string, actor: string, render: RenderExport = renderExport): Promise<void> {
  const row = await findClosingReport({ db: deps.db }, undefined, reportId);
  if (!row || !(row.report as unknown as StoredReport).pending) return;
  const { report } = row.report as unknown as StoredReport;
  const { digests, archive } = await digestExports(deps, row.meetingId, render);
  report.exports = digests;
  await transaction(deps.db, async (tx) => {
    const now = await findClosingReport({ db: tx }, undefined, reportId);
    // Archived meanwhile by another call (start-up and a read racing): keep the first.
    if (!now || !(now.report as unknown as StoredReport).pending) return;
    await updateClosingReport({ db: tx }, reportId, { report, archive } satisfies StoredReport as unknown as Record<string, unknown>);
    await recordAudit({ db: tx }, { actor, action: 'meeting.closing-report', meetingId: row.meetingId, detail: { reportId, reportSha256: reportHash(report), verdict: report.verdict } });
  });
}

/** Archives every report still pending (at start). */
export async function archivePendingReports(deps: { db: Db; forms: FormCatalog }): Promise<number> {
  const pending = await pendingClosingReports({ db: deps.db });
  for (const r of pending) await archiveExports(deps, r.id, 'system');
  return pending.length;
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

/** A closing report (the latest, or `reportId`); one still pending is archived first. */
export async function getClosingReport(deps: { db: Db; forms: FormCatalog }, meetingId: string, reportId?: string): Promise<ClosingReportView> {
  const rec = await loadMeeting({ db: deps.db }, meetingId);
  let row = await findClosingReport({ db: deps.db }, meetingId, reportId);
  if (!row) throw closingErrors.reportNotFound();
  if ((row.report as unknown as StoredReport).pending) {
    await archiveExports(deps, row.id, 'system');
    row = (await findClosingReport({ db: deps.db }, meetingId, row.id))!;
  }
  return viewOf(row, rec);
}

export async function closingReportList({ db }: { db: Db }, meetingId: string) {
  await loadMeeting({ db }, meetingId);
  return listClosingReports({ db }, meetingId);
}

/** The exact bytes of an export archived with a report, so its hash can be checked. */
export async function archivedExport(deps: { db: Db; forms: FormCatalog }, meetingId: string, name: ExportFormat, reportId?: string): Promise<{ body: Buffer; contentType: string; filename: string }> {
  const view = await getClosingReport(deps, meetingId, reportId);
  const stored = (await findClosingReport({ db: deps.db }, meetingId, view.id))!.report as unknown as StoredReport;
  const b64 = stored.archive?.[name];
  const digest = stored.report.exports.find((e) => e.name === name);
  if (b64 === undefined || !digest) throw closingErrors.archivedExportNotFound();
  return { body: Buffer.from(b64, 'base64'), contentType: digest.contentType ?? 'application/octet-stream', filename: digest.filename ?? name };
}
