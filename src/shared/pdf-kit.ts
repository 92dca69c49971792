// Small helpers over pdfkit shared by the slip sheets and the paper ballots. pdfkit lays out text well but
// slowly; what is the same on every slip or ballot is laid out once and captured as a Form XObject, and only
// what differs (QR code, short code, serial) is written per copy as raw PDF operators.
import { Readable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { CJK_FONT_REGULAR } from './fonts.js';
import { qrPathOps, type QrMatrix } from './qr-path.js';

export const MM = 72 / 25.4;
export const A4 = { width: 595.28, height: 841.89 } as const;

/** The parts of pdfkit's document that pdfkit's typings do not show. */
export interface PdfKitInternals {
  page: { content: unknown; resources: unknown; fonts: Record<string, unknown>; xobjects: Record<string, unknown> };
  _font: StandardFont;
  ref(data?: Record<string, unknown>): { end(): void };
  addContent(s: string): unknown;
}
export interface StandardFont {
  id: string;
  ref(): unknown;
  widthOfString(s: string, size: number): number;
}

export const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

/** A document with the CJK font registered as `cjk` (embedded as a subset of the glyphs used). */
export function newDocument(info: { Title: string; Subject?: string }): { doc: PDFKit.PDFDocument; pk: PdfKitInternals } {
  const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: false, info: { ...info, Author: 'Ceping 测评', Creator: 'Ceping 测评' } });
  doc.registerFont('cjk', CJK_FONT_REGULAR);
  return { doc, pk: doc as unknown as PdfKitInternals };
}

/** Everything the document has produced so far (pdfkit pushes into its readable buffer as it goes). */
export function drain(doc: PDFKit.PDFDocument): Buffer {
  const parts: Buffer[] = [];
  let c: Buffer | null;
  while ((c = doc.read() as Buffer | null) !== null) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * Runs `draw` with pdfkit's output redirected into a new Form XObject of size `w` × `h` (in the page's
 * y-down coordinates) and returns it. A page must be open; its content is left untouched.
 */
export function captureForm(doc: PDFKit.PDFDocument, w: number, h: number, draw: () => void): unknown {
  const pk = doc as unknown as PdfKitInternals;
  const res = pk.ref({ ProcSet: ['PDF', 'Text'] });
  const form = pk.ref({ Type: 'XObject', Subtype: 'Form', BBox: [0, 0, w, h], Resources: res });
  const saved = { content: pk.page.content, resources: pk.page.resources };
  pk.page.content = form;
  pk.page.resources = res;
  try {
    draw();
  } finally {
    pk.page.content = saved.content;
    pk.page.resources = saved.resources;
  }
  form.end();
  res.end();
  return form;
}

/** A standard (not embedded) PDF font for short Latin strings such as codes and serials. */
export function standardFont(doc: PDFKit.PDFDocument, name: 'Courier-Bold' | 'Helvetica'): StandardFont {
  const pk = doc as unknown as PdfKitInternals;
  const before = pk._font as StandardFont | undefined;
  doc.font(name);
  const f = pk._font;
  if (before) (pk as unknown as { _font: StandardFont })._font = before;
  return f;
}

/** Makes a font and a form usable on the current page. */
export function useOnPage(pk: PdfKitInternals, fonts: StandardFont[], forms: Record<string, unknown> = {}): void {
  for (const f of fonts) pk.page.fonts[f.id] ??= f.ref();
  for (const [name, ref] of Object.entries(forms)) pk.page.xobjects[name] ??= ref;
}

/** Operators drawing a QR symbol at (x, y) (its top-left module, quiet zone outside) with `size` points. */
export function qrOps(m: QrMatrix, x: number, y: number, size: number): string {
  const s = size / m.size;
  return `q ${fmt(s)} 0 0 ${fmt(s)} ${fmt(x)} ${fmt(y)} cm\n${qrPathOps(m)}\nQ`;
}

/** Operators writing an ASCII string (codes, digits) upright in the page's y-down coordinates. */
export function latinText(font: StandardFont, size: number, x: number, baseline: number, text: string): string {
  const safe = text.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');
  return `BT /${font.id} ${size} Tf 1 0 0 -1 ${fmt(x)} ${fmt(baseline)} Tm (${safe}) Tj ET`;
}

/**
 * A stream of the chunks, pulled one at a time (backpressure), giving the event loop a turn after each: a
 * print of 10,000 slips takes seconds of CPU, and voters' requests (and a CLI progress bar) must not wait
 * for all of it. Without the turn, a fast client's socket never pushes back and the whole document would be
 * drawn in one go.
 */
export function chunkStream(chunks: Iterable<Buffer>): Readable {
  async function* yielding() {
    for (const chunk of chunks) {
      yield chunk;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return Readable.from(yielding(), { objectMode: false });
}
