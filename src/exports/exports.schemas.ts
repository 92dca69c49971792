// Schemas of the export routes: the meeting id, and a file as the success response.
import { Type } from 'typebox';

export const ExportFile = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });
