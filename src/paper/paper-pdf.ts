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
  /** The form's rules (e.g. at most 20% 优秀), printed so the voter knows them before ticking. */
  rules?: Array<{ message: string }>;
}
type Form = PaperForm;
type Question = PaperQuestion;

const PAGE = {
  left: 12 * MM,
  right: A4.width - 12 * MM,
  top: 10 * MM,
  bottom: A4.height - 12 * MM,
  width: A4.width - 24 * MM,
};
/** The corner QR on page 1: a 26 mm symbol (EC M) with its four-module quiet zone clear of everything else. */
const CORNER = { symbol: 26 * MM };
const BOX = 8;
/** Tick columns: as wide as fits, between these bounds; the name column keeps at least NAME_MIN. */
const COL_MIN = 6.6 * MM;
const COL_MAX = 11 * MM;
const NAME_MIN = 34 * MM;

export const PAPER_INSTRUCTIONS = [
  '本票无记名，请勿署名，也不要作其他记号。',
  '请在所选等次下的方框内划“√”，每个测评对象的每一项只选一个等次。',
  // The one difference from the phone, which refuses a ballot with a blank: a sheet is keyed in as written.
  '与手机投票一样，请每一项都填写；漏填的项不计入该项统计，本票其余各项照常计入。',
  '会上集中收卷：填好后请投入票箱。也可用手机扫描右上角二维码在线填写，同一张票只计一次。',
];

interface Layout {
  /** Captured questionnaire pages. */
  pages: unknown[];
  /** Where the corner of page 1 goes (quiet zone included). */
  corner: { x: number; y: number; size: number; codeBaseline: number; serialBaseline: number };
}

/** A tick grid: rows (people, or items) × column groups (criteria), each group one column per grade. */
interface Grid {
  rowHead: string;
  rows: Array<{ label: string; sub?: string | null }>;
  groups: Array<{ title: string; grades: string[] }>;
  notes: string[];
}

const sameScale = (a: Question, b: Question) => JSON.stringify((a.scale ?? []).map((g) => g.value)) === JSON.stringify((b.scale ?? []).map((g) => g.value));
const subjectIds = (q: Question) => (q.subjects ?? []).map((s) => s.id).join('|');
const newSection = (qs: Question[], i: number) => Boolean(qs[i]!.section && qs[i]!.section !== qs[i - 1]?.section);

/**
 * Lays the questionnaire out once into Form XObjects, as the paper 测评表 is drawn: one row per person, the
 * criteria across with their grades under them, so that a village meeting's three forms fit on one A4 page.
 * A meeting with many subjects or criteria runs on to further pages, headers repeated.
 */
function layoutQuestionnaire(doc: PDFKit.PDFDocument, info: SlipSheetInfo, forms: Form[], modules: number): Layout {
  const moduleSize = CORNER.symbol / modules;
  const cornerBox = CORNER.symbol + 2 * QR_QUIET_MODULES * moduleSize;
  const corner = { x: PAGE.right - cornerBox, y: PAGE.top - QR_QUIET_MODULES * moduleSize, size: cornerBox, codeBaseline: 0, serialBaseline: 0 };
  corner.codeBaseline = corner.y + cornerBox + 9;
  corner.serialBaseline = corner.codeBaseline + 11;

  const pages: unknown[] = [];
  const ops: Array<() => void> = [];
  let y = PAGE.top;
  // Drawing is recorded as closures and replayed inside a capture per page: pdfkit's text() must not see
  // the page end, or it would add pages of its own.
  const flush = () => {
    const draw = ops.splice(0);
    pages.push(captureForm(doc, A4.width, A4.height, () => draw.forEach((d) => d())));
  };
  const newPage = () => {
    flush();
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
  const box = (x: number, top: number) => rawOps(`q 0.6 w 0 G ${fmt(x)} ${fmt(top)} ${BOX} ${BOX} re S Q`);
  const hline = (x1: number, x2: number, yy: number, gray = 0.6, w = 0.4) => rawOps(`q ${w} w ${gray} G ${fmt(x1)} ${fmt(yy)} m ${fmt(x2)} ${fmt(yy)} l S Q`);
  const vline = (x: number, y1: number, y2: number, gray = 0.6, w = 0.4) => rawOps(`q ${w} w ${gray} G ${fmt(x)} ${fmt(y1)} m ${fmt(x)} ${fmt(y2)} l S Q`);

  // Page 1 header, left of the corner; it stops short of the 测评码 / 编号 labels beside the code.
  const headWidth = corner.x - PAGE.left - 40;
  text('民主测评票（纸质 · 无记名）', PAGE.left, y, { size: 9, color: '#444444', width: headWidth });
  y += 14;
  const titleH = height(info.title, 14, headWidth);
  text(info.title, PAGE.left, y, { size: 14, width: headWidth });
  y += titleH + 3;
  text(`被测评单位：${info.unit}`, PAGE.left, y, { size: 10, width: headWidth });
  y += height(`被测评单位：${info.unit}`, 10, headWidth) + 2;
  if (info.category) {
    text(`参评人员类别：${info.category}`, PAGE.left, y, { size: 10, width: headWidth });
    y += 14;
  }
  // The instructions sit beside the QR's lower half when there is room, under it otherwise.
  const rules = forms.flatMap((f) => (f.rules ?? []).map((r) => `${r.message}；违反的，整张票计为无效票。`));
  const instructions = [...PAPER_INSTRUCTIONS, ...rules].map((s, i) => `${i + 1}. ${s}`).join('\n');
  const instrW = headWidth;
  const instrH = height(instructions, 7.5, instrW - 8);
  y += 2;
  rawOps(`q 0.5 w 0.5 G ${fmt(PAGE.left)} ${fmt(y)} ${fmt(instrW)} ${fmt(instrH + 16)} re S Q`);
  text('填写说明', PAGE.left + 4, y + 2, { size: 7.5, width: instrW - 8 });
  text(instructions, PAGE.left + 4, y + 12, { size: 7.5, width: instrW - 8, color: '#222222' });
  y = Math.max(y + instrH + 22, corner.serialBaseline + 8);

  /** Splits groups into chunks whose tick columns fit beside a name column of at least NAME_MIN. */
  const chunks = (groups: Grid['groups']) => {
    const out: Array<Grid['groups']> = [];
    let cur: Grid['groups'] = [];
    let cols = 0;
    for (const g of groups) {
      if (cur.length && (cols + g.grades.length) * COL_MIN > PAGE.width - NAME_MIN) {
        out.push(cur);
        cur = [];
        cols = 0;
      }
      cur.push(g);
      cols += g.grades.length;
    }
    if (cur.length) out.push(cur);
    return out;
  };

  const drawGrid = (grid: Grid) => {
    for (const [ci, groups] of chunks(grid.groups).entries()) {
      const cols = groups.reduce((a, g) => a + g.grades.length, 0);
      const colW = Math.min(COL_MAX, (PAGE.width - NAME_MIN) / cols);
      const nameW = PAGE.width - cols * colW;
      const x0 = PAGE.left + nameW;
      const titleH = Math.max(...groups.map((g) => height(g.title, 7.5, g.grades.length * colW - 4))) + 4;
      const gradeH = Math.max(...groups.flatMap((g) => g.grades.map((l) => height(l, 6.5, colW - 2)))) + 3;
      const header = (cont: boolean) => {
        const top = y;
        const single = groups.length === 1 && !groups[0]!.title;
        const hh = single ? gradeH : titleH + gradeH;
        hline(PAGE.left, PAGE.right, top, 0, 0.8);
        text(`${grid.rowHead}${cont ? '（续）' : ''}`, PAGE.left + 2, top + (hh - 9) / 2, { size: 7.5, width: nameW - 4, color: '#444444' });
        let x = x0;
        for (const g of groups) {
          const gw = g.grades.length * colW;
          if (!single) text(g.title, x + 2, top + 2, { size: 7.5, width: gw - 4, align: 'center' });
          g.grades.forEach((l, k) => text(l, x + k * colW + 1, top + (single ? 0 : titleH) + 2, { size: 6.5, width: colW - 2, align: 'center', color: '#333333' }));
          if (!single) hline(x + 1, x + gw - 1, top + titleH, 0.7, 0.3);
          x += gw;
        }
        y += hh;
        hline(PAGE.left, PAGE.right, y, 0.2, 0.5);
        return top;
      };
      // A person's position goes beside the name when both fit on one line, under it otherwise.
      const rows = grid.rows.map((r) => (r.sub && height(`${r.label}（${r.sub}）`, 8.5, nameW - 6) <= height('测', 8.5, nameW - 6) ? { label: `${r.label}（${r.sub}）`, sub: null } : r));
      const rowH = (r: Grid['rows'][number]) => Math.max(15, height(r.label, 8.5, nameW - 6) + (r.sub ? height(r.sub, 6.5, nameW - 6) : 0) + 5);
      // Keep the header with at least its first row.
      need(titleH + gradeH + rowH(rows[0]!) + 2);
      let top = header(ci > 0);
      const verticals = (bottom: number) => {
        let x = x0;
        vline(x, top, bottom, 0.2, 0.6);
        for (const g of groups) {
          for (let k = 1; k < g.grades.length; k++) vline(x + k * colW, top + (groups.length === 1 && !g.title ? 0 : titleH), bottom, 0.8, 0.3);
          x += g.grades.length * colW;
          vline(x, top, bottom, 0.2, 0.6);
        }
      };
      for (const r of rows) {
        const h = rowH(r);
        if (y + h > PAGE.bottom) {
          verticals(y);
          newPage();
          top = header(true);
        }
        text(r.label, PAGE.left + 2, y + 3, { size: 8.5, width: nameW - 6 });
        if (r.sub) text(r.sub, PAGE.left + 2, y + 3 + height(r.label, 8.5, nameW - 6), { size: 6.5, width: nameW - 6, color: '#555555' });
        let x = x0;
        for (const g of groups) {
          g.grades.forEach((_, k) => box(x + k * colW + (colW - BOX) / 2, y + (h - BOX) / 2));
          x += g.grades.length * colW;
        }
        y += h;
        hline(PAGE.left, PAGE.right, y, 0.6, 0.3);
      }
      hline(PAGE.left, PAGE.right, y, 0, 0.8);
      verticals(y);
      y += 3;
    }
    if (grid.notes.length) {
      const note = `说明：${grid.notes.join('；')}。`;
      const h = height(note, 6.5, PAGE.width);
      need(h + 2);
      text(note, PAGE.left, y, { size: 6.5, width: PAGE.width, color: '#555555' });
      y += h + 2;
    }
    y += 5;
  };

  const caption = (n: number, q: Question, suffix = '') => {
    const s = `${n}. ${q.text}${q.help ? `（${q.help}）` : ''}${suffix}`;
    const h = height(s, 8.5, PAGE.width);
    need(h + 20);
    text(s, PAGE.left, y, { size: 8.5, width: PAGE.width });
    y += h + 3;
  };
  /** Options in a flowing line: □ label  □ label … */
  const optionFlow = (options: Array<{ label: string }>) => {
    let x = PAGE.left + 4;
    need(15);
    for (const o of options) {
      doc.font('cjk').fontSize(8.5);
      const w = BOX + 4 + doc.widthOfString(o.label) + 12;
      if (x + w > PAGE.right) {
        x = PAGE.left + 4;
        y += 15;
        need(15);
      }
      box(x, y + 1);
      text(o.label, x + BOX + 3, y, { size: 8.5, lineBreak: false });
      x += w;
    }
    y += 20;
  };

  const numbered = (n: number, q: Question) => `${n}. ${q.text}`;
  for (const form of forms) {
    need(50);
    y += 2;
    text(form.title, PAGE.left, y, { size: 11, width: PAGE.width });
    y += height(form.title, 11, PAGE.width) + 1;
    if (form.description) {
      const dh = height(form.description, 7, PAGE.width);
      text(form.description, PAGE.left, y, { size: 7, width: PAGE.width, color: '#444444' });
      y += dh + 3;
    }
    let n = 0;
    const qs = form.questions;
    for (let i = 0; i < qs.length; i++) {
      const q = qs[i]!;
      if (newSection(qs, i) && form.title.indexOf(q.section!) < 0) {
        need(36);
        text(`【${q.section}】`, PAGE.left, y, { size: 8.5, width: PAGE.width, color: '#222222' });
        y += 12;
      }
      if (q.type === 'graded') {
        const grades = (q.scale ?? []).map((g) => g.label);
        const run: Question[] = [q];
        const joins = (next: Question) => next.type === 'graded' && sameScale(q, next) && subjectIds(next) === subjectIds(q);
        while (i + 1 < qs.length && joins(qs[i + 1]!) && !newSection(qs, i + 1)) run.push(qs[++i]!);
        const subjects = q.subjects ?? [];
        const notes = run.filter((r) => r.help).map((r) => `${r.text}——${r.help}`);
        if (subjects.length === 0) {
          // Items without subjects: one row each, the grades across.
          drawGrid({ rowHead: '测评项目', rows: run.map((r) => ({ label: numbered(++n, r), sub: r.help })), groups: [{ title: '', grades }], notes: [] });
        } else {
          // People (or one organisation) down, criteria across: the paper 测评表.
          drawGrid({
            rowHead: '测评对象',
            rows: subjects.map((s) => ({ label: s.name, sub: s.title })),
            groups: run.map((r) => ({ title: numbered(++n, r), grades })),
            notes,
          });
        }
      } else if (q.type === 'single' || q.type === 'multiple') {
        caption(++n, q, q.type === 'single' ? '（单选）' : q.maxChoices ? `（可多选，最多 ${q.maxChoices} 项）` : '（可多选）');
        optionFlow(q.options ?? []);
      } else if (q.type === 'nomination') {
        caption(++n, q, `（最多推荐 ${q.maxNominations ?? 1} 人）`);
        if ((q.options ?? []).length > 0) optionFlow(q.options ?? []);
        if (q.allowWriteIn) {
          need(20);
          text('另行推荐：', PAGE.left + 4, y + 4, { size: 8.5, lineBreak: false });
          const slots = Math.min(q.maxNominations ?? 1, 5);
          const w = (PAGE.width - 60) / slots;
          for (let k = 0; k < slots; k++) hline(PAGE.left + 56 + k * w, PAGE.left + 50 + (k + 1) * w, y + 14, 0.2);
          y += 22;
        }
      } else {
        caption(++n, q);
        // Room to write: about one ruled line per 100 characters allowed, 2 to 3 lines (the back of the sheet is free).
        const lines = Math.max(2, Math.min(3, Math.ceil((q.maxLength ?? 200) / 100)));
        const h = lines * 17 + 4;
        need(h + 4);
        rawOps(`q 0.5 w 0.4 G ${fmt(PAGE.left)} ${fmt(y)} ${fmt(PAGE.width)} ${fmt(h)} re S Q`);
        for (let k = 1; k < lines + 1; k++) hline(PAGE.left + 6, PAGE.right - 6, y + k * 17, 0.75);
        y += h + 6;
      }
    }
  }
  need(14);
  text('— 测评票到此结束，谢谢！请于会上投入票箱。—', PAGE.left, y + 2, { size: 8, width: PAGE.width, align: 'center', color: '#444444' });
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
