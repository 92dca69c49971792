// A PDF rendered into memory with the CJK font registered (`cjk`, `cjk-bold`; pdfkit embeds only the glyphs
// used). For the reports and exports; slips and paper ballots stream instead (src/slips/pdf-kit.ts).
import PDFDocument from 'pdfkit';
import { CJK_FONT_BOLD, CJK_FONT_REGULAR } from './fonts.js';

export function bufferedCjkPdf(options: PDFKit.PDFDocumentOptions): { doc: PDFKit.PDFDocument; done: Promise<Buffer> } {
  const doc = new PDFDocument({ size: 'A4', ...options, info: { Producer: 'Ceping 测评', Creator: 'Ceping 测评', ...options.info } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('cjk', CJK_FONT_REGULAR);
  doc.registerFont('cjk-bold', CJK_FONT_BOLD);
  return { doc, done };
}
