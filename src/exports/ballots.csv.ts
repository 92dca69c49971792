// ballots.csv: every ballot, anonymised and shuffled, one column per question (and per subject of a graded
// question about subjects), answers as their labels. Written a page of ballots at a time, byte for byte the
// document csvDocument gives for all the rows at once. A compact record naming no breached rule (nearly every
// ballot) is written straight from its bytes: a graded answer or a single choice is one byte, looked up in its
// column's cells prepared once (each already through csvField, so neutralised and quoted); any other record is
// decoded and its row built from the answers.
import { decodeRecord } from '../ballots/index.js';
import { ByteSink } from '../domain/ballot-json.js';
import { corruptRecord, readAnswer, type BallotLayout, type LayoutField } from '../domain/ballot-record.js';
import type { ExportData, ReadOptions } from './export-data.js';
import { optionLabels } from './export-data.js';
import { anonymisedBallots, plainRecordHeader, type AnonymisedBallot } from './ballots.anonymised.js';
import { CSV_BOM, csvField, csvLines } from './csv.js';
import { flagRows, validityLine } from './results.table.js';

type Answers = Record<string, Record<string, unknown>>;

/** One column: the answer it shows (a question's, or one subject's grade in it) and that answer as its text. */
export interface BallotColumn {
  header: string;
  formId: string;
  questionId: string;
  /** The subject of a graded question about subjects (the column shows that subject's grade). */
  subjectId?: string;
  show: (answer: unknown) => string;
}

/** Columns of the ballots CSV: one per question, and per subject for graded questions about subjects. */
export function ballotColumns(data: Pick<ExportData, 'forms' | 'subjects'>): BallotColumn[] {
  const cols: BallotColumn[] = [];
  for (const form of data.forms) {
    for (const q of form.questions) {
      const labels = optionLabels(data, form, q);
      const label = (v: unknown) => (typeof v === 'string' ? (labels.get(v) ?? v) : '');
      const at = { formId: form.id, questionId: q.id };
      const header = `${form.title}｜${q.text}`;
      if (q.type === 'graded' && q.subjects) {
        for (const s of data.subjects.filter((x) => (q.subjects as readonly string[]).includes(x.kind))) {
          cols.push({ ...at, header: `${header}｜${s.name}`, subjectId: s.id, show: label });
        }
      } else if (q.type === 'graded' || q.type === 'single') {
        cols.push({ ...at, header, show: label });
      } else if (q.type === 'multiple') {
        cols.push({ ...at, header, show: (v) => ((v as string[] | undefined) ?? []).map(label).join('；') });
      } else if (q.type === 'nomination') {
        cols.push({
          ...at,
          header,
          show: (a) => {
            const v = a as { options?: string[]; writeIns?: string[] } | undefined;
            return [...(v?.options ?? []).map(label), ...(v?.writeIns ?? []).map((w) => `另行推荐：${w}`)].join('；');
          },
        });
      } else {
        cols.push({ ...at, header, show: (v) => (typeof v === 'string' ? v : '') });
      }
    }
  }
  return cols;
}

/** A column's text in decoded answers. */
function cellOf(col: BallotColumn, answers: Answers): string {
  const answer = answers[col.formId]?.[col.questionId];
  return col.show(col.subjectId === undefined ? answer : (answer as Record<string, unknown> | undefined)?.[col.subjectId]);
}

/** The row of a decoded ballot. */
const rowOf = (cols: readonly BallotColumn[], b: AnonymisedBallot) => [b.category ?? '', b.valid ? '有效' : '无效', b.invalidReasons.join('；'), ...cols.map((c) => cellOf(c, b.answers))];

/** Fragments as plain Uint8Arrays (ByteSink.put copies those fastest). */
const encoder = new TextEncoder();
const utf8 = (s: string) => encoder.encode(s);
/** The size of the parts handed to the response (see ByteSink). */
const CHUNK_BYTES = 1 << 20;
const chunk = (sink: ByteSink) => {
  const bytes = sink.take();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
};
/** A cell as it follows the one before it: its comma, then its CSV field. */
const cellBytes = (text: string) => utf8(`,${csvField(text)}`);

type CellWriter =
  /** The same cell on every ballot (a question the layout does not hold). */
  | { kind: 'same'; bytes: Uint8Array }
  /** One byte of the record: 0 blank, else 1 + the index of the grade or option. */
  | { kind: 'byte'; at: number; cells: Uint8Array[]; what: string }
  /** Read as decodeBallot reads it. */
  | { kind: 'answer'; field: LayoutField; col: BallotColumn };

/** How each column's cell is written from a compact record of `layout`. */
function cellWriters(cols: readonly BallotColumn[], layout: BallotLayout): CellWriter[] {
  const fields = new Map(layout.fields.map((f) => [`${f.formId}\u0000${f.questionId}`, f]));
  return cols.map((col): CellWriter => {
    const field = fields.get(`${col.formId}\u0000${col.questionId}`);
    const table = (values: readonly string[]) => [cellBytes(col.show(undefined)), ...values.map((v) => cellBytes(col.show(v)))];
    if (!field) return { kind: 'same', bytes: cellBytes(col.show(undefined)) };
    if (col.subjectId !== undefined && field.kind === 'grades' && field.subjects !== null) {
      const cell = field.subjects.indexOf(col.subjectId);
      return cell < 0 ? { kind: 'same', bytes: cellBytes(col.show(undefined)) } : { kind: 'byte', at: field.offset + cell, cells: table(field.values), what: '等次' };
    }
    if (col.subjectId === undefined && ((field.kind === 'grades' && field.subjects === null) || field.kind === 'single')) {
      return { kind: 'byte', at: field.offset, cells: table(field.values), what: field.kind === 'single' ? '选项' : '等次' };
    }
    return { kind: 'answer', field, col };
  });
}

export function renderBallotsCsv(data: ExportData, options: ReadOptions = {}): AsyncIterable<Buffer> {
  const r = data.results;
  const cols = ballotColumns(data);
  const raw = anonymisedBallots(data, options);
  const head: Array<Array<string | number>> = [
    ['测评会议', r.title],
    ['结论', validityLine(r).text],
    ...flagRows(r),
    ['说明', '原始选票（匿名），每次导出顺序随机；不含票号、时间和来源'],
    [],
    ['类别', '是否有效', '无效原因', ...cols.map((c) => c.header)],
  ];
  const writers = raw.format.layout ? cellWriters(cols, raw.format.layout) : undefined;
  // A ballot written from its bytes names no breached rule: its reasons cell is empty.
  const categories = new Map<string | null, Uint8Array>();
  const categoryCell = (shown: string | null) => {
    let bytes = categories.get(shown);
    if (!bytes) categories.set(shown, (bytes = utf8(csvField(shown ?? ''))));
    return bytes;
  };
  const [valid, invalid] = [utf8(`,${csvField('有效')},`), utf8(`,${csvField('无效')},`)];
  const lineEnd = utf8('\r\n');

  return (async function* () {
    yield Buffer.concat([CSV_BOM, Buffer.from(csvLines(head), 'utf8')]);
    const sink = new ByteSink(CHUNK_BYTES + (64 << 10));
    for await (const page of raw.pages) {
      for (const record of page) {
        const h = writers && plainRecordHeader(raw.format, record);
        if (!writers || !h) sink.text(csvLines([rowOf(cols, raw.anonymise(decodeRecord(record, raw.format)))]));
        else {
          sink.put(categoryCell(raw.shownCategory(h.category === null ? null : (raw.format.categories[h.category] ?? null))));
          sink.put(h.valid ? valid : invalid);
          for (const w of writers) {
            if (w.kind === 'same') sink.put(w.bytes);
            else if (w.kind === 'byte') {
              const cell = w.cells[record[w.at]!];
              if (!cell) throw corruptRecord(w.what);
              sink.put(cell);
            } else {
              const answer = readAnswer(w.field, record, 0);
              const v = w.col.subjectId === undefined ? answer : (answer as Record<string, unknown> | undefined)?.[w.col.subjectId];
              sink.text(`,${csvField(w.col.show(v))}`);
            }
          }
          sink.put(lineEnd);
        }
        if (sink.size >= CHUNK_BYTES) yield chunk(sink);
      }
    }
    if (sink.size > 0) yield chunk(sink);
  })();
}
