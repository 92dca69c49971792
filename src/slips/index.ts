// What other modules may use of slips. Hashing, the token wrap and the slip rows stay private.
export { findSlipByCredential, findSlipWithMeetingVersionNow, isSlipVoided, legacyMarkerKey, type SlipRef } from './credentials.js';
export { countSlipRows, forgetLegacyUse, legacySlips, pendingMarkersAfter, type PendingMarker } from './slips.repository.js';
export { issueSlips, sheetInfo, slipBatches, voidSlips, type IssuedBatch, type IssuedSlip } from './slips.usecases.js';
export { normaliseShortCode, TOKEN_PATTERN } from './codes.js';
export { pdfDisposition, slipsPdfStream, type PrintableSlip, type SlipSheetInfo } from './pdf.js';
export { SlipsBody } from './slips.schemas.js';
export { assertPrintable } from './slips.errors.js';
