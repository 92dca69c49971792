import { Type } from 'typebox';

/** An exported file: sent as bytes, described for the OpenAPI document. */
export const ExportFile = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });
