import { Type } from 'typebox';
import { LIMITS } from '../config.js';
import { VoidStamp } from '../meetings/index.js';
import { ReasonText } from '../shared/reasons.js';
import { Flag } from '../shared/schemas.js';

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

export const MinimumBody = Type.Object(
  {
    minRespondents: Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.people }), Type.Null()], { description: 'null returns to the rule of the meeting kind' }),
    reason: ReasonText,
  },
  { additionalProperties: false },
);

export const LiveTicket = Type.Object({
  ticket: Type.String(),
  expiresAt: Type.String({ description: 'ISO time; open the stream before then' }),
  streamUrl: Type.String({ description: 'relative URL of the event stream, ticket included' }),
});

export const TurnoutView = Type.Object({
  status: Type.String(),
  signedIn: NullableInt,
  interviews: NullableInt,
  minRespondents: NullableInt,
  slipsIssued: Type.Integer(),
  slipsUsed: Type.Integer(),
  slipsVoided: Type.Integer(),
  ballotsCast: Type.Integer(),
  ballotsValid: Type.Integer(),
  meetsMinimum: Type.Boolean(),
  allSignedInVoted: Type.Boolean({ description: '全部签到人员已投票: the exact ballots cast equal the sign-in count; one boolean, never a count (see README, "Live progress")' }),
  minInterviews: NullableInt,
  minimumSource: Type.Union(['override', 'kind', 'staff-count', 'signed-in', 'unknown', 'none'].map((s) => Type.Literal(s))),
  minimumRule: Type.Optional(Type.String({ description: 'the rule that set the minimum, in Chinese, naming the document by its title' })),
  minOverrideReason: Type.Union([Type.String(), Type.Null()]),
  reconciles: Type.Boolean({ description: 'ballotsCast ≤ slipsIssued − slipsVoided' }),
  voidStamp: Type.Union([VoidStamp, Type.Null()]),
  coarsened: Type.Boolean({ description: 'true while the poll is open: counts moved by voters are rounded down to a multiple of 5 and refreshed every 10 s' }),
  flags: Type.Array(Flag),
});

const CategoryView = Type.Union([Type.Object({ key: Type.String(), label: Type.String() }), Type.Null()]);

export const BatchesView = Type.Object({
  coarsened: Type.Boolean(),
  batches: Type.Array(
    Type.Object({
      batchId: Type.String(),
      category: CategoryView,
      count: Type.Integer(),
      firstSerial: Type.Integer(),
      lastSerial: Type.Integer(),
      createdAt: Type.String(),
      createdBy: Type.String(),
      used: Type.Integer(),
      voided: Type.Integer(),
    }),
  ),
});
