import { Type } from 'typebox';

export const AuditEntryView = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ description: 'ISO time of the admin action' }),
  actor: Type.String(),
  action: Type.String(),
  meetingId: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const AuditQuery = Type.Object(
  {
    meetingId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
    // Strings: the app does not coerce query types, so numbers arrive as text.
    limit: Type.Optional(Type.String({ pattern: '^(1000|[1-9][0-9]{0,2})$', description: '1 to 1000; default 500' })),
    beforeSeq: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,9}$' })),
  },
  { additionalProperties: false },
);

export const AuditChainView = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  firstBadSeq: Type.Union([Type.Integer(), Type.Null()]),
  headHash: Type.String(),
  message: Type.String(),
});
