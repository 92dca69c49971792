import { Type } from 'typebox';

export const FormSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  seed: Type.String({ description: 'the source document, for programs; people see `document`' }),
  document: Type.String({ description: 'the source document by its own title' }),
  questionCount: Type.Integer(),
  subjectKinds: Type.Array(Type.String()),
});

export const FormIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
