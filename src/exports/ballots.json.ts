// ballots.json: every ballot, anonymised and shuffled, with the validity of the meeting's tally, to recount.
// Written a page of ballots at a time, byte for byte what JSON.stringify(document, null, 2) gives for the whole
// document, so that a file of 100,000 ballots (436 MB) never sits in memory. A compact record naming no breached
// rule (nearly every ballot) is written straight from its bytes (domain/ballot-json.ts); any other is decoded
// and stringified.
import { decodeRecord } from '../ballots/index.js';
import { answersJsonWriter, ByteSink, indentedJson } from '../domain/ballot-json.js';
import type { ExportData, ReadOptions } from './export-data.js';
import { anonymisedBallots, plainRecordHeader } from './ballots.anonymised.js';
import { validityLine } from './results.table.js';

/** The `ballots` member closes the document; each ballot is an item at depth 2, its members at depth 3. */
const EMPTY_TAIL = '[]\n}';
const FIRST_ITEM = '[\n    ';
const NEXT_ITEM = ',\n    ';
const LAST_ITEM = '\n  ]\n}';
const BALLOT_DEPTH = 2;
/** The size of the parts handed to the response (see ByteSink). */
const CHUNK_BYTES = 1 << 20;
const chunk = (sink: ByteSink) => {
  const bytes = sink.take();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
};
const ANSWERS_DEPTH = 3;

/** Fragments as plain Uint8Arrays (ByteSink.put copies those fastest). */
const encoder = new TextEncoder();
const utf8 = (s: string) => encoder.encode(s);

export function renderBallotsJson(data: ExportData, options: ReadOptions = {}): AsyncIterable<Buffer> {
  const r = data.results;
  const v = validityLine(r);
  const raw = anonymisedBallots(data, options);
  const doc = {
    meetingId: r.meetingId,
    title: r.title,
    unit: r.unit,
    valid: v.valid,
    validity: v.text,
    minRespondents: r.minRespondents,
    flags: r.flags,
    notes: r.notes,
    ballotCounts: r.ballots,
    categoryShown: raw.categoryShown,
    note: '原始选票（匿名），每次导出顺序随机；不含票号、时间和来源。类别仅在每个类别均不少于 5 票时给出。',
    ballots: [],
  };
  const whole = JSON.stringify(doc, null, 2);
  if (!whole.endsWith(EMPTY_TAIL)) throw new Error('ballots.json: the ballots are not the last member');
  const head = utf8(whole.slice(0, -EMPTY_TAIL.length) + FIRST_ITEM);
  const next = utf8(NEXT_ITEM);

  // A ballot written from its bytes: {"category", "valid", "invalidReasons": [] (it names no breach), "answers"}.
  const writer = raw.format.layout ? answersJsonWriter(raw.format.layout, ANSWERS_DEPTH) : undefined;
  const member = (name: string) => `\n${'  '.repeat(BALLOT_DEPTH + 1)}${JSON.stringify(name)}: `;
  const opening = new Map<string | null, Uint8Array>();
  const openBallot = (category: string | null) => {
    let bytes = opening.get(category);
    if (!bytes) opening.set(category, (bytes = utf8(`{${member('category')}${JSON.stringify(category)},${member('valid')}`)));
    return bytes;
  };
  const validity = (valid: boolean) => utf8(`${valid},${member('invalidReasons')}[],${member('answers')}`);
  const [valid, invalid] = [validity(true), validity(false)];
  const closeBallot = utf8(`\n${'  '.repeat(BALLOT_DEPTH)}}`);

  return (async function* () {
    let first = true;
    const sink = new ByteSink(CHUNK_BYTES + (64 << 10));
    for await (const page of raw.pages) {
      for (const record of page) {
        sink.put(first ? head : next);
        first = false;
        const h = writer && plainRecordHeader(raw.format, record);
        if (writer && h) {
          const key = h.category === null ? null : (raw.format.categories[h.category] ?? null);
          sink.put(openBallot(raw.shownCategory(key)));
          sink.put(h.valid ? valid : invalid);
          writer.write(sink, record, 0);
          sink.put(closeBallot);
        } else sink.text(indentedJson(raw.anonymise(decodeRecord(record, raw.format)), BALLOT_DEPTH));
        if (sink.size >= CHUNK_BYTES) yield chunk(sink);
      }
    }
    if (sink.size > 0) yield chunk(sink);
    yield Buffer.from(first ? whole : LAST_ITEM, 'utf8');
  })();
}
