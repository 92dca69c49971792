// Paper ballots (纸质测评票) for meetings where phones are not allowed. Seed 000_a43cfffc0fe01c15.txt:
// "采取会前提前发卷、无记名分散填卷、会上集中收卷的方式". Each ballot is the full questionnaire of the meeting on
// A4 (a tick box per subject × grade, room for written comments), with a QR code and short code of its own
// slip in the top-right corner: the attendee may vote on a phone instead, and an assessor keys a collected
// sheet in under that code. The slip counts once either way.
//
// The questionnaire is the same on every copy, so its pages are laid out once by pdfkit and captured as
// Form XObjects; each copy adds only its corner (QR path, code, serial, page number).
import type { Readable } from 'node:stream';
import { A4, captureForm, chunkStream, drain, fmt, latinText, MM, newDocument, qrOps, standardFont, useOnPage } from '../shared/pdf-kit.js';
import { QR_QUIET_MODULES, qrMatrix } from '../shared/qr-path.js';
import type { PrintableSlip, SlipSheetInfo } from '../slips/index.js';

/** A form as the voter page gets it (formForVoter in src/ballots), seen flat. */
export interface PaperQuestion {
  id: string;
  type: string;
  text: string;
  required: boolean;
  section: string | null;
  help: string | null;
  scale?: Array<{ value: string; label: string }>;
  subjects?: Array<{ id: string; name: string; title: string | null }>;
  options?: Array<{ value: string; label: string }>;
  maxChoices?: number;
  maxLength?: number;
  maxNominations?: number;
  allowWriteIn?: boolean;
}
export interface PaperForm {
  id: string;
  title: string;
  description: string | null;
  questions: PaperQuestion[];
}
type Form = PaperForm;
type Question = PaperQuestion;

const PAGE = {
  left: 15 * MM,
  right: A4.width - 15 * MM,
  top: 12 * MM,
  bottom: A4.height - 14 * MM,
  width: A4.width - 30 * MM,
};
/** The corner QR on page 1: a 26 mm symbol (EC M) with its four-module quiet zone clear of everything else. */
const CORNER = { symbol: 26 * MM };
const GRADE_COL = 15 * MM;
const BOX = 8.5;

export const PAPER_INSTRUCTIONS = [
  '本票无记名，请勿署名，也不要作其他记号。',
  '请在所选等次下的方框内划“√”，每个测评对象每项只选一个等次；不了解的情况可以不填。',
  '会上集中收卷：填好后请投入票箱。也可用手机扫描右上角二维码在线填写，同一张票只计一次。',
];

interface Layout {
  /** Captured questionnaire pages. */
  pages: unknown[];
  /** Where the corner of page 1 goes (quiet zone included). */
  corner: { x: number; y: number; size: number; codeBaseline: number; serialBaseline: number };
}

/** Lays the questionnaire out once, page by page, into Form XObjects. */
function layoutQuestionnaire(doc: PDFKit.PDFDocument, info: SlipSheetInfo, forms: Form[], modules: number): Layout {
  const moduleSize = CORNER.symbol / modules;
  const cornerBox = CORNER.symbol + 2 * QR_QUIET_MODULES * moduleSize;
  const corner = { x: PAGE.right - cornerBox, y: PAGE.top - QR_QUIET_MODULES * moduleSize, size: cornerBox, codeBaseline: 0, serialBaseline: 0 };
  corner.codeBaseline = corner.y + cornerBox + 9;
  corner.serialBaseline = corner.codeBaseline + 11;

  const pages: unknown[] = [];
  const ops: Array<() => void> = [];
  let y = PAGE.top;
  let pageNo = 1;
  // Drawing is recorded as closures and replayed inside a capture per page: pdfkit's text() must not see
  // the page end, or it would add pages of its own.
  const flush = () => {
    const draw = ops.splice(0);
    pages.push(captureForm(doc, A4.width, A4.height, () => draw.forEach((d) => d())));
  };
  const newPage = () => {
    flush();
    pageNo++;
    y = PAGE.top + 16; // below the header line with the code and page number
  };
  const need = (h: number) => {
    if (y + h > PAGE.bottom) newPage();
  };
  const text = (s: string, x: number, top: number, opts: PDFKit.Mixins.TextOptions & { size: number; color?: string }) => {
    const { size, color, ...rest } = opts;
    ops.push(() => {
      doc.font('cjk').fontSize(size).fillColor(color ?? 'black').text(s, x, top, rest);
    });
  };
  const height = (s: string, size: number, width: number) => {
    doc.font('cjk').fontSize(size);
    return doc.heightOfString(s, { width });
  };
  const rawOps = (s: string) => ops.push(() => (doc as unknown as { addContent(s: string): void }).addContent(s));
  const box = (x: number, top: number) => rawOps(`q 0.7 w 0 G ${fmt(x)} ${fmt(top)} ${BOX} ${BOX} re S Q`);
  const hline = (x1: number, x2: number, yy: number, gray = 0.6) => rawOps(`q 0.4 w ${gray} G ${fmt(x1)} ${fmt(yy)} m ${fmt(x2)} ${fmt(yy)} l S Q`);

  // Page 1 header, left of the corner.
  // Stops short of the corner and of the 测评码 / 编号 labels beside the code under it.
  const headWidth = corner.x - PAGE.left - 40;
  text('民主测评票（纸质 · 无记名）', PAGE.left, y, { size: 9, color: '#444444', width: headWidth });
  y += 14;
  const titleH = height(info.title, 15, headWidth);
  text(info.title, PAGE.left, y, { size: 15, width: headWidth });
  y += titleH + 3;
  text(`被测评单位：${info.unit}`, PAGE.left, y, { size: 10, width: headWidth });
  y += height(`被测评单位：${info.unit}`, 10, headWidth) + 2;
  if (info.category) {
    text(`参评人员类别：${info.category}`, PAGE.left, y, { size: 10, width: headWidth });
    y += 14;
  }
  y = Math.max(y + 4, corner.codeBaseline + 18);
  const instructions = PAPER_INSTRUCTIONS.map((s, i) => `${i + 1}. ${s}`).join('\n');
  const instrH = height(instructions, 8.5, PAGE.width - 8);
  rawOps(`q 0.5 w 0.5 G ${fmt(PAGE.left)} ${fmt(y)} ${fmt(PAGE.width)} ${fmt(instrH + 20)} re S Q`);
  text('填写说明', PAGE.left + 4, y + 3, { size: 8.5, width: PAGE.width - 8 });
  text(instructions, PAGE.left + 4, y + 15, { size: 8.5, width: PAGE.width - 8, color: '#222222' });
  y += instrH + 30;

  const gradeHeader = (labels: string[], labelWidth: number, caption: string) => {
    const h = 16;
    need(h + 18);
    text(caption, PAGE.left, y + 3, { size: 8, color: '#444444', width: labelWidth - 4, height: h, ellipsis: true });
    labels.forEach((l, i) => text(l, PAGE.left + labelWidth + i * GRADE_COL, y + 3, { size: 8.5, width: GRADE_COL, align: 'center', lineBreak: false }));
    y += h;
    hline(PAGE.left, PAGE.right, y, 0.3);
  };
  /** A table: one row per (label, subject), one tick box per grade. */
  const gradeTable = (caption: string, rows: Array<{ label: string; sub?: string | null }>, scale: Array<{ label: string }>) => {
    const labels = scale.map((g) => g.label);
    const labelWidth = PAGE.width - labels.length * GRADE_COL;
    gradeHeader(labels, labelWidth, caption);
    for (const row of rows) {
      const label = row.sub ? `${row.label}（${row.sub}）` : row.label;
      const h = Math.max(18, height(label, 9.5, labelWidth - 6) + 7);
      if (y + h > PAGE.bottom) {
        newPage();
        gradeHeader(labels, labelWidth, `${caption}（续）`);
      }
      text(label, PAGE.left + 2, y + 4, { size: 9.5, width: labelWidth - 6 });
      labels.forEach((_, i) => box(PAGE.left + labelWidth + i * GRADE_COL + (GRADE_COL - BOX) / 2, y + (h - BOX) / 2));
      y += h;
      hline(PAGE.left, PAGE.right, y);
    }
    y += 8;
  };
  const caption = (n: number, q: Question, suffix = '') => {
    const s = `${n}. ${q.text}${q.help ? `（${q.help}）` : ''}${suffix}`;
    const h = height(s, 10, PAGE.width);
    need(h + 24);
    text(s, PAGE.left, y, { size: 10, width: PAGE.width });
    y += h + 4;
  };
  /** Options in a flowing line: □ label  □ label … */
  const optionFlow = (options: Array<{ label: string }>) => {
    let x = PAGE.left + 4;
    need(18);
    for (const o of options) {
      doc.font('cjk').fontSize(9.5);
      const w = BOX + 4 + doc.widthOfString(o.label) + 14;
      if (x + w > PAGE.right) {
        x = PAGE.left + 4;
        y += 18;
        need(18);
      }
      box(x, y + 1);
      text(o.label, x + BOX + 4, y, { size: 9.5, lineBreak: false });
      x += w;
    }
    y += 24;
  };

  for (const form of forms) {
    const head = form.title;
    need(60);
    y += 4;
    text(head, PAGE.left, y, { size: 12.5, width: PAGE.width });
    y += height(head, 12.5, PAGE.width) + 2;
    hline(PAGE.left, PAGE.right, y, 0);
    y += 5;
    if (form.description) {
      const dh = height(form.description, 8.5, PAGE.width);
      text(form.description, PAGE.left, y, { size: 8.5, width: PAGE.width, color: '#444444' });
      y += dh + 6;
    }
    let n = 0;
    const qs = form.questions;
    for (let i = 0; i < qs.length; i++) {
      const q = qs[i]!;
      if (q.section && q.section !== qs[i - 1]?.section) {
        need(40);
        text(`【${q.section}】`, PAGE.left, y, { size: 10, width: PAGE.width, color: '#222222' });
        y += 16;
      }
      if (q.type === 'graded') {
        const scale = q.scale ?? [];
        const scaleKey = JSON.stringify(scale.map((g) => g.value));
        const single = (x: Question) => x.type === 'graded' && (x.subjects === undefined || x.subjects.length === 1);
        if (single(q)) {
          // Consecutive one-row questions on the same scale and subject share one table (rows = questions).
          const group: Question[] = [q];
          while (i + 1 < qs.length && single(qs[i + 1]!) && JSON.stringify((qs[i + 1]!.scale ?? []).map((g) => g.value)) === scaleKey && qs[i + 1]!.subjects?.[0]?.id === q.subjects?.[0]?.id && !(qs[i + 1]!.section && qs[i + 1]!.section !== q.section)) {
            group.push(qs[++i]!);
          }
          const subject = q.subjects?.[0];
          const cap = subject ? `测评对象：${subject.name}${subject.title ? `（${subject.title}）` : ''}` : '测评项目';
          gradeTable(cap, group.map((g) => ({ label: `${++n}. ${g.text}`, sub: g.help })), scale);
        } else {
          caption(++n, q);
          gradeTable('测评对象', (q.subjects ?? []).map((s) => ({ label: s.name, sub: s.title })), scale);
        }
      } else if (q.type === 'single' || q.type === 'multiple') {
        caption(++n, q, q.type === 'single' ? '（单选）' : q.maxChoices ? `（可多选，最多 ${q.maxChoices} 项）` : '（可多选）');
        optionFlow(q.options ?? []);
      } else if (q.type === 'nomination') {
        caption(++n, q, `（最多推荐 ${q.maxNominations ?? 1} 人）`);
        if ((q.options ?? []).length > 0) optionFlow(q.options ?? []);
        if (q.allowWriteIn) {
          need(22);
          text('另行推荐：', PAGE.left + 4, y + 4, { size: 9.5, lineBreak: false });
          const slots = Math.min(q.maxNominations ?? 1, 5);
          const w = (PAGE.width - 60) / slots;
          for (let k = 0; k < slots; k++) hline(PAGE.left + 56 + k * w, PAGE.left + 50 + (k + 1) * w, y + 16, 0.2);
          y += 26;
        }
      } else {
        caption(++n, q);
        // Room to write: about one ruled line per 50 characters allowed, 3 to 8 lines.
        const lines = Math.max(3, Math.min(8, Math.ceil((q.maxLength ?? 200) / 50)));
        const h = lines * 20 + 6;
        need(h + 6);
        rawOps(`q 0.5 w 0.4 G ${fmt(PAGE.left)} ${fmt(y)} ${fmt(PAGE.width)} ${fmt(h)} re S Q`);
        for (let k = 1; k <= lines; k++) hline(PAGE.left + 6, PAGE.right - 6, y + k * 20, 0.75);
        y += h + 10;
      }
    }
  }
  need(20);
  text('— 测评票到此结束，谢谢！请于会上投入票箱。—', PAGE.left, y + 4, { size: 9, width: PAGE.width, align: 'center', color: '#444444' });
  flush();
  return { pages, corner };
}

/** Renders `slips.length` paper ballots, one sheet at a time (see slipsPdfChunks for the streaming). */
export function* paperBallotsPdfChunks(info: SlipSheetInfo, forms: Form[], slips: Iterable<PrintableSlip>, onBallot?: (done: number) => void): Generator<Buffer> {
  const { doc, pk } = newDocument({ Title: `纸质测评票 ${info.title}`, Subject: info.unit });
  const codeFont = standardFont(doc, 'Courier-Bold');
  const textFont = standardFont(doc, 'Helvetica');
  let layout: Layout | null = null;
  let codeLabel: unknown = null;
  let done = 0;
  for (const slip of slips) {
    const m = qrMatrix(slip.url);
    doc.addPage({ size: 'A4', margin: 0 });
    if (layout === null) {
      layout = layoutQuestionnaire(doc, info, forms, m.size);
      codeLabel = captureForm(doc, A4.width, A4.height, () => {
        doc.font('cjk').fontSize(7.5).fillColor('#333333');
        doc.text('测评码', layout!.corner.x - 30, layout!.corner.codeBaseline - 7.5, { lineBreak: false });
        doc.text('编号', layout!.corner.x - 30, layout!.corner.serialBaseline - 7.5, { lineBreak: false });
      });
    }
    const L = layout;
    const total = L.pages.length;
    L.pages.forEach((form, p) => {
      if (p > 0) doc.addPage({ size: 'A4', margin: 0 });
      useOnPage(pk, [codeFont, textFont], { [`Q${p}`]: form, CodeLabel: codeLabel });
      const ops = [`/Q${p} Do`];
      const pageLabel = `${p + 1} / ${total}`;
      if (p === 0) {
        const qz = QR_QUIET_MODULES * (CORNER.symbol / m.size);
        ops.push(
          qrOps(m, L.corner.x + qz, L.corner.y + qz, CORNER.symbol),
          '/CodeLabel Do',
          latinText(codeFont, 10.5, L.corner.x, L.corner.codeBaseline, slip.shortCode),
          latinText(textFont, 8, L.corner.x, L.corner.serialBaseline, String(slip.serial).padStart(6, '0')),
        );
      } else {
        // Loose sheets stay matched to their ballot by the code on every page.
        ops.push(latinText(codeFont, 9, PAGE.left, PAGE.top + 4, `${slip.shortCode}   No. ${String(slip.serial).padStart(6, '0')}`));
      }
      ops.push(latinText(textFont, 8, PAGE.right - textFont.widthOfString(pageLabel, 8), A4.height - 7 * MM, pageLabel));
      pk.addContent(ops.join('\n'));
    });
    done++;
    onBallot?.(done);
    const chunk = drain(doc);
    if (chunk.length > 0) yield chunk;
  }
  if (done === 0) doc.addPage({ size: 'A4', margin: 0 });
  doc.end();
  const last = drain(doc);
  if (last.length > 0) yield last;
}

export function paperBallotsPdfStream(info: SlipSheetInfo, forms: Form[], slips: Iterable<PrintableSlip>, onBallot?: (done: number) => void): Readable {
  return chunkStream(paperBallotsPdfChunks(info, forms, slips, onBallot));
}
