import { Type } from 'typebox';
import { LIMITS } from '../config.js';
import { ReasonText } from '../shared/reasons.js';
import { MEETING_KINDS } from '../domain/turnout.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });
export const MeetingKind = Type.Union([
  Type.Literal('village'),
  Type.Literal('community'),
  Type.Literal('township-dept'),
  Type.Literal('county'),
  Type.Literal('city-dept'),
  Type.Literal('other'),
]);
// Keep the schema and the domain list in step.
MEETING_KINDS satisfies ReadonlyArray<(typeof MeetingKind)['anyOf'][number]['const']>;
/** `candidate`: a person a nomination lists (后备干部人选, seed 003); never rated. */
export const SubjectKind = Type.Union([Type.Literal('organisation'), Type.Literal('team'), Type.Literal('person'), Type.Literal('candidate')]);
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
/** The 无效 stamp of a tally below its minimum. */
export const VoidStamp = Type.Object({ label: Type.Literal('无效'), minRespondents: Type.Integer(), ballotsCast: Type.Integer(), text: Type.String() });

const CategoriesInput = Type.Array(
  Type.Object(
    { key: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }), label: Type.String({ minLength: 1, maxLength: 30 }), weight: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) },
    { additionalProperties: false },
  ),
  { maxItems: 10 },
);
const FormIdsInput = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 20 });

export const CreateMeetingBody = Type.Object(
  {
    title: Name,
    unit: Name,
    kind: MeetingKind,
    formIds: FormIdsInput,
    subjects: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 50 }),
          kind: SubjectKind,
          title: Type.Optional(Type.String({ maxLength: 50 })),
          isHead: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      { maxItems: 300 },
    ),
    categories: Type.Optional(CategoriesInput),
    minRespondents: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    minReason: Type.Optional(Type.String({ maxLength: 500 })),
    smallUnitExcellentException: Type.Optional(
      Type.Boolean({ description: 'allow one 优秀 per ballot where 20 % of the cadres listed is less than one (off by default; the ballot says so)' }),
    ),
    pointMaps: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Record(Type.String({ maxLength: 64 }), Type.Record(Type.String({ maxLength: 32 }), Type.Number({ minimum: 0, maximum: 100 }))), {
        description: "the meeting's own points: form id → scale id → grade value → points (0–100), replacing the template's (local conventions)",
      }),
    ),
    staffCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    assessorIds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const MeetingView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  unit: Type.String(),
  kind: MeetingKind,
  kindLabel: Type.String(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('open'), Type.Literal('closed')]),
  minRespondents: NullableInt,
  minOverrideReason: Type.Union([Type.String(), Type.Null()]),
  smallUnitExcellentException: Type.Optional(Type.Boolean()),
  pointMaps: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Record(Type.String(), Type.Number())))),
  staffCount: NullableInt,
  signedIn: NullableInt,
  interviews: NullableInt,
  formIds: Type.Array(Type.String()),
  subjects: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: SubjectKind, title: Type.Union([Type.String(), Type.Null()]), isHead: Type.Boolean() })),
  categories: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), weight: Type.Number() })),
  assessorIds: Type.Array(Type.String()),
  createdAt: Type.String(),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  closedBy: Type.Union([Type.String(), Type.Null()]),
  publishedBallots: Type.Union([Type.Integer(), Type.Null()], { description: 'ballots in the last publication of the results (null: none yet); a reopen then needs an admin' }),
});

/**
 * The body of POST /open and /close: optional. No body, `{}` and (to reopen) `{reason}` are all accepted; a plain
 * `curl -X POST` sends no body at all.
 */
export const PollActionBody = Type.Object({ reason: Type.Optional(ReasonText) }, { additionalProperties: false });

export const AttendanceBody = Type.Object(
  { signedIn: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.people })), interviews: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.people })) },
  { additionalProperties: false, minProperties: 1 },
);

export const AssessorsBody = Type.Object({ assessorIds: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 }) }, { additionalProperties: false });

const SubjectInput = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'an existing subject (kept with its id); absent for a new one' })),
    name: Type.String({ minLength: 1, maxLength: 50 }),
    kind: SubjectKind,
    title: Type.Optional(Type.Union([Type.String({ maxLength: 50 }), Type.Null()])),
    isHead: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * PATCH /api/meetings/:id: edit a draft. Every field is optional; `subjects` and `categories` replace the lists
 * (a subject given with its id keeps it). `minRespondents: null` goes back to the kind's rule.
 */
export const EditMeetingBody = Type.Object(
  {
    title: Type.Optional(Name),
    unit: Type.Optional(Name),
    kind: Type.Optional(MeetingKind),
    formIds: Type.Optional(FormIdsInput),
    subjects: Type.Optional(Type.Array(SubjectInput, { maxItems: 300 })),
    categories: Type.Optional(CategoriesInput),
    minRespondents: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100000 }), Type.Null()])),
    minReason: Type.Optional(Type.String({ maxLength: 500 })),
    staffCount: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100000 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** PATCH /api/meetings/:id/subjects/:subjectId: a spelling fix of a name or 职务; once the poll has opened, with a reason. */
export const CorrectSubjectBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    title: Type.Optional(Type.Union([Type.String({ maxLength: 50 }), Type.Null()])),
    reason: Type.Optional(ReasonText),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const SubjectParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), subjectId: Type.String({ minLength: 1, maxLength: 64 }) });

export const DeletedMeeting = Type.Object({ deleted: Type.Literal(true), id: Type.String(), message: Type.String() });
