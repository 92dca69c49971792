// Printed ballot slips: A4 sheets of 2 × 5 slips with cut marks. Each slip carries the meeting title and
// unit, the respondent category, a QR code of <PUBLIC_URL>/v/<token> drawn as one vector path, the
// grouped short code, its serial number and two lines of instructions.
//
// Speed and memory (bench/slips.ts): everything that is the same on every slip (the Chinese text, laid out
// by pdfkit once) is a Form XObject drawn by reference; per slip only the QR path and two short Latin
// strings are written, as raw PDF operators. Pages are handed out one by one through a generator, so the
// caller streams them with backpressure and memory does not grow with the number of slips.
import { attachment, safeFileName } from '../shared/disposition.js';
import type { Readable } from 'node:stream';
import { A4, captureForm, chunkStream, drain, fmt, latinText, MM, newDocument, qrOps, standardFont, useOnPage, type PdfKitInternals } from '../shared/pdf-kit.js';
import { QR_QUIET_MODULES, qrMatrix } from '../shared/qr-path.js';

export { A4, MM };

/** What is printed on every slip of a batch. */
export interface SlipSheetInfo {
  title: string;
  unit: string;
  category: string | null;
  /** PUBLIC_URL, without a trailing slash: the voter page is <publicUrl>/v. */
  publicUrl: string;
}

export interface PrintableSlip {
  url: string;
  /** Grouped, as printed: XXXX-XXXX-XXXX. */
  shortCode: string;
  serial: number;
}

/** The geometry of a sheet, in PDF points from the top-left corner (y downwards). Tests use it too. */
export const SLIP_LAYOUT = (() => {
  const margin = 10 * MM;
  const cols = 2;
  const rows = 5;
  const slipW = (A4.width - 2 * margin) / cols;
  const slipH = (A4.height - 2 * margin) / rows;
  /** The printed QR symbol, quiet zone excluded: about 30 mm, which a phone reads at arm's length. */
  const qrSymbol = 30 * MM;
  return { margin, cols, rows, perPage: cols * rows, slipW, slipH, qrSymbol, qrLeft: 3 * MM };
})();

/** Where slot `i` of a page is, and where its QR symbol and quiet zone are, for a code of `modules` modules. */
export function slotGeometry(i: number, modules: number) {
  const L = SLIP_LAYOUT;
  const x = L.margin + (i % L.cols) * L.slipW;
  const y = L.margin + Math.floor(i / L.cols) * L.slipH;
  const moduleSize = L.qrSymbol / modules;
  const quiet = QR_QUIET_MODULES * moduleSize;
  const box = L.qrSymbol + 2 * quiet;
  const quietBox = { x: x + L.qrLeft, y: y + (L.slipH - box) / 2, w: box, h: box };
  return { x, y, moduleSize, quietBox, symbol: { x: quietBox.x + quiet, y: quietBox.y + quiet, size: L.qrSymbol } };
}

/** The right-hand text column of a slip, relative to the slip's top-left corner. */
function textColumn(modules: number) {
  const g = slotGeometry(0, modules);
  const left = g.quietBox.x - g.x + g.quietBox.w + 1.5 * MM;
  return { left, width: SLIP_LAYOUT.slipW - left - 3 * MM };
}

/** The instructions printed on every slip (two lines, seed-independent wording). */
export function slipInstructions(publicUrl: string): [string, string] {
  return [`用手机扫描二维码投票；扫不出时，请打开 ${publicUrl}/v 输入上方测评码。`, '无记名投票，不记录投票人身份；每张票只能投一次，请勿转借。'];
}

/**
 * Renders the slips as a sequence of PDF byte chunks, one sheet at a time. The QR matrix is the one
 * `qrcode` computes; nothing but the path operators is derived from it here.
 */
export function* slipsPdfChunks(info: SlipSheetInfo, slips: Iterable<PrintableSlip>, onSheet?: (slipsDone: number) => void): Generator<Buffer> {
  const { doc, pk } = newDocument({ Title: `测评票 ${info.title}`, Subject: info.unit });
  const L = SLIP_LAYOUT;
  const codeFont = standardFont(doc, 'Courier-Bold');
  const serialFont = standardFont(doc, 'Helvetica');
  type Template = { name: string; modules: number; ref: unknown; codeBaseline: number; serialBaseline: number };
  const templates = new Map<number, Template>();
  let inPage = 0;
  let done = 0;
  let ops: string[] = [];

  /** The text every slip shares, laid out once by pdfkit and captured as a Form XObject. */
  const makeTemplate = (modules: number): Template => {
    const col = textColumn(modules);
    const w = { width: col.width };
    let codeBaseline = 0;
    let serialBaseline = 0;
    const ref = captureForm(doc, L.slipW, L.slipH, () => {
      doc.fillColor('black').font('cjk').fontSize(9.5);
      // Up to three lines of title; the rest of the column moves down with it.
      doc.text(info.title, col.left, 3 * MM, { ...w, height: 38, ellipsis: true, lineGap: -1 });
      doc.fontSize(8).text(info.unit, col.left, doc.y + 1, { ...w, height: 11, ellipsis: true });
      if (info.category) doc.text(`类别：${info.category}`, col.left, doc.y + 0.5, { ...w, height: 11, ellipsis: true });
      const labelY = Math.max(doc.y + 2, 22 * MM);
      doc.fontSize(6.5).fillColor('#333333').text('测评码（扫码不成功时手工输入）', col.left, labelY, { ...w, lineBreak: false });
      codeBaseline = labelY + 19;
      const [line1, line2] = slipInstructions(info.publicUrl);
      doc.fontSize(6.5).text(line1, col.left, codeBaseline + 4, { ...w, lineGap: 0 });
      doc.text(line2, col.left, doc.y + 0.5, { ...w, lineGap: 0 });
      const serialTop = Math.max(doc.y + 2, L.slipH - 6.5 * MM);
      doc.fontSize(7).fillColor('black').text('编号', col.left, serialTop, { lineBreak: false });
      serialBaseline = serialTop + 8;
    });
    const t = { name: `Slip${modules}`, modules, ref, codeBaseline, serialBaseline };
    templates.set(modules, t);
    return t;
  };

  const startPage = () => {
    if (ops.length > 0) pk.addContent(ops.join('\n'));
    ops = [];
    doc.addPage({ size: 'A4', margin: 0 });
    drawCutMarks(doc);
    inPage = 0;
  };

  for (const slip of slips) {
    const m = qrMatrix(slip.url);
    if (done === 0) startPage();
    else if (inPage === L.perPage) {
      startPage();
      onSheet?.(done);
      const chunk = drain(doc);
      if (chunk.length > 0) yield chunk;
    }
    const t = templates.get(m.size) ?? makeTemplate(m.size);
    useOnPage(pk, [codeFont, serialFont], { [t.name]: t.ref });
    const g = slotGeometry(inPage, m.size);
    const col = textColumn(m.size);
    ops.push(
      `q 1 0 0 1 ${fmt(g.x)} ${fmt(g.y)} cm /${t.name} Do Q`,
      qrOps(m, g.symbol.x, g.symbol.y, g.symbol.size),
      latinText(codeFont, 13, g.x + col.left, g.y + t.codeBaseline, slip.shortCode),
      latinText(serialFont, 8, g.x + col.left + 6 * MM, g.y + t.serialBaseline, String(slip.serial).padStart(6, '0')),
    );
    inPage++;
    done++;
  }
  if (done === 0) startPage();
  if (ops.length > 0) pk.addContent(ops.join('\n'));
  onSheet?.(done);
  doc.end();
  const last = drain(doc);
  if (last.length > 0) yield last;
}

/** Crop marks on the page margin at every cut line, and small crosses where inner cut lines meet. */
function drawCutMarks(doc: PDFKit.PDFDocument): void {
  const L = SLIP_LAYOUT;
  const ops: string[] = ['q 0.4 w 0.35 G'];
  const xs = Array.from({ length: L.cols + 1 }, (_, i) => L.margin + i * L.slipW);
  const ys = Array.from({ length: L.rows + 1 }, (_, i) => L.margin + i * L.slipH);
  const gap = 1.5 * MM;
  const top = L.margin;
  const bottom = A4.height - L.margin;
  const left = L.margin;
  const right = A4.width - L.margin;
  for (const x of xs) ops.push(`${fmt(x)} ${fmt(top - gap)} m ${fmt(x)} ${fmt(gap)} l`, `${fmt(x)} ${fmt(bottom + gap)} m ${fmt(x)} ${fmt(A4.height - gap)} l`);
  for (const y of ys) ops.push(`${fmt(left - gap)} ${fmt(y)} m ${fmt(gap)} ${fmt(y)} l`, `${fmt(right + gap)} ${fmt(y)} m ${fmt(A4.width - gap)} ${fmt(y)} l`);
  const arm = 2.5 * MM;
  for (const x of xs) {
    for (const y of ys) {
      if ((x === left || x === right) && (y === top || y === bottom)) continue;
      ops.push(`${fmt(x - arm)} ${fmt(y)} m ${fmt(x + arm)} ${fmt(y)} l ${fmt(x)} ${fmt(y - arm)} m ${fmt(x)} ${fmt(y + arm)} l`);
    }
  }
  ops.push('S Q');
  (doc as unknown as PdfKitInternals).addContent(ops.join('\n'));
}

/** The slips as a readable stream of PDF bytes, pulled sheet by sheet (backpressure-aware). */
export function slipsPdfStream(info: SlipSheetInfo, slips: Iterable<PrintableSlip>, onSheet?: (slipsDone: number) => void): Readable {
  return chunkStream(slipsPdfChunks(info, slips, onSheet));
}

/** The download name of a printed batch: kind, unit and serial range. */
export function pdfDisposition(kind: 'slips' | 'paper-ballots', unit: string, batch: { slips: ReadonlyArray<{ serial: number }> }): string {
  const first = batch.slips[0]?.serial ?? 0;
  const last = batch.slips[batch.slips.length - 1]?.serial ?? 0;
  const range = `${String(first).padStart(6, '0')}-${String(last).padStart(6, '0')}`;
  const label = kind === 'slips' ? '测评票' : '纸质测评票';
  return attachment(`ceping-${kind}-${range}.pdf`, `${label}-${safeFileName(unit)}-${range}.pdf`);
}
