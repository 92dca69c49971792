// The audit module's public surface: other modules record entries and read a meeting's history.
export { recordAudit, listAudit, type AuditEntry, type AuditRow } from './audit.repository.js';
export { auditActionLabel, AUDIT_ACTION_LABELS } from './audit.labels.js';
