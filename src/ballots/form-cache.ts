// The voter's form, kept ready to send. Every voter of a meeting (and category) gets the same form, and a hall of
// phones asks for it at once: building, serialising and brotli-compressing it for each of them cost ~0.2 ms of
// brotli alone per GET (an 8.7 KB form). Here it is serialised once per (meeting, version, category) and each
// compressed form made once, on first need, so a voter's GET costs its slip's checks plus sending bytes.
//
// The key is the meeting's id and version as read for this very slip (MeetingRecord, cached by version): every
// edit of a meeting bumps its version (meetings.repository.ts), so an edited form is rebuilt on the next GET, and
// one meeting's form is never found under another's id.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type FormEncoding = 'br' | 'gzip' | 'identity';

/**
 * The coding to send, from Accept-Encoding: brotli or gzip, whichever the client rates higher (brotli on a tie,
 * `*` standing for either, `x-gzip` for gzip); identity when it accepts neither (or the header is absent).
 */
export function preferredEncoding(header: string | string[] | undefined): FormEncoding {
  if (header === undefined) return 'identity';
  let br: number | undefined;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of (Array.isArray(header) ? header.join(',') : header).toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim());
    let q = 1;
    for (const p of params) {
      if (!p.startsWith('q=')) continue;
      // A quality that cannot be read does not make a coding acceptable.
      q = /^q=[0-9.]+$/.test(p) ? Number(p.slice(2)) : 0;
      if (!(q >= 0 && q <= 1)) q = 0;
    }
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (name === '*') any = q;
  }
  const qBr = br ?? any ?? 0;
  const qGzip = gzip ?? any ?? 0;
  if (qBr <= 0 && qGzip <= 0) return 'identity';
  return qBr >= qGzip ? 'br' : 'gzip';
}

/**
 * Brotli at its best quality: made once per form, ~8 ms for the village form (8.9 KB → 1.5 KB, against 1.9 KB at
 * the quality 4 used for live compression) and ~24 ms for a form of 200 subjects (75 KB → 3.8 KB).
 */
const brotli = (body: Buffer) => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });

/** One form: its serialised body and its compressed forms, each made on first need. */
export class EncodedForm {
  private br: Buffer | undefined;
  private gzip: Buffer | undefined;
  readonly identity: Buffer;

  constructor(body: string | Uint8Array | ArrayBuffer) {
    this.identity = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body);
  }

  bytes(encoding: FormEncoding): Buffer {
    switch (encoding) {
      case 'br':
        return (this.br ??= brotli(this.identity));
      case 'gzip':
        return (this.gzip ??= gzipSync(this.identity, { level: 9 }));
      case 'identity':
        return this.identity;
    }
  }
}

/** How many meetings keep their forms (the least recently asked for goes first); a meeting has one form per category. */
export const FORM_CACHE_MEETINGS = 16;

export interface FormKey {
  meetingId: string;
  version: number;
  /** The slip's category key, or null for a slip without one. */
  category: string | null;
}

export class VoterFormCache {
  private readonly byMeeting = new Map<string, { version: number; forms: Map<string | null, EncodedForm> }>();

  constructor(private readonly maxMeetings = FORM_CACHE_MEETINGS) {}

  /** The form for `key`; `serialise` makes its body when it is not kept (first ask, or the meeting has changed). */
  get(key: FormKey, serialise: () => string | Uint8Array | ArrayBuffer): EncodedForm {
    let entry = this.byMeeting.get(key.meetingId);
    if (entry && entry.version > key.version) {
      // A record older than the one kept (cannot happen while reading the version and building are synchronous):
      // answered, not kept.
      return new EncodedForm(serialise());
    }
    if (!entry || entry.version !== key.version) entry = { version: key.version, forms: new Map() };
    // Most recently used last: Map keeps insertion order.
    this.byMeeting.delete(key.meetingId);
    this.byMeeting.set(key.meetingId, entry);
    if (this.byMeeting.size > this.maxMeetings) this.byMeeting.delete(this.byMeeting.keys().next().value!);
    let form = entry.forms.get(key.category);
    if (!form) entry.forms.set(key.category, (form = new EncodedForm(serialise())));
    return form;
  }

  /** Meetings kept, for tests. */
  get size(): number {
    return this.byMeeting.size;
  }
}
