import { databaseKey, transaction, type Conn, type Db } from '../db/client.js';
import { countersFromRecords, tallyMeeting, type Tally, type TallyBallot, type TallyCounters } from '../domain/tally.js';
import { countRecords } from '../domain/ballot-record.js';
import type { Flag } from '../domain/tally.js';
import type { FormCatalog } from '../forms/index.js';
import type { FormTemplate } from '../domain/forms.js';
import { ballotCounts, meetingBallots, meetingRecordFormat, meetingRecordHeads } from '../ballots/index.js';
import { loadMeeting, meetingForms, updateMeeting, type MeetingRecord } from '../meetings/index.js';
import { MIN_GROUP_SIZE } from '../domain/group-size.js';
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
 * Admits one publication of a meeting's results: the results view, an export, a closing report's archive. Any two
 * publications compared show how the ballots cast between them voted, so:
 * - none while the poll is open (two reads a moment apart would show the ballot cast in between; the tally waits
 *   for the close, as a paper count does);
 * - after a reopen, none that would differ from the last publication by fewer than MIN_GROUP_SIZE ballots: the
 *   late ballots stay stored, counted in the turnout, and are published once enough have gathered (a later reopen).
 * An admitted publication of a closed poll is recorded as the last one. A draft's empty results are not recorded.
 */
export async function admitPublication({ db }: { db: Conn }, rec: MeetingRecord): Promise<void> {
  const m = rec.meeting;
  if (m.status === 'open') throw resultsErrors.meetingOpen();
  if (m.status !== 'closed') return;
  const { cast } = await ballotCounts({ db }, m.id);
  const late = m.publishedBallots === null ? null : cast - m.publishedBallots;
  if (late !== null && late > 0 && late < MIN_GROUP_SIZE) throw resultsErrors.withheld(late);
  if (late !== 0) await updateMeeting({ db }, m.id, { publishedBallots: cast });
}

/**
 * Tallies a meeting from its stored ballots, with the turnout facts and flags every view must show. A caller
 * that needs the ballots too (the exports) reads them in its own transaction and passes them in.
 */
export async function tallyResults({ db, forms }: { db: Db; forms: FormCatalog }, rec: MeetingRecord, ballots?: Iterable<TallyBallot>): Promise<MeetingResults> {
  // Read ballots and counts in one read transaction so the tally and the turnout agree.
  return transaction(db, async () => {
    const turnout = await turnoutOf({ db }, rec);
    const subjects = rec.subjects.map((s) => ({ id: s.id, name: s.name, kind: s.kind, title: s.title }));
    const categories = rec.categories.map((c) => ({ key: c.key, label: c.label, weight: c.weight }));
    const compute = async (): Promise<Tally> => {
      const counted = ballots ? undefined : await countedRecords({ db }, rec, categories);
      return counted
        ? tallyMeeting({ forms: counted.forms, subjects, categories, counters: counted.counters })
        : tallyMeeting({ forms: meetingForms(forms, rec.meeting.formIds, rec.meeting.settings), subjects, categories, ballots: ballots ?? (await meetingBallots({ db }, rec.meeting.id)) });
    };
    // A closed poll's tally changes only with the meeting (its version) or its ballots (a reopen adds some).
    const tally = ballots === undefined && rec.meeting.status === 'closed' ? await cachedTally(db, rec.meeting.id, `${rec.meeting.version}:${turnout.ballotsCast}`, compute) : await compute();
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
  }, 'read');
}

const tallies = new WeakMap<object, Map<string, { key: string; tally: Tally }>>();

/** The tally of a closed meeting, computed once per key on this database connection. */
async function cachedTally(db: Db, meetingId: string, key: string, compute: () => Promise<Tally>): Promise<Tally> {
  let byMeeting = tallies.get(databaseKey(db));
  if (!byMeeting) tallies.set(databaseKey(db), (byMeeting = new Map()));
  const hit = byMeeting.get(meetingId);
  if (hit && hit.key === key) return hit.tally;
  const tally = await compute();
  byMeeting.set(meetingId, { key, tally });
  return tally;
}

/**
 * The tally's counters straight from a meeting's compact records, without decoding a ballot: possible when the
 * meeting has its layout and every stored record is in it. Undefined otherwise (a meeting whose ballots, or some
 * of them, were stored in the older format before its layout was frozen): those are tallied from decoded ballots.
 */
async function countedRecords({ db }: { db: Db }, rec: MeetingRecord, categories: Parameters<typeof countersFromRecords>[2]): Promise<{ forms: FormTemplate[]; counters: TallyCounters } | undefined> {
  const { layout } = await meetingRecordFormat({ db }, rec.meeting.id);
  if (!layout) return undefined;
  const heads = await meetingRecordHeads({ db }, rec.meeting.id, layout);
  if (!heads) return undefined;
  return { forms: layout.forms, counters: countersFromRecords(layout, countRecords(layout, heads, { stride: 'head' }), categories) };
}

/** GET /results: the tally of a meeting that is not open. */
export async function meetingResults(deps: { db: Db; forms: FormCatalog }, meetingId: string): Promise<MeetingResults> {
  return transaction(deps.db, async () => {
    const rec = await loadMeeting({ db: deps.db }, meetingId);
    await admitPublication({ db: deps.db }, rec);
    return tallyResults(deps, rec);
  });
}
