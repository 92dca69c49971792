// results.xlsx: the 统计表 first (to print and sign), then a summary sheet (facts, flags, notes) and one sheet per
// instrument in long format (to analyse), numbers as numbers and rates as percentages, so Excel computes with them.
import type ExcelJS from 'exceljs';
import { neutraliseCell } from '../shared/cells.js';
import { newWorkbook } from '../shared/excel.js';
import type { ExportData } from './export-data.js';
import { addStatisticsSheet } from './statistics.xlsx.js';
import { factRows, flagRows, RESULT_COLUMNS, resultLines, validityLine } from './results.table.js';

const text = (s: string | number) => (typeof s === 'string' ? neutraliseCell(s) : s);

/** Excel forbids []:*?/\ in sheet names and caps them at 31 characters; names must be unique. */
function sheetName(title: string, used: Set<string>): string {
  const base = title.replace(/[[\]:*?/\\]/g, '').slice(0, 28) || '测评表';
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base.slice(0, 26)}${i}`;
  used.add(name);
  return name;
}

function addSummarySheet(wb: ExcelJS.Workbook, used: Set<string>, data: ExportData): void {
  const r = data.results;
  const summary = wb.addWorksheet(sheetName('汇总', used), { views: [{ state: 'frozen', ySplit: 1 }] });
  summary.columns = [
    { header: '项目', width: 36 },
    { header: '内容', width: 60 },
  ];
  for (const [k, val] of [...factRows(r), ...flagRows(r)]) summary.addRow([text(k), text(val)]);
  summary.getRow(1).font = { bold: true };
  if (!validityLine(r).valid) summary.getRow(4).font = { bold: true, color: { argb: 'FFC00000' } };
}

function addLongSheets(wb: ExcelJS.Workbook, used: Set<string>, data: ExportData): void {
  const r = data.results;
  const v = validityLine(r);
  const headers = RESULT_COLUMNS.slice(1);
  for (const fr of r.forms) {
    if (!data.forms.some((f) => f.id === fr.formId)) continue;
    const ws = wb.addWorksheet(sheetName(fr.title, used), { views: [{ state: 'frozen', ySplit: 2 }] });
    // Row 1: the validity line and the flags, so the stamp travels with every sheet; row 2: the headers (frozen with it).
    const flags = [...r.flags, ...r.notes].map((f) => f.message).join('；');
    ws.getCell('A1').value = text(`${fr.title} — ${v.text}${flags ? `；${flags}` : ''}`);
    ws.getCell('A1').font = { bold: true, color: { argb: v.valid ? 'FF000000' : 'FFC00000' } };
    ws.getRow(2).values = [...headers];
    ws.getRow(2).font = { bold: true };
    ws.columns.forEach((c, i) => (c.width = [28, 18, 12, 16, 8, 10, 12, 10, 12, 10, 30][i] ?? 12));
    for (const l of resultLines(data, r, [fr])) {
      const row = ws.addRow([text(l.question), text(l.subject), text(l.category), text(l.option), l.count, l.share, l.answered, l.meanPoints, l.weightedMeanPoints, l.favourableRate, text(l.flags)]);
      row.getCell(6).numFmt = '0.0%';
      row.getCell(8).numFmt = '0.00';
      row.getCell(9).numFmt = '0.00';
      row.getCell(10).numFmt = '0.0%';
    }
  }
}

export async function renderResultsXlsx(data: ExportData): Promise<Buffer> {
  const wb = await newWorkbook();
  wb.creator = 'Ceping 测评';
  const used = new Set<string>();
  addStatisticsSheet(wb, sheetName('统计表', used), data);
  addSummarySheet(wb, used, data);
  addLongSheets(wb, used, data);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
