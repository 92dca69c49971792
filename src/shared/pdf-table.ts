// The one table style of Ceping's PDF reports (results and 统计表, assessment ranking, closing report): a ruled
// grid, cells centred vertically, a shaded header row that repeats on every page the table runs onto, cells that wrap rather than
// overflow, and a row never split across two pages.

export interface PdfTableColumn {
  header: string;
  /** Points; columns without a width share what the others leave of the page's width. */
  width?: number;
  align?: 'left' | 'center' | 'right';
}

export interface PdfRowStyle {
  bold?: boolean;
  colour?: string;
  fill?: string;
}

export interface PdfTableOptions {
  columns: readonly PdfTableColumn[];
  rows: ReadonlyArray<ReadonlyArray<string>>;
  fontSize?: number;
  /** A row drawn bold, in colour or on a tint (a team's row, a row to check). */
  rowStyle?: (index: number) => PdfRowStyle | undefined;
  /** False for a table of labels and values, which needs no header row. */
  header?: boolean;
}

const PAD_X = 3;
const PAD_Y = 2;
const RULE = '#7a7a7a';
const HEADER_FILL = '#ececec';

/** Adds a page like the current one (size, orientation, margins): pdfkit's addPage() would fall back to the first page's. */
export function addPageLikeCurrent(doc: PDFKit.PDFDocument): void {
  const p = doc.page;
  doc.addPage({ size: [p.width, p.height], margins: p.margins });
}

/** The widths of the columns on the current page: fixed widths as given, the rest sharing what is left. */
function columnWidths(doc: PDFKit.PDFDocument, columns: readonly PdfTableColumn[]): number[] {
  const total = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const fixed = columns.reduce((a, c) => a + (c.width ?? 0), 0);
  const flexible = columns.filter((c) => c.width === undefined).length;
  const share = flexible > 0 ? Math.max(20, (total - fixed) / flexible) : 0;
  return columns.map((c) => c.width ?? share);
}

/** Draws a table at doc.y from the left margin; leaves doc.y below it and doc.x at the margin. */
export function pdfTable(doc: PDFKit.PDFDocument, options: PdfTableOptions): void {
  const size = options.fontSize ?? 8;
  const widths = columnWidths(doc, options.columns);
  const tableWidth = widths.reduce((a, b) => a + b, 0);

  const heightOf = (cells: ReadonlyArray<string>, bold: boolean) => {
    doc.font(bold ? 'cjk-bold' : 'cjk').fontSize(size);
    return Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: widths[i]! - 2 * PAD_X }))) + 2 * PAD_Y;
  };
  const draw = (cells: ReadonlyArray<string>, style: PdfRowStyle, header: boolean) => {
    const left = doc.page.margins.left;
    const h = heightOf(cells, header || style.bold === true);
    const y = doc.y;
    const fill = header ? HEADER_FILL : style.fill;
    if (fill) doc.save().rect(left, y, tableWidth, h).fill(fill).restore();
    let x = left;
    cells.forEach((c, i) => {
      const w = widths[i]!;
      doc.save().rect(x, y, w, h).lineWidth(0.5).strokeColor(RULE).stroke().restore();
      doc.font(header || style.bold ? 'cjk-bold' : 'cjk').fontSize(size).fillColor(header ? 'black' : (style.colour ?? 'black'));
      // Vertically centred, so a one-line cell sits level with a wrapped neighbour's middle.
      const textHeight = doc.heightOfString(c || ' ', { width: w - 2 * PAD_X });
      doc.text(c, x + PAD_X, y + (h - textHeight) / 2, { width: w - 2 * PAD_X, align: header ? 'center' : (options.columns[i]!.align ?? 'left') });
      x += w;
    });
    doc.fillColor('black');
    doc.x = left;
    doc.y = y + h;
  };
  const headers = options.columns.map((c) => c.header);
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  const withHeader = options.header !== false;
  // A header with no room for one row under it goes to the next page with that row.
  const firstRowHeight = options.rows[0] ? heightOf(options.rows[0], options.rowStyle?.(0)?.bold === true) : 0;
  if (withHeader && doc.y + heightOf(headers, true) + firstRowHeight > bottom()) addPageLikeCurrent(doc);
  if (withHeader) draw(headers, {}, true);
  options.rows.forEach((cells, i) => {
    const style = options.rowStyle?.(i) ?? {};
    if (doc.y + heightOf(cells, style.bold === true) > bottom()) {
      addPageLikeCurrent(doc);
      if (withHeader) draw(headers, {}, true);
    }
    draw(cells, style, false);
  });
}
