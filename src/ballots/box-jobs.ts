// What both ballot boxes (./ballot-box.ts on SQLite, ./ballot-box.pg.ts on PostgreSQL) do alike with a ballot handed
// to them, and the errors a voter is told when it cannot be stored.
import { AppError } from '../shared/errors.js';
import { encodeRecord, RecordTooLarge } from './ballot-record.js';
import type { CastJob } from './box.js';

export const boxErrors = {
  recordTooLarge: () => new AppError(422, 'BALLOT_TOO_LARGE', '选票内容超出本次测评允许的长度，请精简文字后再提交'),
  closing: () => new AppError(503, 'SERVER_CLOSING', '服务器正在关闭，请稍后重新提交'),
  failed: (message: string) => new AppError(503, 'BALLOT_BOX_UNAVAILABLE', `选票暂时无法保存，请稍后重新提交（${message}）`),
};

/**
 * The bytes a job's ballot is stored as: its compact record, or the older JSON record at the meeting's slot size.
 * Throws BALLOT_TOO_LARGE (422) when the ballot does not fit.
 */
export function jobRecord(job: CastJob): Buffer {
  try {
    if (job.record && job.record.length !== job.recordSize) throw new Error('ballot box: a record does not fit its slots');
    return job.record ?? encodeRecord(job.recordSize, job.ballot);
  } catch (err) {
    throw err instanceof RecordTooLarge ? boxErrors.recordTooLarge() : err;
  }
}
