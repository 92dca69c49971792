// The 统计表 as the first sheet of results.xlsx, laid out for print: A4 landscape, fitted to one page wide
// (as many pages tall as it needs), a page break between instruments, ruled tables, page numbers in the footer.
import type ExcelJS from 'exceljs';
import { neutraliseCell } from '../shared/cells.js';
import type { ExportData } from './export-data.js';
import { statistics, type StatCell, type StatColumn, type StatTable } from './statistics.js';

const THIN = { style: 'thin' as const, color: { argb: 'FF808080' } };
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };
const RED = 'FFC00000';
const HEADER_FILL = { type: 'pattern' as const, pattern: 'solid' as const, fgColor: { argb: 'FFECECEC' } };
const TEAM_FILL = { type: 'pattern' as const, pattern: 'solid' as const, fgColor: { argb: 'FFF6F6F6' } };
/** Sheet column widths (characters): 序号, 姓名, 职务, then the figures. */
const WIDTHS = [6, 16, 22];
// Not 9: exceljs takes 9 for its default width and leaves such a column out of the file.
const FIGURE_WIDTH = 10;

const text = (s: string) => neutraliseCell(s);

/** The sheet columns of each table column: a 测评项目 spans 姓名 and 职务, so the figures line up under every table. */
function placement(columns: readonly StatColumn[]): Array<{ from: number; to: number }> {
  let c = 1;
  return columns.map((col) => {
    const span = col.type === 'item' ? 2 : 1;
    const at = { from: c, to: c + span - 1 };
    c += span;
    return at;
  });
}

function value(col: StatColumn, v: StatCell): string | number {
  if (v === null) return col.type === 'title' || col.type === 'name' ? '' : '—';
  return typeof v === 'string' ? text(v) : v;
}

/** A full-width line of text (title, counts, a note), merged across the sheet's columns, its height from its length. */
function line(ws: ExcelJS.Worksheet, width: number, s: string, style: Partial<ExcelJS.Style> = {}): ExcelJS.Row {
  const row = ws.addRow([text(s)]);
  ws.mergeCells(row.number, 1, row.number, width);
  const cell = row.getCell(1);
  cell.alignment = { wrapText: true, vertical: 'middle', ...style.alignment };
  if (style.font) cell.font = style.font;
  const chars = WIDTHS.reduce((a, b) => a + b, 0) + (width - WIDTHS.length) * FIGURE_WIDTH;
  // A Chinese character is about two width units: one printed line per `chars / 2` of them.
  row.height = Math.max(1, Math.ceil((2 * [...s].length) / chars)) * 15 * ((style.font?.size ?? 11) / 11);
  return row;
}

function table(ws: ExcelJS.Worksheet, width: number, t: StatTable): void {
  line(ws, width, t.title, { font: { bold: true, size: 12 } });
  const at = placement(t.columns);
  const header = ws.addRow([]);
  // Tall enough for the longest label wrapped in its column (about width / 2 Chinese characters a line).
  header.height = Math.max(30, ...t.columns.map((c, i) => {
    const { from, to } = at[i]!;
    let w = 0;
    for (let k = from; k <= to; k++) w += WIDTHS[k - 1] ?? FIGURE_WIDTH;
    return Math.ceil((2 * [...c.label].length) / (w - 1)) * 14;
  }));
  t.columns.forEach((col, i) => {
    const { from, to } = at[i]!;
    const cell = header.getCell(from);
    cell.value = text(col.label);
    if (to > from) ws.mergeCells(header.number, from, header.number, to);
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    for (let c = from; c <= to; c++) header.getCell(c).border = BORDER;
  });
  t.rows.forEach((cells, r) => {
    const row = ws.addRow([]);
    t.columns.forEach((col, i) => {
      const { from, to } = at[i]!;
      const cell = row.getCell(from);
      cell.value = value(col, cells[i] ?? null);
      if (to > from) ws.mergeCells(row.number, from, row.number, to);
      if (col.type === 'rate' && typeof cell.value === 'number') cell.numFmt = '0.0%';
      if (col.type === 'score' && typeof cell.value === 'number') cell.numFmt = '0.00';
      const numeric = col.type !== 'name' && col.type !== 'title' && col.type !== 'item';
      cell.alignment = { horizontal: numeric ? 'center' : 'left', vertical: 'middle', wrapText: true };
      if (t.collective[r]) cell.fill = TEAM_FILL;
      for (let c = from; c <= to; c++) row.getCell(c).border = BORDER;
    });
  });
  for (const n of t.notes) line(ws, width, n, { font: { size: 9, ...(n.startsWith('提示') ? { color: { argb: RED } } : {}) } });
}

export function addStatisticsSheet(wb: ExcelJS.Workbook, name: string, data: ExportData): void {
  const s = statistics(data);
  const ws = wb.addWorksheet(name, {
    // fitToHeight 0: as many pages tall as needed, one page wide.
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, horizontalCentered: true, margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.6, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: '&C第 &P 页，共 &N 页' },
    views: [{ showGridLines: false }],
  });
  const width = Math.max(WIDTHS.length + 1, ...s.tables.map((t) => placement(t.columns).at(-1)?.to ?? 0));
  for (let c = 1; c <= width; c++) ws.getColumn(c).width = WIDTHS[c - 1] ?? FIGURE_WIDTH;

  line(ws, width, s.heading, { font: { bold: true, size: 16 }, alignment: { horizontal: 'center' } });
  line(ws, width, s.meetingLine);
  line(ws, width, s.countsLine);
  line(ws, width, s.validity.text, { font: { bold: true, color: { argb: s.validity.valid ? 'FF000000' : RED } } });
  s.tables.forEach((t, i) => {
    ws.addRow([]);
    table(ws, width, t);
    // Each instrument starts on a page of its own, with the stamp repeated at its head when below the minimum.
    if (i < s.tables.length - 1) {
      ws.lastRow!.addPageBreak();
      if (!s.validity.valid) line(ws, width, s.validity.text, { font: { bold: true, color: { argb: RED } } });
    }
  });
  ws.addRow([]);
  for (const sig of s.signatures) line(ws, width, sig).height = 28;
}
