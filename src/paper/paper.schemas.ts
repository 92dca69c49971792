import { Type } from 'typebox';
import { LIMITS } from '../config.js';
import { CastBody } from '../ballots/index.js';
import { SlipsBody } from '../slips/index.js';

export const PaperPrintBody = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: LIMITS.paperBallotsPerBatch }),
    category: SlipsBody.properties.category,
    reason: SlipsBody.properties.reason,
    confirmPublicUrl: SlipsBody.properties.confirmPublicUrl,
  },
  { additionalProperties: false },
);

export const PaperKeyInBody = Type.Object(
  {
    /** The short code printed on the sheet (XXXX-XXXX-XXXX; case, spaces, O/I/L forgiven) or its token. */
    code: Type.String({ minLength: 1, maxLength: 64 }),
    answers: CastBody.properties.answers,
  },
  { additionalProperties: false },
);
