import { Type } from 'typebox';
import { LIMITS } from '../config.js';
import { ReasonText } from '../shared/reasons.js';

export const SlipsBody = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: LIMITS.slipsPerBatch }),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    /** Required when the meeting's slips would pass the cap (LIMITS.slipsPerPerson); audited. */
    reason: Type.Optional(ReasonText),
    /** To print slips whose QR codes point at this machine (a loopback PUBLIC_URL): that very address. */
    confirmPublicUrl: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);


const CategoryView = Type.Union([Type.Object({ key: Type.String(), label: Type.String() }), Type.Null()]);

export const IssuedSlipsView = Type.Object({
  batchId: Type.String(),
  tokens: Type.Array(Type.String()),
  urls: Type.Array(Type.String()),
  shortCodes: Type.Array(Type.String()),
  serials: Type.Array(Type.Integer()),
  category: CategoryView,
});

export const VoidBody = Type.Object(
  {
    serials: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: LIMITS.slipsPerBatch, uniqueItems: true })),
    shortCodes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 1000 })),
    batchId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const VoidView = Type.Object({
  voided: Type.Array(Type.Integer(), { description: 'serials voided now' }),
  alreadyVoided: Type.Array(Type.Integer()),
  usedKept: Type.Integer({ description: 'always 0: whether a slip has voted is not known from its serial (a ballot already cast stays counted)' }),
  message: Type.String(),
});
