// results.pdf: the 统计表 to sign (statistics.pdf.ts), then the report for the committee: the meeting's facts
// and flags, per instrument a stacked bar of the grade distribution for each subject with its figures,
// nominations, and the text answers of the valid ballots, sorted. Below the minimum the 无效 stamp heads every page.
import type { FormTemplate } from '../domain/forms.js';
import type { FormResult, QuestionResult, SubjectResult } from '../domain/tally.js';
import { bufferedCjkPdf } from '../shared/pdf.js';
import { optionLabels, type ExportData, type ReadOptions } from './export-data.js';
import { textAnswers } from './ballots.anonymised.js';
import { factRows, fixed2, percent1, validityLine, wholeRowName } from './results.table.js';
import { statistics } from './statistics.js';
import { STATISTICS_MARGIN, statisticsLayout, statisticsPages } from './statistics.pdf.js';

type Doc = PDFKit.PDFDocument;

const BAR_COLOURS = ['#2e7d32', '#81c784', '#fbc02d', '#e64a19', '#8e24aa', '#546e7a', '#1e88e5', '#6d4c41'];
const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六', '十七', '十八', '十九', '二十'];
const numeral = (n: number) => NUMERALS[n - 1] ?? String(n);

const left = (doc: Doc) => doc.page.margins.left;
const width = (doc: Doc) => doc.page.width - doc.page.margins.left - doc.page.margins.right;
const ensure = (doc: Doc, h: number) => {
  if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
};

/** The stamp, when the tally is below its minimum: drawn now and at the top of every page added later. */
function stampEveryPage(doc: Doc, data: ExportData): () => void {
  const v = validityLine(data.results);
  const stamp = () => {
    if (v.valid) return;
    const y = doc.y;
    // The text being written when the page broke continues after the stamp: give it back its size.
    const size = (doc as unknown as { _fontSize: number })._fontSize;
    doc.save().rect(left(doc), y, width(doc), 26).lineWidth(2).strokeColor('#c00000').stroke().restore();
    doc.font('cjk-bold').fontSize(13).fillColor('#c00000').text(v.text, left(doc) + 8, y + 6, { width: width(doc) - 16 });
    doc.fillColor('black').moveDown(0.8);
    doc.font('cjk').fontSize(size);
    doc.x = left(doc);
  };
  doc.on('pageAdded', stamp);
  return stamp;
}

function factsSection(doc: Doc, data: ExportData): void {
  const r = data.results;
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
}

type Bar = Pick<SubjectResult, 'name' | 'counts' | 'answered' | 'meanPoints' | 'weightedMeanPoints' | 'favourableRate' | 'flags' | 'byCategory'>;

/** Legend, then per subject: a stacked bar of the grade distribution, and the figures beside it. */
function bars(doc: Doc, data: ExportData, labels: Array<[string, string]>, subjects: Bar[]): void {
  const x0 = left(doc);
  let lx = x0;
  const ly = doc.y;
  labels.forEach(([, label], i) => {
    doc.save().rect(lx, ly + 2, 8, 8).fill(BAR_COLOURS[i % BAR_COLOURS.length]!).restore();
    doc.fillColor('black').text(label, lx + 11, ly, { lineBreak: false });
    lx += 20 + doc.widthOfString(label);
  });
  doc.x = x0;
  doc.y = ly + 14;
  const nameW = 90;
  const barW = 200;
  const categoryLabel = new Map(data.results.byCategory.map((c) => [c.key, c.label]));
  for (const s of subjects) {
    ensure(doc, 18);
    const y = doc.y;
    doc.fillColor('black').text(s.name, x0, y, { width: nameW, lineBreak: false, ellipsis: true });
    let x = x0 + nameW;
    const total = Math.max(1, s.answered);
    labels.forEach(([value], i) => {
      const n = s.counts[value] ?? 0;
      if (n === 0) return;
      const w = (barW * n) / total;
      doc.save().rect(x, y + 1, w, 10).fill(BAR_COLOURS[i % BAR_COLOURS.length]!).restore();
      x += w;
    });
    if (s.answered === 0) doc.save().rect(x0 + nameW, y + 1, barW, 10).lineWidth(0.5).strokeColor('#999999').stroke().restore();
    const counts = labels.map(([value, label]) => `${label}${s.counts[value] ?? 0}`).join(' ');
    const figures = `${counts}  均分 ${fixed2(s.meanPoints) || '—'}${s.weightedMeanPoints !== s.meanPoints ? `  加权 ${fixed2(s.weightedMeanPoints) || '—'}` : ''}  好评率 ${percent1(s.favourableRate) || '—'}`;
    doc.fillColor('black').text(figures, x0 + nameW + barW + 8, y, { width: width(doc) - nameW - barW - 8 });
    doc.y = Math.max(doc.y, y + 14);
    for (const f of s.flags) doc.fillColor('#c00000').text(`  ⚑ ${s.name}：${f.message}`, x0);
    if (s.byCategory && s.byCategory.length > 0) {
      const parts = s.byCategory.map((c) => `${categoryLabel.get(c.category) ?? c.category} 均分 ${fixed2(c.meanPoints) || '—'}（${c.answered} 票）`);
      doc.fillColor('#555555').text(`  分类别：${parts.join('；')}`, x0, doc.y, { width: width(doc) });
    }
    doc.fillColor('black');
    doc.x = x0;
  }
}

function questionSection(doc: Doc, data: ExportData, form: FormTemplate, qr: QuestionResult): void {
  const q = form.questions.find((x) => x.id === qr.questionId);
  if (!q || q.type === 'text') return;
  const labels = [...optionLabels(data, form, q)];
  ensure(doc, 50);
  doc.font('cjk-bold').fontSize(11).text(qr.text).moveDown(0.2);
  doc.font('cjk').fontSize(9);
  // A graded question without subjects is drawn as one bar, for all respondents, named as the console names it.
  const subjects: Bar[] | undefined =
    qr.subjects ??
    (q.type === 'graded'
      ? [{ name: wholeRowName(form, data.subjects), counts: qr.counts ?? {}, answered: qr.answered, meanPoints: qr.meanPoints ?? null, weightedMeanPoints: qr.weightedMeanPoints ?? null, favourableRate: qr.favourableRate ?? null, flags: [] }]
      : undefined);
  if (subjects) {
    bars(doc, data, labels, subjects);
  } else {
    doc.text(labels.map(([value, label]) => `${label} ${qr.counts?.[value] ?? 0}`).join('；'), { width: width(doc) });
    const writeIns = Object.entries(qr.writeIns ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (writeIns.length > 0) doc.text(`另行推荐：${writeIns.map(([n, c]) => `${n} ${c}`).join('；')}`, { width: width(doc) });
  }
  doc.moveDown(0.5);
}

function formSection(doc: Doc, data: ExportData, fr: FormResult, section: number): void {
  const form = data.forms.find((f) => f.id === fr.formId)!;
  ensure(doc, 60);
  doc.font('cjk-bold').fontSize(13).text(`${numeral(section)}、${fr.title}`).moveDown(0.3);
  for (const qr of fr.questions) questionSection(doc, data, form, qr);
}

function textSection(doc: Doc, texts: Awaited<ReturnType<typeof textAnswers>>, section: number): void {
  ensure(doc, 40);
  doc.font('cjk-bold').fontSize(13).text(`${numeral(section)}、文字意见（有效票，按文字排序）`).moveDown(0.3);
  doc.font('cjk').fontSize(10);
  if (texts.length === 0) doc.text('无');
  for (const t of texts) {
    ensure(doc, 30);
    doc.font('cjk-bold').text(`${t.form}｜${t.question}`);
    doc.font('cjk');
    for (const a of t.answers) doc.text(`· ${a}`, { width: width(doc) });
    doc.moveDown(0.3);
  }
}

export async function renderResultsPdf(data: ExportData, options: ReadOptions = {}): Promise<Buffer> {
  const r = data.results;
  // Read first, page by page: only the text answers of the valid ballots are kept.
  const texts = (await textAnswers(data, options)).filter((t) => t.answers.length > 0);
  const s = statistics(data);
  const { doc, done } = bufferedCjkPdf({ layout: statisticsLayout(s), margin: STATISTICS_MARGIN, info: { Title: `${r.title} 测评结果` } });
  const stamp = stampEveryPage(doc, data);
  statisticsPages(doc, s, stamp);
  // The report follows on portrait pages; the stamp heads the first of them as it heads every page added.
  doc.addPage({ size: 'A4', layout: 'portrait', margin: 50 });
  doc.font('cjk-bold').fontSize(18).text(`${r.title}`, { align: 'center' });
  doc.font('cjk').fontSize(11).text(`${r.unit} · 测评结果报告`, { align: 'center' }).moveDown(0.5);
  factsSection(doc, data);
  const forms = r.forms.filter((fr) => data.forms.some((f) => f.id === fr.formId));
  forms.forEach((fr, i) => formSection(doc, data, fr, i + 2));
  textSection(doc, texts, forms.length + 2);
  doc.end();
  return done;
}
