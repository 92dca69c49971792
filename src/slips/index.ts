// The slips module's public surface.
export { issueSlips, sheetInfo, voidSlips, hashToken, hashShortCode, shortCodePepper, type IssuedBatch, type IssuedSlip } from './slips.usecases.js';
export { consumeSlip, countSlips, findSlipByShortCodeHash, findSlipByTokenHash, type SlipRow, type SlipCounts } from './slips.repository.js';
export { normaliseShortCode, TOKEN_PATTERN } from './codes.js';
export { pdfDisposition, slipsPdfStream, type PrintableSlip, type SlipSheetInfo } from './pdf.js';
export { SlipsBody } from './slips.schemas.js';
