// results.csv: the meeting's facts, then the tally in long format (one line per subject × group × grade).
import type { ExportData } from './export-data.js';
import { csvDocument } from './csv.js';
import { factRows, fixed2, flagRows, percent1, RESULT_COLUMNS, resultLines } from './results.table.js';

export function renderResultsCsv(data: ExportData): Buffer {
  const r = data.results;
  const table = resultLines(data, r).map((l) => [l.form, l.question, l.subject, l.category, l.option, l.count, percent1(l.share), l.answered, fixed2(l.meanPoints), fixed2(l.weightedMeanPoints), percent1(l.favourableRate), l.flags]);
  return csvDocument([...factRows(r), ...flagRows(r), [], [...RESULT_COLUMNS], ...table]);
}
