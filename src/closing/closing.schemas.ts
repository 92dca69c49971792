import { Type } from 'typebox';
import { VoidStamp } from '../meetings/index.js';
import { Flag } from '../shared/schemas.js';

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const ReportIdQuery = Type.Object({ reportId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })) }, { additionalProperties: false });

export const ClosingReport = Type.Object({
  format: Type.Literal('ceping-closing-report/1'),
  meeting: Type.Object({ id: Type.String(), title: Type.String(), unit: Type.String(), kind: Type.String(), kindLabel: Type.String(), subjects: Type.Integer(), formIds: Type.Array(Type.String()) }),
  closedBy: Type.String(),
  closedAt: Type.String(),
  verdict: Type.Union(['valid', 'void', 'check', 'unknown'].map((v) => Type.Literal(v))),
  verdictLabel: Type.String(),
  minimum: Type.Object({ minRespondents: NullableInt, source: Type.String(), rule: Type.String(), overrideReason: NullableString, met: Type.Boolean() }),
  voidStamp: Type.Union([VoidStamp, Type.Null()]),
  counts: Type.Object({
    signedIn: NullableInt,
    interviews: NullableInt,
    minInterviews: NullableInt,
    slipsIssued: Type.Integer(),
    slipsUsed: Type.Integer(),
    slipsVoided: Type.Integer(),
    slipsUnused: Type.Integer(),
    ballotsCast: Type.Integer(),
    ballotsValid: Type.Integer(),
    ballotsInvalid: Type.Integer(),
  }),
  reconciliation: Type.Object({
    slipsAvailable: Type.Integer(),
    ballotsCast: Type.Integer(),
    ballotsWithinSlips: Type.Boolean(),
    signedIn: NullableInt,
    ballotsWithinSignedIn: Type.Union([Type.Boolean(), Type.Null()]),
  }),
  flags: Type.Array(Flag),
  history: Type.Array(Type.Object({ at: Type.String(), actor: Type.String(), action: Type.String(), label: Type.String(), reason: NullableString, detail: NullableString })),
  voids: Type.Optional(
    Type.Array(Type.Object({ at: Type.String(), actor: Type.String(), count: Type.Integer(), serials: Type.String({ description: 'serial ranges, e.g. 1–3、7' }), reason: Type.String() }), {
      description: 'each voiding of slips with its reason; absent from reports written before this field existed',
    }),
  ),
  exports: Type.Array(
    Type.Object({
      name: Type.String(),
      filename: NullableString,
      contentType: NullableString,
      bytes: NullableInt,
      sha256: NullableString,
      covers: Type.String(),
      error: NullableString,
    }),
  ),
  hashNote: Type.String(),
});

export const ClosingReportView = Type.Object({
  id: Type.String(),
  meetingId: Type.String(),
  closedBy: Type.String(),
  closedAt: Type.String(),
  current: Type.Boolean({ description: 'false once the poll was reopened after this close' }),
  reportSha256: Type.String({ description: 'SHA-256 of the report JSON, also in the audit log' }),
  report: ClosingReport,
});

export const ClosingReportList = Type.Array(Type.Object({ id: Type.String(), closedAt: Type.String(), closedBy: Type.String() }));
