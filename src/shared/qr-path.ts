// A QR code as ONE vector path, from the module matrix that `qrcode` computes (QRCode.create). No bitmap,
// no rectangle per module: sharp at any print resolution and small in the PDF.
import QRCode from 'qrcode';

/** Error correction M (15 %) or better, as the issue asks; M keeps the modules largest for a given size. */
export const QR_ERROR_CORRECTION = 'M' as const;
/** The quiet zone of the QR standard (ISO/IEC 18004): four light modules on every side. */
export const QR_QUIET_MODULES = 4;

export interface QrMatrix {
  size: number;
  /** Row-major, 1 = dark. */
  data: Uint8Array;
}

/**
 * The module matrix of `text` as one byte-mode segment. Passing the segment skips qrcode's search for the
 * cheapest mix of modes, which is most of its time and gains nothing on a base64url token (mixed case
 * needs byte mode anyway); the mask is still qrcode's best by the standard's penalty rules.
 */
export function qrMatrix(text: string): QrMatrix {
  const qr = QRCode.create([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: QR_ERROR_CORRECTION });
  return { size: qr.modules.size, data: qr.modules.data as unknown as Uint8Array };
}

/**
 * PDF path operators for the code, in module units (the caller scales with `cm`): every horizontal run of
 * dark modules is one rectangle subpath, and a single `f` fills them all as ONE path. One fill means no
 * hairline seams between touching modules, and integer coordinates keep the stream short (about 500 bytes
 * per code once deflated; an outline trace of the same code takes twice that).
 */
export function qrPathOps(m: QrMatrix): string {
  const n = m.size;
  const d = m.data;
  let out = '';
  for (let y = 0; y < n; y++) {
    const row = y * n;
    let x = 0;
    while (x < n) {
      if (d[row + x] !== 1) {
        x++;
        continue;
      }
      let end = x + 1;
      while (end < n && d[row + end] === 1) end++;
      out += `${x} ${y} ${end - x} 1 re\n`;
      x = end;
    }
  }
  return `${out}f`;
}
