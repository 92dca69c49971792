// The ballot record: one accepted ballot as a fixed number of bytes, laid out against the meeting's forms and
// subjects as they stood when the poll opened. Pure: no I/O here.
//
// Why fixed-size: a record that is always the same length can be written into a slot allocated before the poll
// opens, so neither the size nor the position of what is stored follows the order of arrival; free text and
// written-in names are padded to their maximum, so a long comment does not show either. Why bytes: the tally
// counts one byte per graded answer instead of parsing JSON (see countRecords).
//
// Contract for the storage (src/ballots/**):
// - When the poll opens, build `ballotLayout(forms, subjects)` and store `JSON.stringify(layout)` with the meeting
//   (proposed column `meetings.ballot_layout`, text, null until the first open). Never rebuild it from the form
//   catalog afterwards: read it back with `parseBallotLayout(text)`, which checks it against its own hash. Every
//   slot of the meeting is `layout.recordSize` bytes.
// - Casting: `decideBallot(...)`, then `encodeBallot(layout, decision.answers, {valid, source, category, breaches})`
//   where `category` is the position of the slip's category in the meeting's categories (null without one). It
//   throws `BallotRecordError` (a Chinese message fit for the voter) for anything it cannot record.
// - An all-zero slot is empty: byte 0 of a record is RECORD_FORMAT (never 0). `countRecords` and
//   `decodeRecords` skip empty slots, so a whole slot file can be passed as it is.
// - Tally: `tallyMeeting({ forms: layout.forms, subjects, categories, counters: countersFromRecords(layout,
//   countRecords(layout, records), categories) })` (src/domain/tally.ts). The tally reads only the first
//   `layout.headSize` bytes of a record (everything but the bodies of free-text answers, which come last);
//   storage that keeps heads apart may pass `{ stride: 'head' }` with buffers of heads.
// - Raw exports: `decodeRecords(layout, buffer, { shuffle })` yields one decoded ballot at a time, with its
//   category as a position (map it to the meeting's category) and its breaches with their messages.
// - Migrating stored JSON ballots: the same `encodeBallot` call with the stored answers, validity, source,
//   category position and breaches. A stored breach naming a rule the forms no longer have throws: drop it
//   deliberately (the ballot stays invalid and is counted under 未注明原因) rather than lose the ballot.
//
// A record, in order: byte 0 RECORD_FORMAT; byte 1 flags (1 = valid, 2 = paper); byte 2 the category (0 = none,
// else position + 1); the breached rules as a bitset over `layout.rules`; then one field per question asked, in
// form and question order (see LayoutField); then the bodies of the text answers.
import { MAX_WRITE_IN, ruleBreaches, type BallotAnswers, type BallotSource, type RuleBreach } from './ballot.js';
import { gradeChoices, nominationOptions, questionsForMeeting, subjectsFor, type FormTemplate, type SubjectKind, type SubjectRef } from './forms.js';

/** Byte 0 of every stored record (0 marks an empty slot). Changes when the encoding changes. */
export const RECORD_FORMAT = 1;
const FLAG_VALID = 1;
const FLAG_PAPER = 2;
const HEADER_BYTES = 3;
/** A category is stored as its position + 1 in one byte. */
export const MAX_CATEGORIES = 254;
/** UTF-8 takes at most 4 bytes per character: a text or name at its maximum length in characters always fits. */
const BYTES_PER_CHAR = 4;
/** One written-in name: a length byte and the name's UTF-8, padded. */
export const WRITE_IN_SLOT_BYTES = 1 + BYTES_PER_CHAR * MAX_WRITE_IN;

interface FieldBase {
  formId: string;
  questionId: string;
  /** Where the field starts in the record. */
  offset: number;
  /** Bytes the field takes in the head of the record. */
  size: number;
}

/**
 * One question's place in the record.
 * - `grades`: one byte per subject (or one byte for a question without subjects): 0 blank, else 1 + the index
 *   of the grade in `values` (the scale's grades, then `unknown` where 不了解 is offered).
 * - `single`: one byte, 0 blank, else 1 + the option's index in `values`.
 * - `multiple`: a bitset over `values` (bit i of byte i >> 3 = values[i] chosen); no bit set = blank.
 * - `nomination`: a bitset over `values` (the listed people), then `writeInSlots` slots of WRITE_IN_SLOT_BYTES.
 * - `text`: the UTF-8 length in two bytes (little-endian; 0 = blank) here, and the UTF-8 itself at `bodyOffset`,
 *   padded to `bodySize` (4 bytes per character of the question's maxLength).
 */
export type LayoutField =
  | (FieldBase & { kind: 'grades'; subjects: string[] | null; values: string[] })
  | (FieldBase & { kind: 'single' | 'multiple'; values: string[] })
  | (FieldBase & { kind: 'nomination'; values: string[]; writeInSlots: number })
  | (FieldBase & { kind: 'text'; maxLength: number; bodyOffset: number; bodySize: number });

/** The record format of one meeting, frozen when its poll opens. Plain JSON: store it as it is. */
export interface BallotLayout {
  format: typeof RECORD_FORMAT;
  /** FNV-1a (64 bit, hex) of the format, the sizes, the rules and the fields: equal hashes read the same bytes. */
  hash: string;
  recordSize: number;
  /** Bytes at the start of a record that the tally reads: everything but the bodies of the text answers. */
  headSize: number;
  /** The meeting's forms as they stood at the open (the breaches of a decoded ballot are re-derived from them). */
  forms: FormTemplate[];
  /** The meeting's subjects in meeting order (ids and kinds only: names may be corrected later). */
  subjects: Array<{ id: string; kind: SubjectKind }>;
  /** Bit i of the breach bitset (from byte 3) stands for rules[i]. */
  rules: Array<{ formId: string; ruleId: string }>;
  fields: LayoutField[];
}

/** Something that cannot be recorded or read back; the message is for users (Simplified Chinese). */
export class BallotRecordError extends Error {
  readonly code = 'BALLOT_RECORD_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'BallotRecordError';
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** FNV-1a, 64 bit, over the UTF-8 of `text`. Enough to tell layouts apart; not a security device. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of utf8.encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

function layoutHash(l: Pick<BallotLayout, 'format' | 'recordSize' | 'headSize' | 'rules' | 'fields'>): string {
  return fnv1a64(JSON.stringify({ format: l.format, recordSize: l.recordSize, headSize: l.headSize, rules: l.rules, fields: l.fields }));
}

const refs = (subjects: ReadonlyArray<Pick<SubjectRef, 'id' | 'kind'>>): SubjectRef[] => subjects.map((s) => ({ id: s.id, kind: s.kind, name: '' }));

/** The record layout of a meeting: deterministic in its forms (in meeting order) and subjects (in meeting order). */
export function ballotLayout(forms: readonly FormTemplate[], subjects: ReadonlyArray<Pick<SubjectRef, 'id' | 'kind'>>): BallotLayout {
  const subjectRefs = refs(subjects);
  const rules = forms.flatMap((f) => (f.rules ?? []).map((r) => ({ formId: f.id, ruleId: r.id })));
  let offset = HEADER_BYTES + Math.ceil(rules.length / 8);
  const fields: LayoutField[] = [];
  const texts: Array<Extract<LayoutField, { kind: 'text' }>> = [];
  for (const form of forms) {
    for (const q of questionsForMeeting(form, subjectRefs)) {
      const at = { formId: form.id, questionId: q.id, offset };
      switch (q.type) {
        case 'graded': {
          const rated = q.subjects ? subjectsFor(q, subjectRefs).map((s) => s.id) : null;
          const size = rated?.length ?? 1;
          fields.push({ ...at, size, kind: 'grades', subjects: rated, values: gradeChoices(form, q).map((g) => g.value) });
          offset += size;
          break;
        }
        case 'single':
          fields.push({ ...at, size: 1, kind: 'single', values: q.options.map((o) => o.value) });
          offset += 1;
          break;
        case 'multiple': {
          const size = Math.ceil(q.options.length / 8);
          fields.push({ ...at, size, kind: 'multiple', values: q.options.map((o) => o.value) });
          offset += size;
          break;
        }
        case 'nomination': {
          const values = nominationOptions(q, subjectRefs).map((o) => o.value);
          const writeInSlots = q.allowWriteIn ? q.maxNominations : 0;
          const size = Math.ceil(values.length / 8) + writeInSlots * WRITE_IN_SLOT_BYTES;
          fields.push({ ...at, size, kind: 'nomination', values, writeInSlots });
          offset += size;
          break;
        }
        case 'text': {
          const field = { ...at, size: 2, kind: 'text' as const, maxLength: q.maxLength, bodyOffset: 0, bodySize: BYTES_PER_CHAR * q.maxLength };
          fields.push(field);
          texts.push(field);
          offset += 2;
          break;
        }
      }
    }
  }
  const headSize = offset;
  for (const t of texts) {
    t.bodyOffset = offset;
    offset += t.bodySize;
  }
  const plan = { format: RECORD_FORMAT, recordSize: offset, headSize, rules, fields } as const;
  return {
    format: RECORD_FORMAT,
    hash: layoutHash(plan),
    recordSize: offset,
    headSize,
    forms: forms.map((f) => structuredClone(f)),
    subjects: subjects.map((s) => ({ id: s.id, kind: s.kind })),
    rules,
    fields,
  };
}

/**
 * Reads a stored layout (the JSON text or its parsed value) and checks it: the layout rebuilt from its own
 * forms and subjects must have the stored hash, so a layout written by another version of this encoding, or
 * edited by hand, is refused instead of misread.
 */
export function parseBallotLayout(stored: string | unknown): BallotLayout {
  const bad = () => new BallotRecordError('本次测评的选票版式已损坏或来自不兼容的版本，无法读取选票');
  let raw: unknown;
  try {
    raw = typeof stored === 'string' ? JSON.parse(stored) : stored;
  } catch {
    throw bad();
  }
  const l = raw as Partial<BallotLayout> | null;
  if (!l || typeof l !== 'object' || l.format !== RECORD_FORMAT || !Array.isArray(l.forms) || !Array.isArray(l.subjects) || typeof l.hash !== 'string') throw bad();
  let rebuilt: BallotLayout;
  try {
    rebuilt = ballotLayout(l.forms, l.subjects);
  } catch {
    throw bad();
  }
  if (rebuilt.hash !== l.hash || rebuilt.recordSize !== l.recordSize || rebuilt.headSize !== l.headSize) throw bad();
  return rebuilt;
}

// ---------------------------------------------------------------------------------------------------------
// The compiled form of a layout: lookups for encoding, flat arrays for counting. Built once per layout object.

interface Compiled {
  forms: Map<string, { form: FormTemplate; fields: Map<string, { field: LayoutField; index: number }>; questionText: Map<string, string> }>;
  valueIndex: Array<Map<string, number> | null>;
  subjectIndex: Array<Map<string, number> | null>;
  ruleBit: Map<string, number>;
  breachBytes: number;
  subjectRefs: SubjectRef[];
  // Counting: graded fields flattened (offset, subjects, values + 1, counter base), choice fields by kind.
  gOffset: Int32Array;
  gCells: Int32Array;
  gStride: Int32Array;
  gBase: Int32Array;
  gField: Int32Array;
  gradeCells: number;
  optionBase: Int32Array;
  optionSlots: number;
  gradeBase: Int32Array;
}

const compiledCache = new WeakMap<BallotLayout, Compiled>();

function compile(layout: BallotLayout): Compiled {
  const cached = compiledCache.get(layout);
  if (cached) return cached;
  const forms: Compiled['forms'] = new Map();
  for (const form of layout.forms) {
    forms.set(form.id, { form, fields: new Map(), questionText: new Map(form.questions.map((q) => [q.id, q.text])) });
  }
  const valueIndex: Compiled['valueIndex'] = [];
  const subjectIndex: Compiled['subjectIndex'] = [];
  const graded: number[][] = [];
  const optionBase = new Int32Array(layout.fields.length).fill(-1);
  const gradeBase = new Int32Array(layout.fields.length).fill(-1);
  let gradeCells = 0;
  let optionSlots = 0;
  layout.fields.forEach((field, index) => {
    forms.get(field.formId)?.fields.set(field.questionId, { field, index });
    valueIndex.push('values' in field ? new Map(field.values.map((v, i) => [v, i])) : null);
    subjectIndex.push(field.kind === 'grades' && field.subjects ? new Map(field.subjects.map((s, i) => [s, i])) : null);
    if (field.kind === 'grades') {
      const cells = field.subjects?.length ?? 1;
      const stride = field.values.length + 1;
      graded.push([field.offset, cells, stride, gradeCells, index]);
      gradeBase[index] = gradeCells;
      gradeCells += cells * stride;
    } else if ('values' in field) {
      optionBase[index] = optionSlots;
      optionSlots += field.values.length;
    }
  });
  const col = (i: number) => Int32Array.from(graded, (g) => g[i]!);
  const c: Compiled = {
    forms,
    valueIndex,
    subjectIndex,
    ruleBit: new Map(layout.rules.map((r, i) => [`${r.formId}\u0000${r.ruleId}`, i])),
    breachBytes: Math.ceil(layout.rules.length / 8),
    subjectRefs: refs(layout.subjects),
    gOffset: col(0),
    gCells: col(1),
    gStride: col(2),
    gBase: col(3),
    gField: col(4),
    gradeCells,
    optionBase,
    optionSlots,
    gradeBase,
  };
  compiledCache.set(layout, c);
  return c;
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

export interface RecordMeta {
  valid: boolean;
  source: BallotSource;
  /** The position of the ballot's category among the meeting's categories; null without one. */
  category: number | null;
  /** The rules the ballot breaks, as decideBallot reports them (only formId and ruleId are stored). */
  breaches?: ReadonlyArray<Pick<RuleBreach, 'formId' | 'ruleId'>>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setBits(record: Uint8Array, offset: number, values: unknown, index: Map<string, number>, what: string): number {
  if (!Array.isArray(values)) throw new BallotRecordError(`${what}的选项无法记录`);
  for (const v of values) {
    const i = typeof v === 'string' ? index.get(v) : undefined;
    if (i === undefined) throw new BallotRecordError(`${what}中有不在选项内的值`);
    const mask = 1 << (i & 7);
    if (record[offset + (i >> 3)]! & mask) throw new BallotRecordError(`${what}中有重复的选项`);
    record[offset + (i >> 3)]! |= mask;
  }
  return values.length;
}

/**
 * The record of one accepted ballot: exactly `layout.recordSize` bytes. `answers` is decideBallot's normalised
 * answers ({formId: {questionId: answer}}); everything it accepts fits. Throws BallotRecordError for anything
 * the layout cannot hold. Choices are kept as sets (the order of ticks is not stored: it says nothing the tally
 * needs and could only mark a ballot); a lone UTF-16 surrogate, which no keyboard types, becomes U+FFFD.
 */
export function encodeBallot(layout: BallotLayout, answers: BallotAnswers, meta: RecordMeta): Uint8Array {
  const c = compile(layout);
  const record = new Uint8Array(layout.recordSize);
  record[0] = RECORD_FORMAT;
  record[1] = (meta.valid ? FLAG_VALID : 0) | (meta.source === 'paper' ? FLAG_PAPER : 0);
  if (meta.source !== 'phone' && meta.source !== 'paper') throw new BallotRecordError('选票来源无效');
  if (meta.category !== null && (!Number.isInteger(meta.category) || meta.category < 0 || meta.category >= MAX_CATEGORIES)) {
    throw new BallotRecordError('选票的测评类别无效');
  }
  record[2] = meta.category === null ? 0 : meta.category + 1;
  for (const b of meta.breaches ?? []) {
    const bit = c.ruleBit.get(`${b.formId}\u0000${b.ruleId}`);
    if (bit === undefined) throw new BallotRecordError('选票的无效原因不在本次测评的规则内');
    record[HEADER_BYTES + (bit >> 3)]! |= 1 << (bit & 7);
  }
  if (!isPlainObject(answers)) throw new BallotRecordError('选票格式无效');
  for (const [formId, formAnswers] of Object.entries(answers)) {
    const f = c.forms.get(formId);
    if (!f) throw new BallotRecordError('选票中有本次测评未使用的表');
    if (!isPlainObject(formAnswers)) throw new BallotRecordError(`“${f.form.title}”的答案格式无效`);
    for (const [questionId, answer] of Object.entries(formAnswers)) {
      const slot = f.fields.get(questionId);
      if (!slot) throw new BallotRecordError(`“${f.form.title}”中有未知的题目`);
      if (answer === undefined) continue;
      writeField(c, record, slot.field, slot.index, answer, `“${f.questionText.get(questionId) ?? questionId}”`);
    }
  }
  return record;
}

function writeField(c: Compiled, record: Uint8Array, field: LayoutField, index: number, answer: unknown, what: string): void {
  const values = c.valueIndex[index]!;
  switch (field.kind) {
    case 'grades': {
      if (field.subjects === null) {
        const g = typeof answer === 'string' ? values.get(answer) : undefined;
        if (g === undefined) throw new BallotRecordError(`${what}的选项无效`);
        record[field.offset] = g + 1;
        return;
      }
      if (!isPlainObject(answer)) throw new BallotRecordError(`${what}应为对每个测评对象的评价`);
      const subjects = c.subjectIndex[index]!;
      const entries = Object.entries(answer);
      if (entries.length === 0) throw new BallotRecordError(`${what}的评价为空`);
      for (const [sid, grade] of entries) {
        const s = subjects.get(sid);
        if (s === undefined) throw new BallotRecordError(`${what}中有未知的测评对象`);
        const g = typeof grade === 'string' ? values.get(grade) : undefined;
        if (g === undefined) throw new BallotRecordError(`${what}中有不在评价等次内的选项`);
        record[field.offset + s] = g + 1;
      }
      return;
    }
    case 'single': {
      const o = typeof answer === 'string' ? values.get(answer) : undefined;
      if (o === undefined) throw new BallotRecordError(`${what}的选项无效`);
      record[field.offset] = o + 1;
      return;
    }
    case 'multiple':
      if (setBits(record, field.offset, answer, values, what) === 0) throw new BallotRecordError(`${what}未选择任何选项`);
      return;
    case 'nomination': {
      if (!isPlainObject(answer)) throw new BallotRecordError(`${what}的推荐格式无效`);
      const chosen = setBits(record, field.offset, answer.options ?? [], values, what);
      const names = answer.writeIns ?? [];
      if (!Array.isArray(names)) throw new BallotRecordError(`${what}的另行推荐人选无效`);
      if (chosen + names.length === 0) throw new BallotRecordError(`${what}未推荐任何人选`);
      if (names.length > field.writeInSlots) {
        throw new BallotRecordError(field.writeInSlots === 0 ? `${what}不允许另行推荐` : `${what}最多另行推荐 ${field.writeInSlots} 人`);
      }
      let at = field.offset + Math.ceil(field.values.length / 8);
      for (const name of names) {
        if (typeof name !== 'string' || name === '') throw new BallotRecordError(`${what}的另行推荐人选无效`);
        const bytes = utf8.encode(name);
        if ([...name].length > MAX_WRITE_IN || bytes.length > WRITE_IN_SLOT_BYTES - 1) {
          throw new BallotRecordError(`${what}的另行推荐人选无效（每人不超过 ${MAX_WRITE_IN} 字）`);
        }
        record[at] = bytes.length;
        record.set(bytes, at + 1);
        at += WRITE_IN_SLOT_BYTES;
      }
      return;
    }
    case 'text': {
      if (typeof answer !== 'string' || answer === '') throw new BallotRecordError(`${what}应为文字`);
      const bytes = utf8.encode(answer);
      if ([...answer].length > field.maxLength || bytes.length > field.bodySize) throw new BallotRecordError(`${what}最多 ${field.maxLength} 字`);
      record[field.offset] = bytes.length & 0xff;
      record[field.offset + 1] = bytes.length >> 8;
      record.set(bytes, field.bodyOffset);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

export interface DecodedBallot {
  /** As decideBallot returns them: every form present; choices in the order of the form's options. */
  answers: BallotAnswers;
  valid: boolean;
  source: BallotSource;
  /** The position of the category among the meeting's categories; null without one. */
  category: number | null;
  /** As decideBallot reports them: re-derived from the answers and the frozen forms. */
  breaches: Array<Omit<RuleBreach, 'policy'>>;
}

const corrupt = (what: string) => new BallotRecordError(`选票记录已损坏（${what}），无法读取`);
/** The error for bytes no encoding writes, for readers of records outside this file. */
export const corruptRecord = corrupt;

/** True when the slot holds no ballot (its first byte is 0). */
export function isEmptySlot(record: Uint8Array, start = 0): boolean {
  return record[start] === 0;
}

function bitsToValues(record: Uint8Array, offset: number, values: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) if (record[offset + (i >> 3)]! & (1 << (i & 7))) out.push(values[i]!);
  const spare = record[offset + (values.length >> 3)];
  if (values.length & 7 && spare !== undefined && spare >> (values.length & 7) !== 0) throw corrupt('选项');
  return out;
}

function readWriteIns(record: Uint8Array, field: Extract<LayoutField, { kind: 'nomination' }>, start: number): string[] {
  const names: string[] = [];
  let at = start + field.offset + Math.ceil(field.values.length / 8);
  for (let i = 0; i < field.writeInSlots; i++, at += WRITE_IN_SLOT_BYTES) {
    const n = record[at]!;
    if (n === 0) break;
    if (n > WRITE_IN_SLOT_BYTES - 1) throw corrupt('另行推荐');
    try {
      names.push(utf8Strict.decode(record.subarray(at + 1, at + 1 + n)));
    } catch {
      throw corrupt('另行推荐');
    }
  }
  return names;
}

/** A text field's answer (undefined when blank): its length in the head, its UTF-8 among the bodies. */
function readText(record: Uint8Array, field: Extract<LayoutField, { kind: 'text' }>, start: number): string | undefined {
  const at = start + field.offset;
  const n = record[at]! | (record[at + 1]! << 8);
  if (n === 0) return undefined;
  if (n > field.bodySize) throw corrupt('文字');
  // A head read alone (no bodies) serves only a ballot whose texts are blank.
  if (start + field.bodyOffset + n > record.length) throw corrupt('长度不符');
  try {
    return utf8Strict.decode(record.subarray(start + field.bodyOffset, start + field.bodyOffset + n));
  } catch {
    throw corrupt('文字编码');
  }
}

/**
 * The text answers of one record alone, as `decodeBallot` gives them (form → question → text; blank ones absent,
 * every form present), without decoding its other answers or its breaches: the results report quotes only these.
 * The record's head alone (`layout.headSize` bytes) serves when its texts are blank (see wholeRecordMarks).
 */
export function decodeTextAnswers(layout: BallotLayout, record: Uint8Array): BallotAnswers {
  if (record.length !== layout.recordSize && record.length !== layout.headSize) throw corrupt('长度不符');
  if (record[0] === 0) throw new BallotRecordError('该位置没有选票');
  if (record[0] !== RECORD_FORMAT) throw corrupt('格式');
  const answers: BallotAnswers = {};
  for (const form of layout.forms) answers[form.id] = {};
  for (const field of layout.fields) {
    if (field.kind !== 'text') continue;
    const text = readText(record, field, 0);
    if (text !== undefined) answers[field.formId]![field.questionId] = text;
  }
  return answers;
}

/**
 * The byte ranges ([offset, length]) of a record's head that, when not all zero, mean that a reader needs the whole
 * record rather than its head: the lengths of the text answers (their bodies lie beyond the head) and the breached
 * rules (decodeBallot derives their messages from the decoded answers). A ballot with neither is read in full
 * from its head.
 */
export function wholeRecordMarks(layout: BallotLayout): Array<[number, number]> {
  const marks: Array<[number, number]> = layout.fields.filter((f) => f.kind === 'text').map((f) => [f.offset, 2]);
  const breachBytes = Math.ceil(layout.rules.length / 8);
  if (breachBytes > 0) marks.push([HEADER_BYTES, breachBytes]);
  return marks;
}

/** Reads one record (exactly `layout.recordSize` bytes) back. Throws BallotRecordError for an empty slot or corrupt bytes. */
export function decodeBallot(layout: BallotLayout, record: Uint8Array): DecodedBallot {
  if (record.length !== layout.recordSize) throw corrupt('长度不符');
  return decodeAt(layout, record, 0);
}

/**
 * One question's answer as decodeBallot gives it (undefined when blank), read from the record at `start`. Throws
 * BallotRecordError for bytes no encoding writes.
 */
export function readAnswer(field: LayoutField, record: Uint8Array, start: number): unknown {
  const at = start + field.offset;
  switch (field.kind) {
    case 'grades': {
      if (field.subjects === null) {
        const v = record[at]!;
        if (v === 0) return undefined;
        const grade = field.values[v - 1];
        if (grade === undefined) throw corrupt('等次');
        return grade;
      }
      let grades: Record<string, string> | undefined;
      for (let i = 0; i < field.subjects.length; i++) {
        const v = record[at + i]!;
        if (v === 0) continue;
        const grade = field.values[v - 1];
        if (grade === undefined) throw corrupt('等次');
        (grades ??= {})[field.subjects[i]!] = grade;
      }
      return grades;
    }
    case 'single': {
      const v = record[at]!;
      if (v === 0) return undefined;
      const value = field.values[v - 1];
      if (value === undefined) throw corrupt('选项');
      return value;
    }
    case 'multiple': {
      const values = bitsToValues(record, at, field.values);
      return values.length > 0 ? values : undefined;
    }
    case 'nomination': {
      const options = bitsToValues(record, at, field.values);
      const writeIns = readWriteIns(record, field, start);
      return options.length + writeIns.length > 0 ? { options, writeIns } : undefined;
    }
    case 'text':
      return readText(record, field, start);
  }
}

/** What the first bytes of a record say, checked as decodeBallot checks them. */
export interface RecordHeader {
  valid: boolean;
  source: BallotSource;
  /** The position of the category among the meeting's categories; null without one. */
  category: number | null;
  /** True when the record names a breached rule (its messages need the decoded answers: decodeBallot). */
  breached: boolean;
}

/** Reads and checks a record's header at `start`: its format, flags, category and breached rules. */
export function readRecordHeader(layout: BallotLayout, record: Uint8Array, start: number): RecordHeader {
  const c = compile(layout);
  if (record[start] === 0) throw new BallotRecordError('该位置没有选票');
  if (record[start] !== RECORD_FORMAT) throw corrupt('格式');
  const flags = record[start + 1]!;
  if (flags & ~(FLAG_VALID | FLAG_PAPER)) throw corrupt('标志');
  const cat = record[start + 2]!;
  if (cat > MAX_CATEGORIES) throw corrupt('类别');
  let breached = false;
  for (let i = 0; i < c.breachBytes; i++) if (record[start + HEADER_BYTES + i] !== 0) breached = true;
  if (c.breachBytes > 0 && layout.rules.length & 7) {
    const last = record[start + HEADER_BYTES + c.breachBytes - 1]!;
    if (last >> (layout.rules.length & 7) !== 0) throw corrupt('无效原因');
  }
  return { valid: (flags & FLAG_VALID) !== 0, source: flags & FLAG_PAPER ? 'paper' : 'phone', category: cat === 0 ? null : cat - 1, breached };
}

function decodeAt(layout: BallotLayout, record: Uint8Array, start: number): DecodedBallot {
  const c = compile(layout);
  const header = readRecordHeader(layout, record, start);
  const answers: BallotAnswers = {};
  for (const form of layout.forms) answers[form.id] = {};
  try {
    for (const field of layout.fields) {
      const value = readAnswer(field, record, start);
      if (value !== undefined) answers[field.formId]![field.questionId] = value;
    }
  } catch (e) {
    if (e instanceof BallotRecordError) throw e;
    throw corrupt('文字编码');
  }
  const breaches: DecodedBallot['breaches'] = [];
  layout.rules.forEach((rule, bit) => {
    if (!(record[start + HEADER_BYTES + (bit >> 3)]! & (1 << (bit & 7)))) return;
    const form = c.forms.get(rule.formId)!.form;
    // The message carries the counts of this ballot (“本票 N 人”), so it is derived again from the answers; a
    // breach the answers no longer show (a ballot recorded before a rule changed) keeps the rule's own message.
    const derived = ruleBreaches(form, answers[form.id]!, c.subjectRefs).find((b) => b.ruleId === rule.ruleId);
    const message = derived?.message ?? form.rules?.find((r) => r.id === rule.ruleId)?.message ?? '未注明原因';
    breaches.push({ ruleId: rule.ruleId, formId: rule.formId, message });
  });
  return { answers, valid: header.valid, source: header.source, category: header.category, breaches };
}

type Records = Uint8Array | Iterable<Uint8Array>;

/** Each chunk (a Uint8Array, or each of an iterable's) holds whole records, one after the other. */
function* chunks(records: Records): Generator<Uint8Array> {
  if (records instanceof Uint8Array) yield records;
  else yield* records;
}

/**
 * Decodes the ballots of a buffer of records one at a time, skipping empty slots, so that a raw export can be
 * written as it reads. With `shuffle` (a uniform random integer below its argument; inject a cryptographic
 * one) a single buffer is visited in a fresh random order, so that an export's order says nothing.
 */
export function* decodeRecords(
  layout: BallotLayout,
  records: Records,
  options: { shuffle?: (maxExclusive: number) => number } = {},
): Generator<DecodedBallot> {
  const size = layout.recordSize;
  if (options.shuffle) {
    if (!(records instanceof Uint8Array)) throw new BallotRecordError('随机顺序读取选票需要一次给出全部选票');
    if (records.length % size !== 0) throw corrupt('长度不符');
    const n = records.length / size;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = options.shuffle(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (const i of order) if (records[i * size] !== 0) yield decodeAt(layout, records, i * size);
    return;
  }
  for (const chunk of chunks(records)) {
    if (chunk.length % size !== 0) throw corrupt('长度不符');
    for (let at = 0; at < chunk.length; at += size) if (chunk[at] !== 0) yield decodeAt(layout, chunk, at);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Counting

/**
 * What the tally needs from the records, in typed arrays. Category dimension: the category byte (0 = none,
 * else position + 1).
 */
export interface RecordCounts {
  hash: string;
  cast: number;
  valid: number;
  /** Valid ballots per category byte (length 256). */
  validByCategory: Uint32Array;
  /** Invalid ballots per rule of `layout.rules` (a ballot breaking two rules counts under each). */
  invalidByRule: Uint32Array;
  /** Invalid ballots that name no rule. */
  invalidWithoutReason: number;
  /** Valid ballots that answered each field of `layout.fields`. */
  answered: Uint32Array;
  /**
   * Per category byte (absent when no valid ballot has it): for a graded field, the count of grade value v
   * (1-based, as stored) of cell i (its i-th subject, or 0) at `gradeBase[field] + i × (values + 1) + v`.
   */
  grades: Array<Uint32Array | undefined>;
  gradeBase: Int32Array;
  /** Single, multiple, nomination: valid ballots choosing values[j] at `optionBase[field] + j`. */
  options: Uint32Array;
  optionBase: Int32Array;
  /** Nominations: written-in name → ballots (valid ones). */
  writeIns: Array<Map<string, number> | undefined>;
}

/**
 * Counts the records (a buffer of n × recordSize bytes, or an iterable of such buffers; empty slots are
 * skipped) for the tally. With `stride: 'head'` the buffers hold only the first `layout.headSize` bytes of
 * each record. One pass, typed-array counters: no object per ballot.
 */
export function countRecords(layout: BallotLayout, records: Records, options: { stride?: 'record' | 'head' } = {}): RecordCounts {
  const c = compile(layout);
  const size = options.stride === 'head' ? layout.headSize : layout.recordSize;
  const counts: RecordCounts = {
    hash: layout.hash,
    cast: 0,
    valid: 0,
    validByCategory: new Uint32Array(256),
    invalidByRule: new Uint32Array(layout.rules.length),
    invalidWithoutReason: 0,
    answered: new Uint32Array(layout.fields.length),
    grades: [],
    gradeBase: c.gradeBase,
    options: new Uint32Array(c.optionSlots),
    optionBase: c.optionBase,
    writeIns: [],
  };
  const { gOffset, gCells, gStride, gBase, gField } = c;
  const nGraded = gOffset.length;
  const others = layout.fields.map((f, i) => ({ f, i })).filter(({ f }) => f.kind !== 'grades');
  const ruleCount = layout.rules.length;
  const answered = counts.answered;
  const optionCounts = counts.options;
  for (const chunk of chunks(records)) {
    if (chunk.length % size !== 0) throw corrupt('长度不符');
    for (let start = 0; start < chunk.length; start += size) {
      const marker = chunk[start]!;
      if (marker === 0) continue;
      if (marker !== RECORD_FORMAT) throw corrupt('格式');
      counts.cast++;
      const flags = chunk[start + 1]!;
      if (!(flags & FLAG_VALID)) {
        let any = false;
        for (let r = 0; r < ruleCount; r++) {
          if (chunk[start + HEADER_BYTES + (r >> 3)]! & (1 << (r & 7))) {
            counts.invalidByRule[r]!++;
            any = true;
          }
        }
        if (!any) counts.invalidWithoutReason++;
        continue;
      }
      counts.valid++;
      const cat = chunk[start + 2]!;
      counts.validByCategory[cat]!++;
      const grades = (counts.grades[cat] ??= new Uint32Array(c.gradeCells));
      for (let g = 0; g < nGraded; g++) {
        const at = start + gOffset[g]!;
        const cells = gCells[g]!;
        const stride = gStride[g]!;
        let base = gBase[g]!;
        let any = 0;
        for (let i = 0; i < cells; i++, base += stride) {
          const v = chunk[at + i]!;
          if (v === 0) continue;
          if (v >= stride) throw corrupt('等次');
          grades[base + v]!++;
          any = 1;
        }
        if (any) answered[gField[g]!]!++;
      }
      for (const { f, i } of others) {
        const at = start + f.offset;
        switch (f.kind) {
          case 'single': {
            const v = chunk[at]!;
            if (v === 0) break;
            if (v > f.values.length) throw corrupt('选项');
            optionCounts[counts.optionBase[i]! + v - 1]!++;
            answered[i]!++;
            break;
          }
          case 'multiple':
          case 'nomination': {
            const base = counts.optionBase[i]!;
            let n = 0;
            for (let j = 0; j < f.values.length; j++) {
              if (chunk[at + (j >> 3)]! & (1 << (j & 7))) {
                optionCounts[base + j]!++;
                n++;
              }
            }
            if (f.kind === 'nomination' && f.writeInSlots > 0 && chunk[at + Math.ceil(f.values.length / 8)] !== 0) {
              const names = readWriteIns(chunk, f, start);
              const m = (counts.writeIns[i] ??= new Map());
              for (const name of names) m.set(name, (m.get(name) ?? 0) + 1);
              n += names.length;
            }
            if (n > 0) answered[i]!++;
            break;
          }
          case 'text':
            if (chunk[at] !== 0 || chunk[at + 1] !== 0) answered[i]!++;
            break;
        }
      }
    }
  }
  return counts;
}
