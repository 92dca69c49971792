// Export file names a person can file: the unit and the meeting's title, never an internal id; sent as an
// RFC 6266 Content-Disposition with the UTF-8 name in filename* (RFC 5987) and a plain ASCII fallback.

const LABELS: Record<string, string> = {
  'results.csv': '计票明细',
  'results.xlsx': '统计表',
  'results.pdf': '测评结果',
  'statistics.csv': '统计表',
  'ballots.json': '原始选票',
  'ballots.csv': '原始选票',
};

/** A file-name part: no path separators, reserved characters of Windows, controls or runs of white space. */
function part(s: string, max: number): string {
  const clean = s
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '');
  return [...clean].slice(0, max).join('');
}

/** e.g. 插旗镇插旗村_2026年度民主测评_统计表.xlsx */
export function exportFilename(format: string, unit: string, title: string): string {
  const [, ext] = format.split('.') as [string, string];
  const name = [part(unit, 40), part(title, 60), LABELS[format] ?? format.split('.')[0]].filter(Boolean).join('_');
  return `${name}.${ext}`;
}

/** RFC 5987 ext-value: UTF-8, percent-encoded beyond attr-char (encodeURIComponent leaves ' ( ) * ! unencoded). */
const rfc5987 = (s: string) => encodeURIComponent(s).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `attachment; filename="<ascii fallback>"; filename*=UTF-8''<name>`. */
export function attachmentDisposition(filename: string, asciiFallback: string): string {
  const fallback = asciiFallback.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${rfc5987(filename)}`;
}
