import type { Db } from '../db/client.js';
import { tallyMeeting, type Tally } from '../domain/tally.js';
import type { Flag } from '../domain/tally.js';
import type { FormCatalog } from '../forms/forms.catalog.js';
import { meetingBallots } from '../ballots/ballots.repository.js';
import { meetingForms, turnoutOf, type Turnout } from '../meetings/meetings.usecases.js';
import type { MeetingRecord } from '../meetings/meetings.repository.js';

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

/** Tallies a meeting from its stored ballots, with the turnout facts and flags every view must show. */
export function tallyResults({ db, forms }: { db: Db; forms: FormCatalog }, rec: MeetingRecord): MeetingResults {
  // Read ballots and counts in one read transaction so the tally and the turnout agree.
  return db.transaction(() => {
    const turnout = turnoutOf({ db }, rec);
    const tally = tallyMeeting({
      forms: meetingForms(forms, rec.meeting.formIds),
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
