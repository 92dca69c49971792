// The closing module's errors: one code, one Chinese message.
import { notFound } from '../shared/errors.js';

export const closingErrors = {
  reportNotFound: () => notFound('结束报告', 'CLOSING_REPORT_NOT_FOUND'),
  archivedExportNotFound: () => notFound('存档文件', 'ARCHIVED_EXPORT_NOT_FOUND'),
};
