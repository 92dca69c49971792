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
  weightedWithheld: Type.Boolean({ description: 'weighted means withheld (null): a respondent group under 5 could be solved for' }),
  notes: Type.Array(Flag, { description: 'why a breakdown or the weighted means are not shown, and similar' }),
  forms: Type.Array(
    Type.Object({
      formId: Type.String(),
      title: Type.String(),
      questions: Type.Array(
        Type.Object({
          questionId: Type.String(),
          type: Type.String(),
          text: Type.String(),
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
        }),
      ),
    }),
  ),
});
