import { Type } from 'typebox';

export const CredentialParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 64 }) });

const Option = Type.Object({ value: Type.String(), label: Type.String() });
export const QuestionView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  text: Type.String(),
  required: Type.Boolean(),
  section: Type.Union([Type.String(), Type.Null()]),
  help: Type.Union([Type.String(), Type.Null()]),
  scale: Type.Optional(Type.Array(Type.Object({ value: Type.String(), label: Type.String(), points: Type.Union([Type.Number(), Type.Null()]) }))),
  subjects: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String(), title: Type.Union([Type.String(), Type.Null()]) }))),
  options: Type.Optional(Type.Array(Option)),
  maxChoices: Type.Optional(Type.Integer()),
  maxLength: Type.Optional(Type.Integer()),
  maxNominations: Type.Optional(Type.Integer()),
  allowWriteIn: Type.Optional(Type.Boolean()),
});
export const BallotFormView = Type.Object({
  meeting: Type.Object({ title: Type.String(), unit: Type.String() }),
  category: Type.Union([Type.Object({ key: Type.String(), label: Type.String() }), Type.Null()]),
  forms: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      description: Type.Union([Type.String(), Type.Null()]),
      questions: Type.Array(QuestionView),
      rules: Type.Array(
        Type.Object({
          id: Type.String(),
          grade: Type.String(),
          message: Type.String(),
          policy: Type.String(),
          questions: Type.Array(Type.Object({ questionId: Type.String(), maxCount: Type.Integer() })),
        }),
      ),
    }),
  ),
});

export const CastBody = Type.Object(
  {
    answers: Type.Record(Type.String({ maxLength: 64 }), Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
    /** Random, chosen by the phone for this ballot; lets a retry be told "counted". */
    nonce: Type.Optional(Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

export const CountedAgainView = Type.Object({ status: Type.Literal('counted'), alreadyCounted: Type.Literal(true), message: Type.String() });
export const CountedView = Type.Object({ status: Type.Literal('counted'), alreadyCounted: Type.Literal(false), valid: Type.Boolean(), message: Type.String() });
