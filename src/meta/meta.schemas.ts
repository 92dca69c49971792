import { Type } from 'typebox';
import { MeetingKind, SubjectKind } from '../meetings/index.js';

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

export const MeetingKindInfo = Type.Object({
  kind: MeetingKind,
  label: Type.String(),
  minimum: Type.Union([Type.Integer(), Type.Null()], { description: 'the default minimum of respondents; null when it depends on the meeting' }),
  minimumRule: Type.String({ description: 'the rule behind the minimum, in words' }),
  needsStaffCount: Type.Boolean({ description: '部门站所: all staff take part, so the staff count is the minimum' }),
  needsOwnMinimum: Type.Boolean({ description: 'no rule: the meeting must state its own minimum and why' }),
  interviewMinimum: NullableInt,
  interviewRule: Type.String(),
  suggestedFormIds: Type.Array(Type.String(), { description: 'the forms usually used at this kind of meeting, listed first by the console' }),
});

export const Meta = Type.Object({
  publicUrl: Type.String({ description: 'the address printed slips point at (PUBLIC_URL)' }),
  publicUrlIsLoopback: Type.Boolean({ description: 'true when it names this machine: no phone can open it' }),
  meetingKinds: Type.Array(MeetingKindInfo),
  meetingStatuses: Type.Record(Type.String(), Type.String()),
  subjectKinds: Type.Array(Type.Object({ kind: SubjectKind, label: Type.String() })),
  auditActions: Type.Record(Type.String(), Type.String(), { description: 'audit action code → label in Chinese' }),
  categoryPresets: Type.Array(
    Type.Object({
      label: Type.String(),
      categories: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), weight: Type.Number() })),
    }),
  ),
});
