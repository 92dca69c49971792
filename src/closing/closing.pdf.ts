// The closing report as a PDF (A4, Simplified Chinese), rendered from the stored report JSON. Its dates are set
// from the close, so the same report renders to the same bytes.
import { RED_FLAGS } from '../domain/turnout.js';
import type { ClosingReportView } from './closing.usecases.js';
import { bufferedCjkPdf } from '../shared/pdf.js';
import { pdfTable } from '../shared/pdf-table.js';

const RED = '#b00020';
const GREEN = '#1b5e20';
const GREY = '#555555';

const SOURCE_LABELS: Record<string, string> = {
  override: '管理员调整',
  kind: '按会议类型规定',
  'staff-count': '按全体干部职工人数',
  'signed-in': '按签到人数（未登记职工总数）',
  unknown: '未确定',
};

const num = (n: number | null) => (n === null ? '未登记' : String(n));

function localTime(iso: string): string {
  if (!iso) return '';
  // Beijing time (UTC+8), the time printed for the team.
  const d = new Date(Date.parse(iso) + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}（北京时间）`;
}

export function renderClosingReportPdf(view: ClosingReportView): Promise<Buffer> {
  const r = view.report;
  const when = new Date(r.closedAt || Date.now());
  // Dated from the close, so the same report always renders to the same bytes.
  const { doc, done } = bufferedCjkPdf({ margin: 50, info: { Title: `测评结束报告 ${r.meeting.title}`, Author: 'Ceping 测评', CreationDate: when, ModDate: when } });
  const width = doc.page.width - 100;

  doc.font('cjk-bold').fontSize(20).fillColor('black').text('民主测评结束报告', { align: 'center' });
  doc.moveDown(0.3);
  doc.font('cjk').fontSize(12).text(r.meeting.title, { align: 'center' });
  doc.fontSize(10).fillColor(GREY).text(`${r.meeting.unit} · ${r.meeting.kindLabel}`, { align: 'center' });
  doc.moveDown(0.8);

  // The verdict first, impossible to miss.
  const boxTop = doc.y;
  if (r.voidStamp) {
    doc.rect(50, boxTop, width, 70).lineWidth(3).strokeColor(RED).stroke();
    doc.font('cjk-bold').fontSize(36).fillColor(RED).text('无效', 50, boxTop + 8, { width: 140, align: 'center' });
    doc.font('cjk-bold').fontSize(12).text(r.voidStamp.text, 190, boxTop + 16, { width: width - 150 });
    doc.font('cjk').fontSize(10).text(`最低参评人数 ${r.voidStamp.minRespondents} 人，实际参评 ${r.voidStamp.ballotsCast} 人`, 190, boxTop + 40, { width: width - 150 });
  } else {
    const colour = r.verdict === 'valid' ? GREEN : RED;
    doc.rect(50, boxTop, width, 50).lineWidth(2).strokeColor(colour).stroke();
    doc.font('cjk-bold').fontSize(24).fillColor(colour).text(r.verdictLabel, 50, boxTop + 10, { width: 160, align: 'center' });
    const why = r.verdict === 'valid' ? `参评 ${r.counts.ballotsCast} 人，达到最低参评人数 ${num(r.minimum.minRespondents)} 人` : r.verdict === 'unknown' ? '未确定最低参评人数' : '存在需要核查的红色提示，见下';
    doc.font('cjk').fontSize(11).text(why, 210, boxTop + 17, { width: width - 170 });
  }
  doc.x = 50;
  doc.y = boxTop + (r.voidStamp ? 85 : 65);

  // A section's label / value lines are one two-column table (the shared PDF table style), drawn when it ends.
  let pending: Array<{ cells: [string, string]; colour: string }> = [];
  const endSection = () => {
    const rows = pending;
    pending = [];
    if (rows.length > 0) pdfTable(doc, { columns: [{ header: '', width: 150 }, { header: '' }], header: false, fontSize: 10, rows: rows.map((x) => x.cells), rowStyle: (i) => ({ colour: rows[i]!.colour }) });
  };
  const section = (title: string) => {
    endSection();
    doc.moveDown(0.6);
    doc.font('cjk-bold').fontSize(13).fillColor('black').text(title, 50, doc.y, { width });
    doc.moveTo(50, doc.y + 2).lineTo(50 + width, doc.y + 2).lineWidth(0.5).strokeColor('#999999').stroke();
    doc.moveDown(0.4);
  };
  const line = (label: string, value: string, colour = 'black') => pending.push({ cells: [label, value], colour });

  section('会议与结束');
  line('测评会议', r.meeting.title);
  line('被测评单位', r.meeting.unit);
  line('会议类型', r.meeting.kindLabel);
  line('会议编号', r.meeting.id);
  line('结束人', r.closedBy);
  line('结束时间', localTime(r.closedAt));

  section('最低参评人数');
  line('最低参评人数', r.minimum.minRespondents === null ? '未确定' : `${r.minimum.minRespondents} 人`);
  // Reports written before the rule was worded by seed number still carry the file name: print the number.
  line('依据', `${SOURCE_LABELS[r.minimum.source] ?? r.minimum.source}：${r.minimum.rule.replace(/(\d{3})_[0-9a-f]{16}\.txt/g, '$1')}`);
  if (r.minimum.overrideReason) line('调整理由', r.minimum.overrideReason, RED);
  line('是否达到', r.minimum.met ? '已达到' : '未达到', r.minimum.met ? GREEN : RED);

  section('人数与票数');
  const c = r.counts;
  line('签到人数', num(c.signedIn));
  line('个别谈话', c.minInterviews === null ? num(c.interviews) : `${num(c.interviews)}（最低 ${c.minInterviews} 人）`, c.interviews !== null && c.minInterviews !== null && c.interviews < c.minInterviews ? RED : 'black');
  line('发放测评票', String(c.slipsIssued));
  line('已使用 / 作废 / 未使用', `${c.slipsUsed} / ${c.slipsVoided} / ${c.slipsUnused}`);
  line('收回选票', `${c.ballotsCast}（有效 ${c.ballotsValid}，无效 ${c.ballotsInvalid}）`);
  const rec = r.reconciliation;
  line('核对：票数 ≤ 有效测评票', `${rec.ballotsCast} ≤ ${rec.slipsAvailable}：${rec.ballotsWithinSlips ? '相符' : '不符'}`, rec.ballotsWithinSlips ? 'black' : RED);
  line('核对：票数 ≤ 签到人数', rec.ballotsWithinSignedIn === null ? '未登记签到人数' : `${rec.ballotsCast} ≤ ${rec.signedIn}：${rec.ballotsWithinSignedIn ? '相符' : '不符'}`, rec.ballotsWithinSignedIn === false ? RED : 'black');

  section('提示');
  if (r.flags.length === 0) line('', '无');
  for (const f of r.flags) line(RED_FLAGS.has(f.code) ? '● 红色提示' : '○ 提示', f.message, RED_FLAGS.has(f.code) ? RED : 'black');

  section('作废的测评票');
  const voids = r.voids ?? [];
  if (voids.length === 0) line('', r.voids ? '无' : '（本报告生成时尚未记录作废明细，见审计日志）');
  for (const v of voids) line(localTime(v.at).replace('（北京时间）', ''), `${v.actor} 作废 ${v.count} 张（序号 ${v.serials}）；理由：${v.reason}`);

  section('操作记录（审计日志）');
  for (const h of r.history) line(localTime(h.at).replace('（北京时间）', ''), `${h.actor} ${h.label}${h.detail ? `：${h.detail}` : ''}${h.reason ? `；理由：${h.reason}` : ''}`);

  section('导出文件的 SHA-256');
  doc.font('cjk').fontSize(9).fillColor(GREY).text(r.hashNote, 50, doc.y, { width });
  doc.moveDown(0.4);
  for (const e of r.exports) {
    doc.font('cjk-bold').fontSize(10).fillColor('black').text(`${e.name}  ${e.covers}`, 50, doc.y, { width });
    if (e.sha256) doc.font('cjk').fontSize(9).fillColor('black').text(`${e.sha256}（${e.bytes} 字节）`, { width });
    else doc.font('cjk').fontSize(9).fillColor(RED).text(e.error ?? '无', { width });
    doc.moveDown(0.2);
  }

  doc.moveDown(0.8);
  doc.font('cjk').fontSize(8).fillColor(GREY).text(`报告编号 ${view.id} · 报告内容 SHA-256 ${view.reportSha256}（已记入审计日志）`, 50, doc.y, { width });
  doc.end();
  return done;
}
