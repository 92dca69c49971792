// The exports module's public surface: what other modules (closing reports, the archived files route) use.
export { EXPORT_FORMATS, renderExport, type ExportFormat } from './exports.usecases.js';
export { attachmentDisposition } from './filenames.js';
