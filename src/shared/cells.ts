/**
 * Neutralises a spreadsheet cell that Excel or WPS would read as a formula (or whose leading tab or CR would
 * be eaten): a cell starting with = + - @ tab or CR gets a leading apostrophe (OWASP, "CSV injection").
 * Every CSV and XLSX export goes through this.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
