// ballots.csv: every ballot, anonymised and shuffled, one column per question (and per subject of a graded
// question about subjects), answers as their labels.
import type { ExportData } from './export-data.js';
import { optionLabels } from './export-data.js';
import { anonymisedBallots } from './ballots.anonymised.js';
import { csvDocument } from './csv.js';
import { flagRows, validityLine } from './results.table.js';

type Answers = Record<string, Record<string, unknown>>;

/** Columns of the ballots CSV: one per question, and per subject for graded questions about subjects. */
function ballotColumns(data: ExportData) {
  const cols: Array<{ header: string; cell: (answers: Answers) => string }> = [];
  for (const form of data.forms) {
    for (const q of form.questions) {
      const labels = optionLabels(data, form, q);
      const label = (v: unknown) => (typeof v === 'string' ? (labels.get(v) ?? v) : '');
      const get = (a: Answers) => a[form.id]?.[q.id];
      if (q.type === 'graded' && q.subjects) {
        for (const s of data.subjects.filter((x) => (q.subjects as readonly string[]).includes(x.kind))) {
          cols.push({ header: `${form.title}｜${q.text}｜${s.name}`, cell: (a) => label((get(a) as Record<string, unknown> | undefined)?.[s.id]) });
        }
      } else if (q.type === 'graded' || q.type === 'single') {
        cols.push({ header: `${form.title}｜${q.text}`, cell: (a) => label(get(a)) });
      } else if (q.type === 'multiple') {
        cols.push({ header: `${form.title}｜${q.text}`, cell: (a) => ((get(a) as string[] | undefined) ?? []).map(label).join('；') });
      } else if (q.type === 'nomination') {
        cols.push({
          header: `${form.title}｜${q.text}`,
          cell: (a) => {
            const v = get(a) as { options?: string[]; writeIns?: string[] } | undefined;
            return [...(v?.options ?? []).map(label), ...(v?.writeIns ?? []).map((w) => `另行推荐：${w}`)].join('；');
          },
        });
      } else {
        cols.push({ header: `${form.title}｜${q.text}`, cell: (a) => (typeof get(a) === 'string' ? (get(a) as string) : '') });
      }
    }
  }
  return cols;
}

export function renderBallotsCsv(data: ExportData): Buffer {
  const r = data.results;
  const cols = ballotColumns(data);
  const head: Array<Array<string | number>> = [
    ['测评会议', r.title],
    ['结论', validityLine(r).text],
    ...flagRows(r),
    ['说明', '原始选票（匿名），每次导出顺序随机；不含票号、时间和来源'],
    [],
  ];
  return csvDocument([
    ...head,
    ['类别', '是否有效', '无效原因', ...cols.map((c) => c.header)],
    ...anonymisedBallots(data).map((b) => [b.category ?? '', b.valid ? '有效' : '无效', b.invalidReasons.join('；'), ...cols.map((c) => c.cell(b.answers))]),
  ]);
}
