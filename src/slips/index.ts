// What other modules may use of slips. Hashing, the token wrap and the slip rows stay private.
export { findSlipByCredential, isSlipVoided, legacyMarkerKey, type SlipRef } from './credentials.js';
export { countSlipRows, forgetLegacyUse, legacySlips, pendingMarkersAfter, type PendingMarker } from './slips.repository.js';
