// exceljs costs about 28 MB of memory once loaded; the server loads it on the first spreadsheet export, not at
// start (BENCHMARKS.md, "Server memory").
import type ExcelJS from 'exceljs';

export async function newWorkbook(): Promise<ExcelJS.Workbook> {
  const { default: excel } = await import('exceljs');
  return new excel.Workbook();
}
