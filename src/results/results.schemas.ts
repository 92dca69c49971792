import { Type } from 'typebox';
import { TurnoutView } from '../turnout/index.js';
import { Flag } from '../shared/schemas.js';

const Counts = Type.Record(Type.String(), Type.Number());
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const Stats = {
  answered: Type.Integer(),
  counts: Counts,
  shares: Counts,
  meanPoints: NullableNumber,
  favourableRate: NullableNumber,
};

export const ResultsView = Type.Object({
  meetingId: Type.String(),
  title: Type.String(),
  unit: Type.String(),
  status: Type.String(),
  meetsMinimum: Type.Boolean(),
  minRespondents: Type.Union([Type.Integer(), Type.Null()]),
  flags: Type.Array(Flag),
  turnout: TurnoutView,
  ballots: Type.Object({ cast: Type.Integer(), valid: Type.Integer(), invalid: Type.Integer() }),
  invalidReasons: Type.Array(Type.Object({ formId: Type.String(), ruleId: Type.String(), message: Type.String(), ballots: Type.Integer() }), {
    description: 'invalid ballots by the rule they break',
  }),
  byCategory: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), weight: Type.Number(), ballots: Type.Integer() })),
  breakdownShown: Type.Boolean(),
  uncategorised: Type.Integer({ description: 'valid ballots from slips issued without a category' }),
  weightedWithheld: Type.Boolean({ description: 'always false: the weighted mean is always shown (kept for existing readers)' }),
  pooledWithheld: Type.Boolean({
    description: 'a respondent group under 5 answered beside another: per-grade counts, shares, plain means and 好评率 are withheld (empty / null) so that the group cannot be solved for from them and the weighted mean',
  }),
  notes: Type.Array(Flag, { description: 'why a breakdown or the weighted means are not shown, and similar' }),
  forms: Type.Array(
    Type.Object({
      formId: Type.String(),
      title: Type.String(),
      scoreScale: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'the one scale a score from this form averages over' })),
      questions: Type.Array(
        Type.Object({
          questionId: Type.String(),
          type: Type.String(),
          text: Type.String(),
          scale: Type.Optional(Type.String()),
          answered: Type.Integer(),
          subjects: Type.Optional(
            Type.Array(
              Type.Object({
                subjectId: Type.String(),
                name: Type.String(),
                ...Stats,
                weightedMeanPoints: NullableNumber,
                byCategory: Type.Optional(Type.Array(Type.Object({ category: Type.String(), ...Stats }))),
                flags: Type.Array(Flag),
              }),
            ),
          ),
          counts: Type.Optional(Counts),
          meanPoints: Type.Optional(NullableNumber),
          weightedMeanPoints: Type.Optional(NullableNumber),
          favourableRate: Type.Optional(NullableNumber),
          writeIns: Type.Optional(Counts),
          nominees: Type.Optional(
            Type.Array(
              Type.Object({ name: Type.String(), value: Type.Union([Type.String(), Type.Null()]), writeIn: Type.Boolean(), votes: Type.Integer(), rate: NullableNumber }),
              { description: 'nominations: every person nominated (listed or written in, grouped by name), most votes first; rate = votes ÷ valid ballots' },
            ),
          ),
        }),
      ),
    }),
  ),
});
