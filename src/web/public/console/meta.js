// The words the console shows for meeting kinds, minimum rules, statuses, subject kinds and audit actions: read
// once from GET /api/meta, so that the screens say exactly what the server's rules and reports say.
import { api } from './session.js';

let meta = null;

export async function loadMeta() {
  if (!meta) meta = await api('GET', '/api/meta');
  return meta;
}

export const metaLoaded = () => meta !== null;
export const forgetMeta = () => void (meta = null);

export const meetingKinds = () => meta.meetingKinds;
export const kindOf = (kind) => meta.meetingKinds.find((k) => k.kind === kind) || { kind, label: kind, minimum: null, minimumRule: '', interviewMinimum: null, interviewRule: '' };
export const statusLabel = (status) => meta.meetingStatuses[status] || status;
export const subjectKinds = () => meta.subjectKinds;
export const subjectKindLabel = (kind) => (meta.subjectKinds.find((k) => k.kind === kind) || { label: kind }).label;
export const actionLabel = (action) => meta.auditActions[action] || action;
export const categoryPresets = () => meta.categoryPresets;
/** The address printed slips point at, and whether phones can reach it (not when it names this machine). */
export const publicUrl = () => ({ url: meta.publicUrl, loopback: meta.publicUrlIsLoopback });
