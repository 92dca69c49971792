// A compact record's answers written straight as JSON text: the UTF-8 bytes that JSON.stringify(answers, null, 2)
// gives for decodeBallot's answers, without building those answers as objects. Pure: no I/O here.
//
// Why: ballots.json of 100,000 village ballots is 436 MB of indented JSON. Decoding every ballot into objects and
// stringifying them took longer than the whole export may take; here a graded answer (most of a ballot) is one
// byte looked up in a table of prepared fragments. Other answers (choices, nominations, texts) are read with
// readAnswer, as decodeBallot reads them, and stringified as they are.
import { BallotRecordError, corruptRecord as corrupt, readAnswer, type BallotLayout, type LayoutField } from './ballot-record.js';

const utf8 = new TextEncoder();

/**
 * Bytes written one after another into a buffer; `take` hands them over and starts a new buffer of the same
 * capacity. Take them at about that capacity: buffers of a steady, moderate size are recycled by the allocator,
 * while fresh large ones cost a page fault per 4 KB written (more than the writing itself).
 */
export class ByteSink {
  private bytes: Uint8Array;
  private length = 0;

  constructor(private readonly capacity = 1 << 20) {
    this.bytes = new Uint8Array(capacity);
  }

  private grow(n: number): void {
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /**
   * Appends prepared bytes. Short fragments are copied by hand (cheaper than a call into the runtime); pass plain
   * Uint8Arrays, not Buffers, so that this loop sees one kind of array.
   */
  put(fragment: Uint8Array): void {
    const n = fragment.length;
    const at = this.length;
    if (at + n > this.bytes.length) this.grow(n);
    const out = this.bytes;
    if (n > 24) out.set(fragment, at);
    else for (let i = 0; i < n; i++) out[at + i] = fragment[i]!;
    this.length = at + n;
  }

  /** Appends the UTF-8 of a string. */
  text(s: string): void {
    if (this.length + s.length * 3 > this.bytes.length) this.grow(s.length * 3);
    this.length += utf8.encodeInto(s, this.bytes.subarray(this.length)).written;
  }

  get size(): number {
    return this.length;
  }

  /** The bytes written so far (no copy); the sink starts a new buffer. */
  take(): Uint8Array {
    const out = this.bytes.subarray(0, this.length);
    this.bytes = new Uint8Array(this.capacity);
    this.length = 0;
    return out;
  }
}

/** JSON.stringify(value, null, 2) as it reads nested `depth` levels deep (every line after the first indented). */
export function indentedJson(value: unknown, depth: number): string {
  const text = JSON.stringify(value, null, 2);
  return depth === 0 ? text : text.replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/** A key JSON.stringify would move ahead of the others (an array index, ES2015 property order). */
const isArrayIndex = (key: string) => /^(0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;

const BYTE = 0;
const CELLS = 1;
const VALUE = 2;

/**
 * How one field is written; every op has the same shape, so that the loop below stays monomorphic.
 * - BYTE: one byte, 0 blank, else `values[v]`, the member `"question": "value"` (a graded question without
 *   subjects, or a single choice);
 * - CELLS: one byte per subject; `first[i][v]` opens the object of the subjects rated with subject i's member,
 *   `next[i][v]` adds it after another;
 * - VALUE: read as decodeBallot reads it (readAnswer) and stringified.
 */
interface Op {
  kind: typeof BYTE | typeof CELLS | typeof VALUE;
  at: number;
  key: Uint8Array;
  values: Uint8Array[];
  first: Uint8Array[][];
  next: Uint8Array[][];
  what: string;
  field: LayoutField;
}

export interface AnswersJson {
  /** Writes the answers of the record at `start` (its header already checked, e.g. by readRecordHeader). */
  write(sink: ByteSink, record: Uint8Array, start: number): void;
}

/**
 * The writer of a layout's answers as JSON, `depth` levels deep (the depth of the line the answers object opens
 * on). Undefined when an id of the layout reads as an array index: JSON.stringify would list it first, out of the
 * record's order, and the caller stringifies decoded answers instead.
 */
export function answersJsonWriter(layout: BallotLayout, depth: number): AnswersJson | undefined {
  const ids = [...layout.forms.map((f) => f.id), ...layout.fields.flatMap((f) => [f.questionId, ...(f.kind === 'grades' && f.subjects ? f.subjects : [])])];
  if (ids.some(isArrayIndex)) return undefined;
  const b = (s: string) => utf8.encode(s);
  const nl = (d: number) => `\n${'  '.repeat(d)}`;
  const key = (k: string) => b(`${JSON.stringify(k)}: `);
  // Fragments: "[,]\n<indent>" before each member of a form (depth + 2) and of a subjects object (depth + 3).
  const firstForm = b(`{${nl(depth + 1)}`);
  const nextForm = b(`,${nl(depth + 1)}`);
  const firstAnswer = b(`{${nl(depth + 2)}`);
  const nextAnswer = b(`,${nl(depth + 2)}`);
  const closeCells = b(`${nl(depth + 2)}}`);
  const closeForm = b(`${nl(depth + 1)}}`);
  const closeAnswers = b(`${nl(depth)}}`);
  const empty = b('{}');
  const literals = (values: readonly string[]) => [new Uint8Array(0), ...values.map((v) => b(JSON.stringify(v)))];
  // Per subject and grade byte: the subject's member, after "{" and the indent, or after "," and the indent.
  const members = (subjects: readonly string[], values: readonly string[], before: string) =>
    subjects.map((sid) => [new Uint8Array(0), ...values.map((v) => b(`${before}${JSON.stringify(sid)}: ${JSON.stringify(v)}`))]);
  const forms = layout.forms.map((form) => ({
    key: key(form.id),
    ops: layout.fields
      .filter((f) => f.formId === form.id)
      .map((f): Op => {
        const op: Op = { kind: VALUE, at: f.offset, key: key(f.questionId), values: [], first: [], next: [], what: '', field: f };
        if (f.kind === 'grades' && f.subjects !== null) {
          return { ...op, kind: CELLS, first: members(f.subjects, f.values, `{${nl(depth + 3)}`), next: members(f.subjects, f.values, `,${nl(depth + 3)}`), what: '等次' };
        }
        if (f.kind === 'grades' || f.kind === 'single') return { ...op, kind: BYTE, values: literals(f.values), what: f.kind === 'grades' ? '等次' : '选项' };
        return op;
      }),
  }));
  // A field whose form the layout does not list would make decodeBallot fail: so does this.
  if (forms.reduce((n, f) => n + f.ops.length, 0) !== layout.fields.length) throw corrupt('版式');

  return {
    write(sink, record, start) {
      if (forms.length === 0) return sink.put(empty);
      for (let fi = 0; fi < forms.length; fi++) {
        const form = forms[fi]!;
        sink.put(fi === 0 ? firstForm : nextForm);
        sink.put(form.key);
        let answered = 0;
        for (const op of form.ops) {
          if (op.kind === BYTE) {
            const v = record[start + op.at]!;
            if (v === 0) continue;
            const value = op.values[v];
            if (value === undefined) throw corrupt(op.what);
            sink.put(answered++ === 0 ? firstAnswer : nextAnswer);
            sink.put(op.key);
            sink.put(value);
          } else if (op.kind === CELLS) {
            const cells = op.first.length;
            let rated = 0;
            for (let i = 0; i < cells; i++) {
              const v = record[start + op.at + i]!;
              if (v === 0) continue;
              const member = (rated === 0 ? op.first : op.next)[i]![v];
              if (member === undefined) throw corrupt('等次');
              if (rated++ === 0) {
                sink.put(answered++ === 0 ? firstAnswer : nextAnswer);
                sink.put(op.key);
              }
              sink.put(member);
            }
            if (rated > 0) sink.put(closeCells);
          } else {
            let value: unknown;
            try {
              value = readAnswer(op.field, record, start);
            } catch (e) {
              throw e instanceof BallotRecordError ? e : corrupt('文字编码');
            }
            if (value === undefined) continue;
            sink.put(answered++ === 0 ? firstAnswer : nextAnswer);
            sink.put(op.key);
            sink.text(indentedJson(value, depth + 2));
          }
        }
        sink.put(answered > 0 ? closeForm : empty);
      }
      sink.put(closeAnswers);
    },
  };
}
