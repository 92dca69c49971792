// Export renderers: the tally as CSV, XLSX and a PDF report, and the raw anonymised ballots (JSON, CSV) so that
// anyone can recount. Every export carries the turnout flags and, below the minimum, the 无效 stamp (issue 4).
import { randomInt } from 'node:crypto';
import type { Db } from '../db/client.js';
import { gradeChoices, nominationOptions, type FormTemplate, type Question, type SubjectRef } from '../domain/forms.js';
import type { SubjectResult } from '../domain/tally.js';
import type { FormCatalog } from '../forms/index.js';
import { meetingBallots } from '../ballots/index.js';
import { loadMeeting, meetingForms, type MeetingRecord } from '../meetings/index.js';
import { assertResultsReadable, tallyResults, type MeetingResults } from '../results/index.js';
import { bufferedCjkPdf } from '../shared/pdf.js';
import { neutraliseCell } from '../shared/cells.js';
import { newWorkbook } from '../shared/excel.js';

export type ExportFormat = 'results.csv' | 'results.xlsx' | 'results.pdf' | 'ballots.json' | 'ballots.csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['results.csv', 'results.xlsx', 'results.pdf', 'ballots.json', 'ballots.csv'];

export interface ExportDeps {
  db: Db;
  forms: FormCatalog;
}

export interface RenderedExport {
  body: Buffer;
  contentType: string;
  filename: string;
}

// ---------------------------------------------------------------------------------------------------------
// Cells


/** One CSV field, RFC 4180: quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | null | undefined): string {
  const s = neutraliseCell(value === null || value === undefined ? '' : String(value));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document: UTF-8 with a byte-order mark (so Excel reads the Chinese), CRLF line ends (RFC 4180). */
export function csvDocument(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): Buffer {
  const text = rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}

const fixed2 = (n: number | null | undefined) => (n === null || n === undefined ? '' : n.toFixed(2));
const percent1 = (n: number | null | undefined) => (n === null || n === undefined ? '' : `${(n * 100).toFixed(1)}%`);

// ---------------------------------------------------------------------------------------------------------
// What every export states

/** The validity line of a meeting's figures: the 无效 stamp with the minimum and the count, or the facts met. */
export function validityLine(r: MeetingResults): { valid: boolean; text: string } {
  if (r.meetsMinimum) return { valid: true, text: `有效：参评 ${r.ballots.cast} 人，达到最低参评人数 ${r.minRespondents} 人` };
  if (r.minRespondents === null) return { valid: false, text: `无效：尚未确定最低参评人数（参评 ${r.ballots.cast} 人）` };
  return { valid: false, text: `无效：参评 ${r.ballots.cast} 人，少于最低参评人数 ${r.minRespondents} 人` };
}

function factRows(r: MeetingResults): Array<[string, string | number]> {
  const t = r.turnout;
  const v = validityLine(r);
  return [
    ['测评会议', r.title],
    ['被测评单位', r.unit],
    ['结论', v.text],
    ['签到人数', t.signedIn ?? '未登记'],
    ['最低参评人数', r.minRespondents ?? '未确定'],
    ['是否达到最低人数', r.meetsMinimum ? '是' : '否'],
    ['发放测评票', t.slipsIssued],
    ['已使用测评票', t.slipsUsed],
    ['作废测评票', t.slipsVoided],
    ['投票数', r.ballots.cast],
    ['有效票', r.ballots.valid],
    ['无效票', r.ballots.invalid],
    ...r.invalidReasons.map((x): [string, string | number] => [`无效票原因：${x.message}`, x.ballots]),
    ...r.byCategory.map((c): [string, string | number] => [`类别：${c.label}（权重 ${Math.round(c.weight * 1000) / 10}%）有效票`, c.ballots]),
    ...(r.byCategory.length > 0 && r.uncategorised > 0 ? [['未分类别的有效票', r.uncategorised] as [string, number]] : []),
  ];
}

function flagRows(r: MeetingResults): Array<[string, string]> {
  return [...r.flags, ...r.notes].map((f) => ['提示', `${f.message}（${f.code}）`]);
}

// ---------------------------------------------------------------------------------------------------------
// The results as rows (shared by CSV, XLSX and PDF)

export const RESULT_COLUMNS = ['测评表', '题目', '测评对象', '类别', '等次或选项', '票数', '占比', '有效答题数', '平均分', '加权平均分', '好评率', '提示'] as const;

/** One line of the results table: a subject (or question) × respondent group × grade (or option). */
export interface ResultLine {
  form: string;
  question: string;
  subject: string;
  /** '全部' for all valid ballots, or a category label where the breakdown is shown. */
  category: string;
  option: string;
  count: number;
  share: number | null;
  answered: number;
  meanPoints: number | null;
  weightedMeanPoints: number | null;
  favourableRate: number | null;
  flags: string;
}

interface Ctx {
  rec: MeetingRecord;
  subjects: SubjectRef[];
  forms: FormTemplate[];
}

function findQuestion(form: FormTemplate, id: string): Question | undefined {
  return form.questions.find((q) => q.id === id);
}

function optionLabels(ctx: Ctx, form: FormTemplate, q: Question): Map<string, string> {
  if (q.type === 'graded') return new Map(gradeChoices(form, q).map((g) => [g.value, g.label]));
  if (q.type === 'single' || q.type === 'multiple') return new Map(q.options.map((o) => [o.value, o.label]));
  if (q.type === 'nomination') return new Map(nominationOptions(q, ctx.subjects).map((o) => [o.value, o.label]));
  return new Map();
}

export const ALL = '全部';

/** The results in long format: easy to filter, sum and compare with the JSON results. */
function resultLines(ctx: Ctx, r: MeetingResults): ResultLine[] {
  const lines: ResultLine[] = [];
  const catLabel = new Map(r.byCategory.map((c) => [c.key, c.label]));
  for (const fr of r.forms) {
    const form = ctx.forms.find((f) => f.id === fr.formId);
    if (!form) continue;
    for (const qr of fr.questions) {
      const q = findQuestion(form, qr.questionId);
      if (!q || q.type === 'text') continue;
      const labels = optionLabels(ctx, form, q);
      const base = { form: fr.title, question: qr.text };
      if (qr.subjects) {
        for (const s of qr.subjects) {
          const flags = s.flags.map((f) => f.message).join('；');
          for (const [value, label] of labels) {
            lines.push({ ...base, subject: s.name, category: ALL, option: label, count: s.counts[value] ?? 0, share: s.shares[value] ?? 0, answered: s.answered, meanPoints: s.meanPoints, weightedMeanPoints: s.weightedMeanPoints, favourableRate: s.favourableRate, flags });
          }
          for (const c of s.byCategory ?? []) {
            for (const [value, label] of labels) {
              lines.push({ ...base, subject: s.name, category: catLabel.get(c.category) ?? c.category, option: label, count: c.counts[value] ?? 0, share: c.shares[value] ?? 0, answered: c.answered, meanPoints: c.meanPoints, weightedMeanPoints: null, favourableRate: c.favourableRate, flags: '' });
            }
          }
        }
        continue;
      }
      const total = Object.values(qr.counts ?? {}).reduce((a, b) => a + b, 0);
      for (const [value, label] of labels) {
        const n = qr.counts?.[value] ?? 0;
        const graded = q.type === 'graded';
        lines.push({ ...base, subject: '', category: ALL, option: label, count: n, share: total > 0 ? n / total : 0, answered: qr.answered, meanPoints: graded ? (qr.meanPoints ?? null) : null, weightedMeanPoints: graded ? (qr.weightedMeanPoints ?? null) : null, favourableRate: graded ? (qr.favourableRate ?? null) : null, flags: '' });
      }
      for (const [name, n] of Object.entries(qr.writeIns ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'zh-CN'))) {
        lines.push({ ...base, subject: '', category: ALL, option: `另行推荐：${name}`, count: n, share: null, answered: qr.answered, meanPoints: null, weightedMeanPoints: null, favourableRate: null, flags: '' });
      }
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------
// Raw ballots

type RawBallot = ReturnType<typeof meetingBallots>[number];

/** Fisher–Yates with a cryptographic source: each export lists the ballots in a fresh random order. */
export function shuffled<T>(items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * The anonymised ballots: answers, validity and the reasons a ballot is invalid; never an id, a time, the
 * slip or the source (phone or paper: the few paper voters are known in the hall). The respondent category is
 * given only when the tally shows the category breakdown (every non-empty category ≥ 5 ballots): otherwise the
 * raw ballots would give a small category's answers away (docs/forms.md, "Anonymity").
 */
function anonymisedBallots(r: MeetingResults, rows: readonly RawBallot[]) {
  const labelOf = new Map(r.byCategory.map((c) => [c.key, c.label]));
  return shuffled(rows).map((b) => ({
    category: r.breakdownShown && b.category ? (labelOf.get(b.category) ?? b.category) : null,
    valid: b.valid,
    invalidReasons: b.breaches.map((x) => x.message),
    answers: b.answers,
  }));
}

/** Columns of the ballots CSV: one per question, and per subject for graded questions about subjects. */
function ballotColumns(ctx: Ctx) {
  const cols: Array<{ header: string; cell: (answers: Record<string, Record<string, unknown>>) => string }> = [];
  for (const form of ctx.forms) {
    for (const q of form.questions) {
      const labels = optionLabels(ctx, form, q);
      const label = (v: unknown) => (typeof v === 'string' ? (labels.get(v) ?? v) : '');
      const get = (a: Record<string, Record<string, unknown>>) => a[form.id]?.[q.id];
      if (q.type === 'graded' && q.subjects) {
        for (const s of ctx.subjects.filter((x) => (q.subjects as readonly string[]).includes(x.kind))) {
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

/** Text answers of the valid ballots, per question, sorted (so their order says nothing about the ballots). */
function textAnswers(ctx: Ctx, rows: readonly RawBallot[]) {
  const out: Array<{ form: string; question: string; answers: string[] }> = [];
  for (const form of ctx.forms) {
    for (const q of form.questions) {
      if (q.type !== 'text') continue;
      const answers = rows
        .filter((b) => b.valid)
        .map((b) => b.answers[form.id]?.[q.id])
        .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
        .sort((a, b) => a.localeCompare(b, 'zh-CN'));
      out.push({ form: form.title, question: q.text, answers });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Renderers

function renderResultsCsv(ctx: Ctx, r: MeetingResults): Buffer {
  const head: Array<Array<string | number>> = [...factRows(r), ...flagRows(r)];
  const table = resultLines(ctx, r).map((l) => [l.form, l.question, l.subject, l.category, l.option, l.count, percent1(l.share), l.answered, fixed2(l.meanPoints), fixed2(l.weightedMeanPoints), percent1(l.favourableRate), l.flags]);
  return csvDocument([...head, [], [...RESULT_COLUMNS], ...table]);
}

function renderBallotsCsv(ctx: Ctx, r: MeetingResults, rows: readonly RawBallot[]): Buffer {
  const cols = ballotColumns(ctx);
  const ballots = anonymisedBallots(r, rows);
  const v = validityLine(r);
  const head: Array<Array<string | number>> = [
    ['测评会议', r.title],
    ['结论', v.text],
    ...flagRows(r),
    ['说明', '原始选票（匿名），每次导出顺序随机；不含票号、时间和来源'],
    [],
  ];
  return csvDocument([
    ...head,
    ['类别', '是否有效', '无效原因', ...cols.map((c) => c.header)],
    ...ballots.map((b) => [b.category ?? '', b.valid ? '有效' : '无效', b.invalidReasons.join('；'), ...cols.map((c) => c.cell(b.answers))]),
  ]);
}

function renderBallotsJson(r: MeetingResults, rows: readonly RawBallot[]): Buffer {
  const v = validityLine(r);
  const doc = {
    meetingId: r.meetingId,
    title: r.title,
    unit: r.unit,
    valid: v.valid,
    validity: v.text,
    minRespondents: r.minRespondents,
    flags: r.flags,
    notes: r.notes,
    ballotCounts: r.ballots,
    categoryShown: r.breakdownShown,
    note: '原始选票（匿名），每次导出顺序随机；不含票号、时间和来源。类别仅在每个类别均不少于 5 票时给出。',
    ballots: anonymisedBallots(r, rows),
  };
  return Buffer.from(JSON.stringify(doc, null, 2), 'utf8');
}

/** Excel forbids []:*?/\ in sheet names and caps them at 31 characters; names must be unique. */
function sheetName(title: string, used: Set<string>): string {
  const base = title.replace(/[[\]:*?/\\]/g, '').slice(0, 28) || '测评表';
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base.slice(0, 26)}${i}`;
  used.add(name);
  return name;
}

async function renderResultsXlsx(ctx: Ctx, r: MeetingResults): Promise<Buffer> {
  const wb = await newWorkbook();
  wb.creator = 'Ceping 测评';
  const used = new Set<string>();
  const v = validityLine(r);
  const text = (s: string | number) => (typeof s === 'string' ? neutraliseCell(s) : s);

  const summary = wb.addWorksheet(sheetName('汇总', used), { views: [{ state: 'frozen', ySplit: 1 }] });
  summary.columns = [
    { header: '项目', width: 36 },
    { header: '内容', width: 60 },
  ];
  for (const [k, val] of [...factRows(r), ...flagRows(r)]) summary.addRow([text(k), text(val)]);
  summary.getRow(1).font = { bold: true };
  if (!v.valid) summary.getRow(4).font = { bold: true, color: { argb: 'FFC00000' } };

  const headers = RESULT_COLUMNS.slice(1);
  for (const fr of r.forms) {
    const form = ctx.forms.find((f) => f.id === fr.formId);
    if (!form) continue;
    const ws = wb.addWorksheet(sheetName(fr.title, used), { views: [{ state: 'frozen', ySplit: 2 }] });
    // Row 1: the validity line and the flags, so the stamp travels with every sheet; row 2: the headers (frozen with it).
    const flags = [...r.flags, ...r.notes].map((f) => f.message).join('；');
    ws.getCell('A1').value = text(`${fr.title} — ${v.text}${flags ? `；${flags}` : ''}`);
    ws.getCell('A1').font = { bold: true, color: { argb: v.valid ? 'FF000000' : 'FFC00000' } };
    ws.getRow(2).values = [...headers];
    ws.getRow(2).font = { bold: true };
    ws.columns.forEach((c, i) => (c.width = [28, 18, 12, 16, 8, 10, 12, 10, 12, 10, 30][i] ?? 12));
    // Numbers as numbers and rates as fractions formatted as percentages, so Excel can compute with them.
    for (const l of resultLines({ ...ctx, forms: [form] }, { ...r, forms: [fr] })) {
      const row = ws.addRow([text(l.question), text(l.subject), text(l.category), text(l.option), l.count, l.share, l.answered, l.meanPoints, l.weightedMeanPoints, l.favourableRate, text(l.flags)]);
      row.getCell(6).numFmt = '0.0%';
      row.getCell(8).numFmt = '0.00';
      row.getCell(9).numFmt = '0.00';
      row.getCell(10).numFmt = '0.0%';
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const BAR_COLOURS = ['#2e7d32', '#81c784', '#fbc02d', '#e64a19', '#8e24aa', '#546e7a', '#1e88e5', '#6d4c41'];

async function renderResultsPdf(ctx: Ctx, r: MeetingResults, rows: readonly RawBallot[]): Promise<Buffer> {
  const { doc, done } = bufferedCjkPdf({ margin: 50, info: { Title: `${r.title} 测评结果` } });
  const v = validityLine(r);
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const ensure = (h: number) => {
    if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
  };
  // The stamp repeats at the top of every page when the tally is below its minimum.
  const stamp = () => {
    if (v.valid) return;
    const y = doc.y;
    // The text being written when the page broke continues after the stamp: give it back its size.
    const size = (doc as unknown as { _fontSize: number })._fontSize;
    doc.save().rect(left, y, width, 26).lineWidth(2).strokeColor('#c00000').stroke().restore();
    doc.font('cjk-bold').fontSize(13).fillColor('#c00000').text(v.text, left + 8, y + 6, { width: width - 16 });
    doc.fillColor('black').moveDown(0.8);
    doc.font('cjk').fontSize(size);
    doc.x = left;
  };
  doc.on('pageAdded', stamp);

  doc.font('cjk-bold').fontSize(18).text(`${r.title}`, { align: 'center' });
  doc.font('cjk').fontSize(11).text(`${r.unit} · 测评结果报告`, { align: 'center' }).moveDown(0.5);
  stamp();
  doc.font('cjk-bold').fontSize(13).text('一、会议基本情况').moveDown(0.3);
  doc.font('cjk').fontSize(10);
  for (const [k, val] of factRows(r).slice(2)) doc.text(`${k}：${val}`);
  if (r.flags.length + r.notes.length > 0) {
    doc.moveDown(0.3).font('cjk-bold').fillColor('#c00000').text('提示：');
    doc.font('cjk');
    for (const f of r.flags) doc.text(`· ${f.message}`);
    doc.fillColor('black');
    for (const f of r.notes) doc.text(`· ${f.message}`);
  }
  doc.moveDown(0.8);

  let section = 2;
  const numerals = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六', '十七', '十八', '十九', '二十'];
  for (const fr of r.forms) {
    const form = ctx.forms.find((f) => f.id === fr.formId);
    if (!form) continue;
    ensure(60);
    doc.font('cjk-bold').fontSize(13).text(`${numerals[section - 1] ?? section}、${fr.title}`).moveDown(0.3);
    section++;
    for (const qr of fr.questions) {
      const q = findQuestion(form, qr.questionId);
      if (!q || q.type === 'text') continue;
      const labels = [...optionLabels(ctx, form, q)];
      ensure(50);
      doc.font('cjk-bold').fontSize(11).text(qr.text).moveDown(0.2);
      doc.font('cjk').fontSize(9);
      // A graded question without subjects is drawn as one bar, for all respondents.
      const bars: Array<Pick<SubjectResult, 'name' | 'counts' | 'answered' | 'meanPoints' | 'weightedMeanPoints' | 'favourableRate' | 'flags' | 'byCategory'>> | undefined =
        qr.subjects ??
        (q.type === 'graded'
          ? [{ name: '全体', counts: qr.counts ?? {}, answered: qr.answered, meanPoints: qr.meanPoints ?? null, weightedMeanPoints: qr.weightedMeanPoints ?? null, favourableRate: qr.favourableRate ?? null, flags: [] }]
          : undefined);
      if (bars) {
        // Legend, then per subject: a stacked bar of the grade distribution, and the figures beside it.
        let lx = left;
        const ly = doc.y;
        labels.forEach(([, label], i) => {
          doc.save().rect(lx, ly + 2, 8, 8).fill(BAR_COLOURS[i % BAR_COLOURS.length]!).restore();
          doc.fillColor('black').text(label, lx + 11, ly, { lineBreak: false });
          lx += 20 + doc.widthOfString(label);
        });
        doc.x = left;
        doc.y = ly + 14;
        const nameW = 90;
        const barW = 200;
        for (const s of bars) {
          ensure(18);
          const y = doc.y;
          doc.fillColor('black').text(s.name, left, y, { width: nameW, lineBreak: false, ellipsis: true });
          let x = left + nameW;
          const total = Math.max(1, s.answered);
          labels.forEach(([value], i) => {
            const n = s.counts[value] ?? 0;
            if (n === 0) return;
            const w = (barW * n) / total;
            doc.save().rect(x, y + 1, w, 10).fill(BAR_COLOURS[i % BAR_COLOURS.length]!).restore();
            x += w;
          });
          if (s.answered === 0) doc.save().rect(left + nameW, y + 1, barW, 10).lineWidth(0.5).strokeColor('#999999').stroke().restore();
          const counts = labels.map(([value, label]) => `${label}${s.counts[value] ?? 0}`).join(' ');
          const figures = `${counts}  均分 ${fixed2(s.meanPoints) || '—'}${s.weightedMeanPoints !== s.meanPoints ? `  加权 ${fixed2(s.weightedMeanPoints) || '—'}` : ''}  好评率 ${percent1(s.favourableRate) || '—'}`;
          doc.fillColor('black').text(figures, left + nameW + barW + 8, y, { width: width - nameW - barW - 8 });
          doc.y = Math.max(doc.y, y + 14);
          for (const f of s.flags) {
            doc.fillColor('#c00000').text(`  ⚑ ${s.name}：${f.message}`, left);
          }
          if (s.byCategory && s.byCategory.length > 0) {
            const label = new Map(r.byCategory.map((c) => [c.key, c.label]));
            const parts = s.byCategory.map((c) => `${label.get(c.category) ?? c.category} 均分 ${fixed2(c.meanPoints) || '—'}（${c.answered} 票）`);
            doc.fillColor('#555555').text(`  分类别：${parts.join('；')}`, left, doc.y, { width });
          }
          doc.fillColor('black');
          doc.x = left;
        }
      } else {
        const line = labels.map(([value, label]) => `${label} ${qr.counts?.[value] ?? 0}`).join('；');
        doc.text(line, { width });
        const writeIns = Object.entries(qr.writeIns ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
        if (writeIns.length > 0) doc.text(`另行推荐：${writeIns.map(([n, c]) => `${n} ${c}`).join('；')}`, { width });
      }
      doc.moveDown(0.5);
    }
  }

  const texts = textAnswers(ctx, rows).filter((t) => t.answers.length > 0);
  ensure(40);
  doc.font('cjk-bold').fontSize(13).text(`${numerals[section - 1] ?? section}、文字意见（有效票，按文字排序）`).moveDown(0.3);
  doc.font('cjk').fontSize(10);
  if (texts.length === 0) doc.text('无');
  for (const t of texts) {
    ensure(30);
    doc.font('cjk-bold').text(`${t.form}｜${t.question}`);
    doc.font('cjk');
    for (const a of t.answers) doc.text(`· ${a}`, { width });
    doc.moveDown(0.3);
  }
  doc.end();
  return done;
}

// ---------------------------------------------------------------------------------------------------------

const CONTENT_TYPES: Record<ExportFormat, string> = {
  'results.csv': 'text/csv; charset=utf-8',
  'results.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'results.pdf': 'application/pdf',
  'ballots.json': 'application/json; charset=utf-8',
  'ballots.csv': 'text/csv; charset=utf-8',
};

/** Renders one export of a meeting. Reads the tally and the ballots in one read transaction so they agree. */
export async function renderExport(format: ExportFormat, deps: { db: Db; forms: FormCatalog }, meetingId: string): Promise<{ body: Buffer; contentType: string; filename: string }> {
  const { db } = deps;
  // tallyResults opens its own transaction: nested in this one, better-sqlite3 makes it a savepoint.
  const { rec, results, rows } = db.transaction(() => {
    const rec = loadMeeting({ db }, meetingId);
    // No export of an open poll: two exports compared would show what was cast in between (see
    // assertResultsReadable); raw ballots would also show when.
    assertResultsReadable(rec);
    return { rec, results: tallyResults({ db, forms: deps.forms }, rec), rows: meetingBallots({ db }, meetingId) };
  });
  const ctx: Ctx = {
    rec,
    subjects: rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title })),
    forms: meetingForms(deps.forms, rec.meeting.formIds),
  };
  let body: Buffer;
  switch (format) {
    case 'results.csv':
      body = renderResultsCsv(ctx, results);
      break;
    case 'results.xlsx':
      body = await renderResultsXlsx(ctx, results);
      break;
    case 'results.pdf':
      body = await renderResultsPdf(ctx, results, rows);
      break;
    case 'ballots.json':
      body = renderBallotsJson(results, rows);
      break;
    case 'ballots.csv':
      body = renderBallotsCsv(ctx, results, rows);
      break;
  }
  const [base, ext] = format.split('.') as [string, string];
  return { body, contentType: CONTENT_TYPES[format], filename: `ceping-${meetingId}-${base}.${ext}` };
}
