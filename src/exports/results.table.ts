// The tally as lines and facts, shared by the results CSV, XLSX and PDF: one line per subject (or question) ×
// respondent group × grade (or option), the facts of the meeting and its validity, so every format agrees.
import type { FormTemplate } from '../domain/forms.js';
import type { FormResult } from '../domain/tally.js';
import type { MeetingResults } from '../results/index.js';
import { optionLabels, type ExportData } from './export-data.js';

export const fixed2 = (n: number | null | undefined) => (n === null || n === undefined ? '' : n.toFixed(2));
export const percent1 = (n: number | null | undefined) => (n === null || n === undefined ? '' : `${(n * 100).toFixed(1)}%`);

/** The validity line of a meeting's figures: the 无效 stamp with the minimum and the count, or the facts met. */
export function validityLine(r: MeetingResults): { valid: boolean; text: string } {
  if (r.meetsMinimum) return { valid: true, text: `有效：参评 ${r.ballots.cast} 人，达到最低参评人数 ${r.minRespondents} 人` };
  if (r.minRespondents === null) return { valid: false, text: `无效：尚未确定最低参评人数（参评 ${r.ballots.cast} 人）` };
  return { valid: false, text: `无效：参评 ${r.ballots.cast} 人，少于最低参评人数 ${r.minRespondents} 人` };
}

export function factRows(r: MeetingResults): Array<[string, string | number]> {
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

export function flagRows(r: MeetingResults): Array<[string, string]> {
  return [...r.flags, ...r.notes].map((f) => ['提示', f.message]);
}

/**
 * The name of the one row of a graded question asked once per ballot, not per subject, as the console's results
 * page names it: a report on the secretary's work (党组织书记述党建工作, 述职评议) names the secretary, the meeting's
 * person whose 职务 is 书记 (not 副书记), the head first, or 党组织书记 when none is entered; any other form, 全体参评人员.
 */
export function wholeRowName(form: Pick<FormTemplate, 'id'>, subjects: ExportData['subjects']): string {
  if (/secretary/.test(form.id)) {
    const people = subjects.filter((x) => x.kind === 'person' && /(^|[^副])书记/.test(x.title ?? ''));
    return (people.find((x) => x.isHead) ?? people[0])?.name ?? '党组织书记';
  }
  return '全体参评人员';
}

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

const ALL = '全部';

/** The results of `forms` in long format: easy to filter, sum and compare with the JSON results. */
export function resultLines(data: Pick<ExportData, 'subjects' | 'forms'>, r: MeetingResults, forms: readonly FormResult[] = r.forms): ResultLine[] {
  const lines: ResultLine[] = [];
  const catLabel = new Map(r.byCategory.map((c) => [c.key, c.label]));
  for (const fr of forms) {
    const form = data.forms.find((f) => f.id === fr.formId);
    if (!form) continue;
    for (const qr of fr.questions) {
      const q = form.questions.find((x) => x.id === qr.questionId);
      if (!q || q.type === 'text') continue;
      const labels = optionLabels(data, form, q);
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
