// The ranking of a round as XLSX and PDF, for the committee that decides the grades. Every suggestion carries its
// rule in words (the document named once by its title; rule ids and seed files stay in the API), every tie at a boundary and every quota's arithmetic is printed, and every cell a spreadsheet
// would read as a formula is neutralised.
import type { RankedUnitView, RoundRanking } from './assessment.usecases.js';
import { bufferedCjkPdf } from '../shared/pdf.js';
import { pdfTable, type PdfTableColumn } from '../shared/pdf-table.js';
import { neutraliseCell } from '../shared/cells.js';
import { newWorkbook } from '../shared/excel.js';


const fixed2 = (n: number | null) => (n === null ? '' : n.toFixed(2));
const rulesText = (u: { suggestion: { rules: Array<{ text: string }> } }) => u.suggestion.rules.map((r) => r.text).join('；');
/** The deciding rule first, then the others, in words: what a committee member reads on paper. */
const rulesLong = rulesText;
const flagsText = (flags: Array<{ message: string }>) => flags.map((f) => f.message).join('；');

function unitFlags(u: RankedUnitView): string {
  return flagsText([...u.flags, ...u.components.flatMap((c) => c.flags), ...u.suggestion.flags]);
}

/** The linked 党建工作成效考核 grade of a cadre unit (seed 001 第十七条), in words; '' when the scheme has no such rule. */
function partyBuildingText(u: RankedUnitView): string {
  const pb = u.cadres?.partyBuilding;
  if (pb === undefined) return '';
  if (pb === null) return '未关联';
  const how = pb.source === 'final' ? '已确定' : pb.source === 'suggested' ? '建议' : '尚无等次';
  return `${pb.grade ?? '—'}（${how}；${pb.roundTitle}·${pb.unitName}）`;
}

export async function rankingXlsx(r: RoundRanking): Promise<Buffer> {
  const wb = await newWorkbook();
  wb.creator = 'Ceping';
  const text = (v: string | number | null) => (typeof v === 'string' ? neutraliseCell(v) : v ?? '');
  // Domains without units are left out; a round without any unit still gets one sheet saying so.
  const domains = r.domains.filter((d) => d.units.length > 0);
  if (domains.length === 0) wb.addWorksheet('排名').addRow([text(r.title), '尚无参加考核的单位']);
  for (const dom of domains) {
    const ws = wb.addWorksheet(dom.label.slice(0, 31));
    const comps = dom.units[0]?.components.map((c) => c.label) ?? [];
    ws.addRow([text(r.title)]).font = { bold: true, size: 14 };
    ws.addRow([text(`${dom.label}：${r.schemeTitle}（依据${r.document}）`)]);
    for (const q of dom.quotas) ws.addRow([text(`${q.grade}：${q.arithmetic}，建议 ${q.granted} 个${q.tieAtBoundary ? `；名额边界同分（${fixed2(q.boundaryScore)} 分），均按较低等次建议` : ''}（${q.rule.text}）`)]);
    for (const f of dom.flags) ws.addRow([text(`【注意】${f.message}`)]);
    ws.addRow([]);
    const header = ws.addRow(['排名', '单位', ...comps.map((c) => text(c)), '总分', '建议等次', '依据', '边界同分', '确定等次', '理由', '提示']);
    header.font = { bold: true };
    for (const u of dom.units) {
      ws.addRow([
        u.rank ?? '',
        text(u.name),
        ...u.components.map((c) => (c.value === null ? text(c.detail) : Number(c.value.toFixed(4)))),
        u.total === null ? '不完整' : Number(u.total.toFixed(4)),
        text(u.suggestion.grade ?? '—'),
        text(rulesText(u)),
        u.suggestion.tieAtBoundary ? '是' : '',
        text(u.decision?.grade ?? ''),
        text(u.decision?.reason ?? ''),
        text(unitFlags(u)),
      ]);
    }
    ws.getColumn(2).width = 24;
    const cadreUnits = dom.units.filter((u) => u.cadres && u.cadres.cadres.length > 0);
    if (cadreUnits.length > 0) {
      const cs = wb.addWorksheet(`${dom.label}·干部`.slice(0, 31));
      cs.addRow(['单位', '班子等次', '党建工作成效考核等次', '优秀名额', '姓名', '职务', '主要负责人', '计算考核基数', '测评分值', '建议等次', '依据', '边界同分', '确定等次', '理由', '提示']).font = { bold: true };
      for (const u of cadreUnits) {
        for (const c of u.cadres!.cadres) {
          cs.addRow([
            text(u.name),
            text(u.cadres!.teamGrade ?? '未定'),
            text(partyBuildingText(u)),
            text(u.cadres!.quota.arithmetic),
            text(c.name),
            text(c.title ?? ''),
            c.isHead ? '是' : '',
            c.inBase ? '是' : '否',
            c.score ?? '',
            text(c.suggestion.grade ?? '—'),
            text(rulesText(c)),
            c.suggestion.tieAtBoundary ? '是' : '',
            text(c.decision?.grade ?? ''),
            text(c.decision?.reason ?? ''),
            text(flagsText([...u.cadres!.flags, ...c.suggestion.flags])),
          ]);
        }
      }
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function rankingPdf(r: RoundRanking): Promise<Buffer> {
  const { doc, done } = bufferedCjkPdf({ layout: 'landscape', margin: 36, info: { Title: `${r.title} 排名与等次建议` } });
  const left = doc.page.margins.left;
  const columns: PdfTableColumn[] = [
    { header: '排名', width: 34, align: 'center' },
    { header: '单位', width: 120 },
    { header: '总分', width: 50, align: 'right' },
    { header: '建议', width: 40, align: 'center' },
    { header: '依据', width: 300 },
    { header: '确定', width: 40, align: 'center' },
    { header: '理由与提示' },
  ];

  doc.font('cjk-bold').fontSize(15).text(`${r.title}　排名与等次建议`, { align: 'center' });
  doc.font('cjk').fontSize(9).text(`考核方案：${r.schemeTitle}（依据${r.document}）。等次建议仅供考核委员会研究，确定等次以会议决定为准。`, { align: 'center' });
  if (r.domains.every((d) => d.units.length === 0)) doc.moveDown().text('尚无参加考核的单位。');
  for (const dom of r.domains.filter((d) => d.units.length > 0)) {
    doc.moveDown(0.8);
    doc.font('cjk-bold').fontSize(12).text(dom.label, left);
    doc.font('cjk').fontSize(9);
    for (const q of dom.quotas) doc.text(`${q.grade}：${q.arithmetic}，建议 ${q.granted} 个${q.tieAtBoundary ? `；名额边界同分（${fixed2(q.boundaryScore)} 分），均按较低等次建议，请研究确定` : ''}（${q.rule.text}）`);
    for (const f of dom.flags) doc.fillColor('#b00020').text(`【注意】${f.message}`).fillColor('black');
    doc.moveDown(0.3);
    const rows: string[][] = [];
    const unitRows = new Set<number>();
    for (const u of dom.units) {
      const pb = partyBuildingText(u);
      const cadreNotes = u.cadres && u.cadres.cadres.length > 0 ? [`干部优秀名额：${u.cadres.quota.arithmetic}`, pb ? `党建工作成效考核等次：${pb}` : '', flagsText(u.cadres.flags)] : [];
      const notes = [u.decision?.reason ? `理由：${u.decision.reason}` : '', u.suggestion.tieAtBoundary ? '边界同分' : '', unitFlags(u), ...cadreNotes].filter(Boolean).join('；');
      unitRows.add(rows.length);
      rows.push([u.rank === null ? '—' : String(u.rank), u.name, u.total === null ? '不完整' : fixed2(u.total), u.suggestion.grade ?? '—', rulesLong(u), u.decision?.grade ?? '', notes]);
      for (const c of u.cadres?.cadres ?? []) {
        rows.push(['', `　${c.name}${c.isHead ? '（主要负责人）' : ''}${c.inBase ? '' : '（不计算基数）'}`, c.score === null ? '—' : fixed2(c.score), c.suggestion.grade ?? '—', rulesLong(c), c.decision?.grade ?? '', [c.decision?.reason ?? '', flagsText(c.suggestion.flags)].filter(Boolean).join('；')]);
      }
    }
    // A unit's cadres follow it: the unit's row is tinted when it has any, so the groups read apart.
    const grouped = dom.units.some((u) => (u.cadres?.cadres.length ?? 0) > 0);
    pdfTable(doc, { columns, rows, rowStyle: (i) => (grouped && unitRows.has(i) ? { fill: '#f6f6f6', bold: true } : undefined) });
  }
  doc.end();
  return done;
}
