import { Type } from 'typebox';

export const FormSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  seed: Type.String(),
  questionCount: Type.Integer(),
  subjectKinds: Type.Array(Type.String()),
});

export const FormIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
