import type { Db } from '../db/client.js';
import { tallyMeeting, type Tally } from '../domain/tally.js';
import type { Flag } from '../domain/tally.js';
import type { FormCatalog } from '../forms/forms.catalog.js';
import { meetingBallots } from '../ballots/ballots.repository.js';
import { meetingForms, turnoutOf, type Turnout } from '../meetings/meetings.usecases.js';
import type { MeetingRecord } from '../meetings/meetings.repository.js';
import { conflict } from '../shared/errors.js';

export interface MeetingResults extends Tally {
  meetingId: string;
  title: string;
  unit: string;
  status: string;
  meetsMinimum: boolean;
  minRespondents: number | null;
  turnout: Turnout;
  flags: Flag[];
}

/**
 * Results are read once the poll is closed (or before it opens, when they are empty). While it is open, two
 * reads a moment apart would show by their difference how the ballot cast in between voted — the very thing
 * the coarsened live turnout hides — so the tally and every export wait for the close, as a paper count does.
 */
export function assertResultsReadable(rec: MeetingRecord): void {
  if (rec.meeting.status === 'open') {
    throw conflict('MEETING_OPEN', '测评进行中，为保护投票人匿名（前后两次查看相比较会暴露新投选票的内容），请结束测评后再查看结果和导出');
  }
}

/** Tallies a meeting from its stored ballots, with the turnout facts and flags every view must show. */
export function tallyResults({ db, forms }: { db: Db; forms: FormCatalog }, rec: MeetingRecord): MeetingResults {
  // Read ballots and counts in one read transaction so the tally and the turnout agree.
  return db.transaction(() => {
    const turnout = turnoutOf({ db }, rec);
    const tally = tallyMeeting({
      forms: meetingForms(forms, rec.meeting.formIds, rec.meeting.settings),
      subjects: rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title })),
      categories: rec.categories.map((c) => ({ key: c.key, label: c.label, weight: c.weight })),
      ballots: meetingBallots({ db }, rec.meeting.id),
    });
    return {
      meetingId: rec.meeting.id,
      title: rec.meeting.title,
      unit: rec.meeting.unit,
      status: rec.meeting.status,
      meetsMinimum: turnout.meetsMinimum,
      minRespondents: turnout.minRespondents,
      turnout,
      flags: turnout.flags,
      ...tally,
    };
  });
}
