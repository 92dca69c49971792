import type { Db } from '../db/client.js';
import { tallyMeeting, type Tally, type TallyBallot } from '../domain/tally.js';
import type { Flag } from '../domain/tally.js';
import type { FormCatalog } from '../forms/index.js';
import { meetingBallots } from '../ballots/index.js';
import { loadMeeting, meetingForms, type MeetingRecord } from '../meetings/index.js';
import { turnoutOf, type Turnout } from '../turnout/index.js';
import { resultsErrors } from './results.errors.js';

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
    throw resultsErrors.meetingOpen();
  }
}

/**
 * Tallies a meeting from its stored ballots, with the turnout facts and flags every view must show. A caller
 * that needs the ballots too (the exports) reads them in its own transaction and passes them in.
 */
export function tallyResults({ db, forms }: { db: Db; forms: FormCatalog }, rec: MeetingRecord, ballots?: Iterable<TallyBallot>): MeetingResults {
  // Read ballots and counts in one read transaction so the tally and the turnout agree.
  return db.transaction(() => {
    const turnout = turnoutOf({ db }, rec);
    const tally = tallyMeeting({
      forms: meetingForms(forms, rec.meeting.formIds),
      subjects: rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title })),
      categories: rec.categories.map((c) => ({ key: c.key, label: c.label, weight: c.weight })),
      ballots: ballots ?? meetingBallots({ db }, rec.meeting.id),
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

/** GET /results: the tally of a meeting that is not open. */
export function meetingResults(deps: { db: Db; forms: FormCatalog }, meetingId: string): MeetingResults {
  const rec = loadMeeting({ db: deps.db }, meetingId);
  assertResultsReadable(rec);
  return tallyResults(deps, rec);
}
