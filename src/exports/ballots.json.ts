// ballots.json: every ballot, anonymised and shuffled, with the validity of the meeting's tally, to recount.
import type { ExportData } from './export-data.js';
import { anonymisedBallots } from './ballots.anonymised.js';
import { validityLine } from './results.table.js';

export function renderBallotsJson(data: ExportData): Buffer {
  const r = data.results;
  const v = validityLine(r);
  const ballots = anonymisedBallots(data);
  const doc = {
    meetingId: r.meetingId,
    title: r.title,
    unit: r.unit,
    valid: v.valid,
    validity: v.text,
    minRespondents: r.minRespondents,
    flags: r.flags,
    notes: r.notes,
    ballotCounts: r.ballots,
    categoryShown: ballots.some((b) => b.category !== null),
    note: '原始选票（匿名），每次导出顺序随机；不含票号、时间和来源。类别仅在每个类别均不少于 5 票时给出。',
    ballots,
  };
  return Buffer.from(JSON.stringify(doc, null, 2), 'utf8');
}
