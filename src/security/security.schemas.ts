import { Type } from 'typebox';

export const ClearedView = Type.Object({ cleared: Type.Integer({ description: 'lockouts lifted' }) });
