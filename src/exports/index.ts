// The exports module's public surface: the formats and a renderer, for the closing report's archive.
export { EXPORT_FORMATS, renderExport, streamExport, type ExportFormat } from './exports.usecases.js';
