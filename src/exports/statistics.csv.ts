// statistics.csv: the 统计表 as CSV, one block per instrument (title, headers, one row per person or team, the
// formulas), under the meeting's counts and validity, above the signature lines.
import type { ExportData } from './export-data.js';
import { csvDocument, type CsvRow } from './csv.js';
import { cellText, statistics } from './statistics.js';

export function renderStatisticsCsv(data: ExportData): Buffer {
  const s = statistics(data);
  const rows: CsvRow[] = [[s.heading], [s.meetingLine], [s.countsLine], [s.validity.text]];
  for (const t of s.tables) {
    rows.push([], [t.title], t.columns.map((c) => c.label));
    for (const row of t.rows) rows.push(row.map((v, i) => cellText(t.columns[i]!.type, v)));
    for (const n of t.notes) rows.push([n]);
  }
  rows.push([], ...s.signatures.map((x) => [x]));
  return csvDocument(rows);
}
