// Ballot records of a village meeting as the app stores them (src/ballots/ballot-record.ts, encodeCompact over the
// layout frozen at the open), each carrying its own number in the 其他意见 answer ("position-N-end") so that a test,
// and not an attacker, can tell which ballot a stored record is.
import { decodeRecord, encodeCompact, storedLayout, type RecordFormat } from '../../src/ballots/ballot-record.js';
import type { StoreJob } from '../../src/ballots/box-store.js';
import { decideBallot } from '../../src/domain/ballot.js';
import { ballotLayout } from '../../src/domain/ballot-record.js';
import { gradeChoices, questionsForMeeting, subjectsFor } from '../../src/domain/forms.js';
import { formById, villageSubjects } from './ballot-records.js';
import { seededRandom, villageMeeting } from './fixtures.js';

const forms = villageMeeting().formIds.map(formById);
const categories = ['leaders', 'members'];
export const villageFormat: RecordFormat = { layout: storedLayout(JSON.stringify(ballotLayout(forms, villageSubjects))), categories };
const layout = villageFormat.layout!;

/** A complete ballot, graded at random (seeded by `n`), with `n` in its comment. */
function rawBallot(n: number): Record<string, Record<string, unknown>> {
  const random = seededRandom(n + 1);
  const answers: Record<string, Record<string, unknown>> = {};
  for (const form of forms) {
    const out: Record<string, unknown> = {};
    for (const q of questionsForMeeting(form, villageSubjects)) {
      if (q.type === 'graded') {
        const grades = gradeChoices(form, q).map((g) => g.value);
        const pick = () => grades[Math.floor(random() * grades.length)]!;
        out[q.id] = q.subjects ? Object.fromEntries(subjectsFor(q, villageSubjects).map((s) => [s.id, pick()])) : pick();
      } else if (q.type === 'single' && q.required) out[q.id] = q.options[0]!.value;
      else if (q.type === 'multiple' && q.required) out[q.id] = [q.options[0]!.value];
    }
    answers[form.id] = out;
  }
  answers['village-annual-review']!.comments = `position-${n}-end`;
  return answers;
}

/** The compact record of ballot number `n`, and whether it is valid. */
export function villageRecord(n: number): { record: Buffer; valid: boolean } {
  const d = decideBallot({ forms, subjects: villageSubjects }, rawBallot(n), 'phone');
  if (d.kind !== 'accept') throw new Error(`ballot ${n} is refused: ${JSON.stringify(d.problems)}`);
  const record = encodeCompact(layout, categories, { category: [null, 'leaders', 'members'][n % 3]!, source: 'phone', answers: d.answers, valid: d.valid, breaches: d.breaches });
  return { record, valid: d.valid };
}

/** The job that stores ballot number `n` for the slip with `markerKey`. */
export function villageJob(meetingId: string, markerKey: Uint8Array, n: number, nonceHash: Uint8Array | null = null): StoreJob {
  const { record, valid } = villageRecord(n);
  return { meetingId, markerKey, nonceHash, recordSize: layout.recordSize, headSize: layout.headSize, valid, record };
}

/** The number a stored record carries. */
export function positionOf(record: Uint8Array): number {
  const comments = decodeRecord(record, villageFormat).answers['village-annual-review']!.comments as string;
  return Number(/position-(\d+)-end/.exec(comments)![1]);
}
