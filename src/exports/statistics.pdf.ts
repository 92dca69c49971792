// The 统计表 pages that open results.pdf: A4 landscape when a table is wider than a portrait page, the meeting's
// counts, one ruled table per instrument (shared PDF table helper) with its formulas under it, signature lines.
import { addPageLikeCurrent, pdfTable, type PdfTableColumn } from '../shared/pdf-table.js';
import { cellText, type StatColumn, type Statistics, type StatTable } from './statistics.js';

type Doc = PDFKit.PDFDocument;

export const STATISTICS_MARGIN = 36;
const PORTRAIT_WIDTH = 595.28 - 2 * STATISTICS_MARGIN;
/** Fixed widths (points, at 8 pt); 职务 and 测评项目 take what is left, at least their minimum. */
const WIDTH: Record<StatColumn['type'], number> = { seq: 24, name: 86, title: 0, item: 0, count: 30, rate: 38, score: 40, rank: 28 };
const FLEX_MIN = { title: 80, item: 160 };

function columnsOf(t: StatTable): PdfTableColumn[] {
  return t.columns.map((c) => {
    const align = c.type === 'name' || c.type === 'title' || c.type === 'item' ? 'left' : 'center';
    // A per-item score column headed by a long item name is given a little more room.
    const width = c.type === 'score' && c.label.length > 4 ? 46 : WIDTH[c.type];
    return width > 0 ? { header: c.label, width, align } : { header: c.label, align };
  });
}

const minWidth = (t: StatTable) => columnsOf(t).reduce((a, c, i) => a + (c.width ?? FLEX_MIN[t.columns[i]!.type as 'title' | 'item'] ?? 80), 0);

/** Landscape when any table does not fit a portrait page. */
export function statisticsLayout(s: Statistics): 'portrait' | 'landscape' {
  return s.tables.some((t) => minWidth(t) > PORTRAIT_WIDTH) ? 'landscape' : 'portrait';
}

/** Draws the 统计表 from the current page on; `stamp` draws the 无效 stamp (it also heads every page added). */
export function statisticsPages(doc: Doc, s: Statistics, stamp: () => void): void {
  const left = doc.page.margins.left;
  const width = () => doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  doc.font('cjk-bold').fontSize(16).fillColor('black').text(s.heading, left, doc.y, { width: width(), align: 'center' }).moveDown(0.2);
  doc.font('cjk').fontSize(9.5).text(s.meetingLine, { width: width() });
  doc.text(s.countsLine, { width: width() });
  if (s.validity.valid) doc.text(s.validity.text, { width: width() });
  doc.moveDown(0.4);
  stamp();
  for (const t of s.tables) {
    // The title stays with the table: with no room for the title, the header and a row, start a new page.
    if (doc.y + 60 > bottom()) addPageLikeCurrent(doc);
    doc.font('cjk-bold').fontSize(11).fillColor('black').text(t.title, left, doc.y, { width: width() }).moveDown(0.2);
    pdfTable(doc, {
      columns: columnsOf(t),
      rows: t.rows.map((row) => row.map((v, i) => cellText(t.columns[i]!.type, v))),
      rowStyle: (i) => (t.collective[i] ? { fill: '#f4f4f4' } : undefined),
    });
    doc.moveDown(0.2);
    // The notes run on as one paragraph (they are short lines), the flags after them in red.
    const flags = t.notes.filter((n) => n.startsWith('提示'));
    doc.font('cjk').fontSize(7.5).fillColor('#333333').text(t.notes.filter((n) => !flags.includes(n)).join('　'), left, doc.y, { width: width() });
    for (const f of flags) doc.fillColor('#c00000').text(f, left, doc.y, { width: width() });
    doc.fillColor('black').moveDown(0.6);
  }
  // The signatures share a page with the figures they sign where they fit; never alone above an empty page.
  if (doc.y + 50 > bottom()) addPageLikeCurrent(doc);
  doc.moveDown(0.3).font('cjk').fontSize(10.5).fillColor('black');
  for (const sig of s.signatures) doc.text(sig, left, doc.y, { width: width() }).moveDown(0.8);
}
