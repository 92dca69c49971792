// Export file names a person can file: the unit and the meeting's title, never an internal id; sent as an
// RFC 6266 Content-Disposition (shared/disposition.ts).
import { safeFileName } from '../shared/disposition.js';

const LABELS: Record<string, string> = {
  'results.csv': '计票明细',
  'results.xlsx': '统计表',
  'results.pdf': '测评结果',
  'statistics.csv': '统计表',
  'ballots.json': '原始选票',
  'ballots.csv': '原始选票',
};

/** e.g. 插旗镇插旗村_2026年度民主测评_统计表.xlsx */
export function exportFilename(format: string, unit: string, title: string): string {
  const [, ext] = format.split('.') as [string, string];
  const name = [safeFileName(unit, 40), safeFileName(title, 60), LABELS[format] ?? format.split('.')[0]].filter(Boolean).join('_');
  return `${name}.${ext}`;
}
