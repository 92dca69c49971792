// CSV as spreadsheets read it: RFC 4180, UTF-8 with a byte-order mark, every cell neutralised against formulas.
import { neutraliseCell } from '../shared/cells.js';

export type CsvRow = ReadonlyArray<string | number | null | undefined>;

/** One CSV field, RFC 4180: quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | null | undefined): string {
  const s = neutraliseCell(value === null || value === undefined ? '' : String(value));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The byte-order mark that opens every CSV document (so Excel reads the Chinese as UTF-8). */
export const CSV_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Rows as CSV lines, each ended by CRLF (RFC 4180): a document written in parts is these parts one after another. */
export function csvLines(rows: ReadonlyArray<CsvRow>): string {
  let text = '';
  for (const r of rows) text += `${r.map(csvField).join(',')}\r\n`;
  return text;
}

/** A CSV document: UTF-8 with a byte-order mark (so Excel reads the Chinese), CRLF line ends (RFC 4180). */
export function csvDocument(rows: ReadonlyArray<CsvRow>): Buffer {
  const text = rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
  return Buffer.concat([CSV_BOM, Buffer.from(text, 'utf8')]);
}
