// The fixed-size ballot record (src/domain/ballot-record.ts): sizes of every form in forms/, exact round trips of
// what decideBallot accepts (as properties), texts and write-in names at their longest, Chinese and astral
// characters, and clear errors for what cannot be recorded or read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BallotRecordError,
  ballotLayout,
  countRecords,
  decodeBallot,
  decodeRecords,
  encodeBallot,
  parseBallotLayout,
  RECORD_FORMAT,
  WRITE_IN_SLOT_BYTES,
  type BallotLayout,
  type RecordMeta,
} from '../../src/domain/ballot-record.js';
import { decideBallot, MAX_WRITE_IN, type BallotAnswers, type BallotSource } from '../../src/domain/ballot.js';
import { nominationOptions, questionsForMeeting, type FormTemplate } from '../../src/domain/forms.js';
import { allForms, arbRawBallot, formById, villageSubjects } from '../helpers/ballot-records.js';
import { villageMeeting } from '../helpers/fixtures.js';

const villageForms = villageMeeting().formIds.map(formById);

/** decideBallot keeps the voter's order of ticks; a record keeps the set, read back in the form's order. */
function canonical(forms: readonly FormTemplate[], answers: BallotAnswers): BallotAnswers {
  const out: BallotAnswers = {};
  for (const form of forms) {
    const fa = { ...answers[form.id] };
    for (const q of form.questions) {
      const a = fa[q.id];
      if (a === undefined) continue;
      if (q.type === 'multiple') fa[q.id] = q.options.map((o) => o.value).filter((v) => (a as string[]).includes(v));
      if (q.type === 'nomination') {
        const n = a as { options: string[]; writeIns: string[] };
        fa[q.id] = { options: nominationOptions(q, villageSubjects).map((o) => o.value).filter((v) => n.options.includes(v)), writeIns: n.writeIns };
      }
    }
    out[form.id] = fa;
  }
  return out;
}

const roundTrip = (forms: readonly FormTemplate[], layout: BallotLayout) =>
  fc.property(arbRawBallot(forms, villageSubjects), fc.constantFrom<BallotSource>('phone', 'paper'), fc.option(fc.nat(5), { nil: null }), (raw, source, category) => {
    const d = decideBallot({ forms, subjects: villageSubjects }, raw, source);
    if (d.kind !== 'accept') return;
    const bytes = encodeBallot(layout, d.answers, { valid: d.valid, source, category, breaches: d.breaches });
    expect(bytes.length).toBe(layout.recordSize);
    const back = decodeBallot(layout, bytes);
    expect(back).toEqual({ answers: canonical(forms, d.answers), valid: d.valid, source, category, breaches: d.breaches });
    // The same ballot always gives the same bytes: nothing in a record depends on when it was written.
    expect(encodeBallot(layout, back.answers, { valid: back.valid, source, category, breaches: back.breaches })).toEqual(bytes);
  });

describe('record sizes', () => {
  it('a village ballot (the three village forms, organisation + team + 7 members) counts in about 50 bytes', () => {
    const layout = ballotLayout(villageForms, villageSubjects);
    // Header 3, political construction 5 × 1 organisation, annual review 5 × (team + 7 members) = 40 and one
    // comment (2-byte length here, 500 characters × 4 bytes at the end), the secretary's report 1.
    expect(layout.headSize).toBe(3 + 5 + 40 + 2 + 1);
    expect(layout.recordSize).toBe(layout.headSize + 500 * 4);
  });

  it('states the size of every form in forms/ for the village meeting', () => {
    const sizes = Object.fromEntries([...allForms.values()].map((f) => [f.id, (({ headSize, recordSize }) => ({ headSize, recordSize }))(ballotLayout([f], villageSubjects))]));
    expect(sizes).toEqual({
      // 6 questions × 7 members + comment; 1 rule → 1 byte of breach bits.
      'county-cadre-evaluation': { headSize: 3 + 1 + 6 * 7 + 2, recordSize: 48 + 2000 },
      'county-team-evaluation': { headSize: 3 + 6 + 2, recordSize: 11 + 2000 },
      // 9 graded, 1 multiple of 5 options (1 byte), comment.
      'ecology-leader-questionnaire': { headSize: 3 + 9 + 1 + 2, recordSize: 15 + 2000 },
      'ecology-staff-questionnaire': { headSize: 3 + 9 + 1 + 2, recordSize: 15 + 2000 },
      // 1 single, 5 graded, 1 multiple of 6 options, comment.
      'public-gain-survey': { headSize: 3 + 1 + 5 + 1 + 2, recordSize: 12 + 2000 },
      'secretary-debrief-review': { headSize: 3 + 7, recordSize: 10 },
      'unit-democratic-evaluation': { headSize: 3 + 5 + 2, recordSize: 10 + 2000 },
      'village-annual-review': { headSize: 3 + 5 * 8 + 2, recordSize: 45 + 2000 },
      'village-political-construction': { headSize: 3 + 5, recordSize: 8 },
      // 2 candidates (1 byte of bits) and 3 write-in slots of 1 + 20 × 4 bytes.
      'village-reserve-nomination': { headSize: 3 + 1 + 3 * WRITE_IN_SLOT_BYTES, recordSize: 247 },
      'village-secretary-report': { headSize: 3 + 1, recordSize: 4 },
    });
    expect(allForms.size).toBe(Object.keys(sizes).length);
  });
});

describe('layout', () => {
  it('is deterministic, plain JSON, and reads back as it was stored', () => {
    const a = ballotLayout(villageForms, villageSubjects);
    const b = ballotLayout(villageForms, villageSubjects);
    expect(a).toEqual(b);
    const stored = JSON.stringify(a);
    expect(parseBallotLayout(stored)).toEqual(a);
    expect(parseBallotLayout(JSON.parse(stored))).toEqual(a);
  });

  it('its hash follows what the bytes mean (subjects, forms), not the names of the subjects', () => {
    const base = ballotLayout(villageForms, villageSubjects);
    const renamed = ballotLayout(villageForms, villageSubjects.map((s) => ({ ...s, name: `${s.name}（改）` })));
    expect(renamed.hash).toBe(base.hash);
    expect(ballotLayout(villageForms, villageSubjects.slice(0, -3)).hash).not.toBe(base.hash);
    expect(ballotLayout(villageForms.slice(0, 2), villageSubjects).hash).not.toBe(base.hash);
  });

  it('refuses a stored layout that does not match its own forms, or is not a layout', () => {
    const layout = ballotLayout(villageForms, villageSubjects);
    const tampered = JSON.parse(JSON.stringify(layout)) as BallotLayout;
    // A member left out of the stored subjects: the fields no longer match them.
    tampered.subjects = tampered.subjects.filter((s) => s.id !== 's3');
    expect(() => parseBallotLayout(tampered)).toThrow(BallotRecordError);
    expect(() => parseBallotLayout({ ...layout, hash: '0'.repeat(16) })).toThrow(/选票版式已损坏/);
    expect(() => parseBallotLayout('{"format":1')).toThrow(/选票版式已损坏/);
    expect(() => parseBallotLayout(null)).toThrow(/选票版式已损坏/);
  });
});

describe('round trip (properties)', () => {
  for (const form of allForms.values()) {
    it(`${form.id}: what decideBallot accepts reads back exactly`, () => {
      fc.assert(roundTrip([form], ballotLayout([form], villageSubjects)), { numRuns: 150 });
    });
  }

  it('the village meeting with every form at once', () => {
    const forms = [...allForms.values()];
    fc.assert(roundTrip(forms, ballotLayout(forms, villageSubjects)), { numRuns: 150 });
  });

  it('keeps rule breaches and their messages (a paper ballot over the 优秀 quota is recorded as invalid)', () => {
    const form = formById('county-cadre-evaluation');
    const layout = ballotLayout([form], villageSubjects);
    const members = villageSubjects.filter((s) => s.kind === 'person');
    const raw = { [form.id]: { 'cadre-overall': Object.fromEntries(members.map((s) => [s.id, 'excellent'])) } };
    const d = decideBallot({ forms: [form], subjects: villageSubjects }, raw, 'paper');
    expect(d).toMatchObject({ kind: 'accept', valid: false });
    if (d.kind !== 'accept') return;
    expect(d.breaches).toHaveLength(1);
    const back = decodeBallot(layout, encodeBallot(layout, d.answers, { valid: false, source: 'paper', category: null, breaches: d.breaches }));
    expect(back.breaches).toEqual(d.breaches);
    expect(back.breaches[0]!.message).toContain(`本票 ${members.length} 人`);
  });
});

describe('texts and names at their longest', () => {
  const allQuestions = [...allForms.values()].flatMap((form) => questionsForMeeting(form, villageSubjects).map((q) => ({ form, q })));

  it('every text question holds its maxLength in Chinese, in 4-byte characters and in ASCII', () => {
    const texts = allQuestions.filter(({ q }) => q.type === 'text');
    expect(texts.length).toBeGreaterThan(5);
    for (const { form, q } of texts) {
      if (q.type !== 'text') continue;
      const layout = ballotLayout([form], villageSubjects);
      for (const ch of ['意', '𠀀', 'a']) {
        const text = ch.repeat(q.maxLength);
        const bytes = encodeBallot(layout, { [form.id]: { [q.id]: text } }, { valid: true, source: 'phone', category: null });
        expect(bytes.length).toBe(layout.recordSize);
        expect(decodeBallot(layout, bytes).answers[form.id]![q.id]).toBe(text);
      }
      const tooLong = '意'.repeat(q.maxLength + 1);
      expect(() => encodeBallot(layout, { [form.id]: { [q.id]: tooLong } }, { valid: true, source: 'phone', category: null })).toThrow(`最多 ${q.maxLength} 字`);
    }
  });

  it('write-in names hold MAX_WRITE_IN characters each, every slot full; one more character is refused, also by decideBallot', () => {
    const form = formById('village-reserve-nomination');
    const layout = ballotLayout([form], villageSubjects);
    const names = ['𠀀', '欧', 'x'].map((ch) => ch.repeat(MAX_WRITE_IN));
    const answers = { [form.id]: { 'reserve-cadres': { options: [], writeIns: names } } };
    expect(decideBallot({ forms: [form], subjects: villageSubjects }, answers, 'phone')).toMatchObject({ kind: 'accept', answers });
    const back = decodeBallot(layout, encodeBallot(layout, answers, { valid: true, source: 'phone', category: 0 }));
    expect(back.answers).toEqual(answers);
    const long = { [form.id]: { 'reserve-cadres': { options: [], writeIns: ['欧'.repeat(MAX_WRITE_IN + 1)] } } };
    expect(() => encodeBallot(layout, long, { valid: true, source: 'phone', category: null })).toThrow(`每人不超过 ${MAX_WRITE_IN} 字`);
    expect(decideBallot({ forms: [form], subjects: villageSubjects }, long, 'phone')).toMatchObject({ kind: 'refuse' });
  });

  it('keeps Chinese punctuation, line breaks and a comment that looks like CSV or a formula as written', () => {
    const form = formById('village-annual-review');
    const layout = ballotLayout([form], villageSubjects);
    const comment = '希望班子“多为群众办实事”，\n=SUM(A1:A2),"逗号"；😀';
    const back = decodeBallot(layout, encodeBallot(layout, { [form.id]: { comments: comment } }, { valid: true, source: 'paper', category: 3 }));
    expect(back).toMatchObject({ answers: { [form.id]: { comments: comment } }, source: 'paper', category: 3 });
  });
});

describe('what cannot be recorded or read throws a clear error', () => {
  const form = formById('village-annual-review');
  const layout = ballotLayout(villageForms, villageSubjects);
  const meta: RecordMeta = { valid: true, source: 'phone', category: null };
  const team = villageSubjects.find((s) => s.kind === 'team')!.id;
  const q = form.questions[0]!.id;
  const cases: Array<[string, unknown, Partial<RecordMeta>, RegExp]> = [
    ['a form the meeting does not use', { 'county-team-evaluation': {} }, {}, /本次测评未使用的表/],
    ['an unknown question', { [form.id]: { nope: 'good' } }, {}, /未知的题目/],
    ['an unknown subject', { [form.id]: { [q]: { nobody: 'good' } } }, {}, /未知的测评对象/],
    ['a grade not on the scale', { [form.id]: { [q]: { [team]: 'splendid' } } }, {}, /不在评价等次内/],
    ['a graded answer that is not per subject', { [form.id]: { [q]: 'good' } }, {}, /应为对每个测评对象的评价/],
    ['an empty text', { [form.id]: { comments: '' } }, {}, /应为文字/],
    ['answers that are not an object', 'good', {}, /选票格式无效/],
    ['a category beyond one byte', {}, { category: 254 }, /测评类别无效/],
    ['a negative category', {}, { category: -1 }, /测评类别无效/],
    ['a breach of a rule the forms do not have', {}, { valid: false, breaches: [{ formId: form.id, ruleId: 'nope' }] }, /不在本次测评的规则内/],
  ];
  for (const [what, answers, extra, message] of cases) {
    it(`encode: ${what}`, () => {
      expect(() => encodeBallot(layout, answers as BallotAnswers, { ...meta, ...extra })).toThrow(message);
      expect(() => encodeBallot(layout, answers as BallotAnswers, { ...meta, ...extra })).toThrow(BallotRecordError);
    });
  }

  it('nomination: too many names, duplicates, and unlisted people', () => {
    const nom = formById('village-reserve-nomination');
    const l = ballotLayout([nom], villageSubjects);
    const enc = (a: unknown) => () => encodeBallot(l, { [nom.id]: { 'reserve-cadres': a } }, meta);
    expect(enc({ options: [], writeIns: ['甲', '乙', '丙', '丁'] })).toThrow(/最多另行推荐 3 人/);
    expect(enc({ options: ['c1', 'c1'], writeIns: [] })).toThrow(/重复的选项/);
    expect(enc({ options: ['s3'], writeIns: [] })).toThrow(/不在选项内/);
    expect(enc({ options: [], writeIns: [] })).toThrow(/未推荐任何人选/);
  });

  it('decode: a wrong length, an empty slot, an unknown grade byte, broken UTF-8', () => {
    const l = ballotLayout([form], villageSubjects);
    const good = encodeBallot(l, { [form.id]: { comments: '好' } }, meta);
    expect(() => decodeBallot(l, good.subarray(1))).toThrow(/选票记录已损坏（长度不符）/);
    expect(() => decodeBallot(l, new Uint8Array(l.recordSize))).toThrow(/该位置没有选票/);
    const badGrade = good.slice();
    badGrade[l.fields[0]!.offset] = 200;
    expect(() => decodeBallot(l, badGrade)).toThrow(/选票记录已损坏（等次）/);
    expect(() => countRecords(l, badGrade)).toThrow(/选票记录已损坏（等次）/);
    const badText = good.slice();
    const text = l.fields.find((f) => f.kind === 'text')!;
    if (text.kind !== 'text') throw new Error('no text field');
    badText[text.bodyOffset] = 0xff;
    expect(() => decodeBallot(l, badText)).toThrow(/选票记录已损坏/);
    const badFormat = good.slice();
    badFormat[0] = RECORD_FORMAT + 1;
    expect(() => decodeBallot(l, badFormat)).toThrow(/选票记录已损坏（格式）/);
  });

  it('decode and count: a broken write-in slot', () => {
    const nom = formById('village-reserve-nomination');
    const l = ballotLayout([nom], villageSubjects);
    const good = encodeBallot(l, { [nom.id]: { 'reserve-cadres': { options: [], writeIns: ['赵六'] } } }, meta);
    const slot = l.fields[0]!.offset + 1;
    const tooLong = good.slice();
    tooLong[slot] = WRITE_IN_SLOT_BYTES;
    const badUtf8 = good.slice();
    badUtf8[slot + 1] = 0xff;
    for (const bad of [tooLong, badUtf8]) {
      expect(() => decodeBallot(l, bad)).toThrow(/选票记录已损坏（另行推荐）/);
      expect(() => countRecords(l, bad)).toThrow(/选票记录已损坏（另行推荐）/);
    }
  });
});

describe('streaming many records', () => {
  const forms = [...villageForms, formById('village-reserve-nomination')];
  const layout = ballotLayout(forms, villageSubjects);

  const ballotsArb = fc.array(
    fc.tuple(arbRawBallot(forms, villageSubjects), fc.boolean()).map(([raw, empty]) => {
      const d = decideBallot({ forms, subjects: villageSubjects }, raw, 'paper');
      return empty || d.kind !== 'accept' ? null : d;
    }),
    { maxLength: 30 },
  );

  it('decodeRecords yields every stored ballot once, skipping empty slots, from one buffer, from chunks, and shuffled', () => {
    fc.assert(
      fc.property(ballotsArb, fc.integer({ min: 1, max: 7 }), (slots, chunkSize) => {
        const buffer = new Uint8Array(slots.length * layout.recordSize);
        slots.forEach((d, i) => {
          if (d) buffer.set(encodeBallot(layout, d.answers, { valid: d.valid, source: 'paper', category: i % 3 === 0 ? null : 1, breaches: d.breaches }), i * layout.recordSize);
        });
        const expected = slots.flatMap((d) => (d ? [canonical(forms, d.answers)] : []));
        expect([...decodeRecords(layout, buffer)].map((b) => b.answers)).toEqual(expected);
        const chunks: Uint8Array[] = [];
        for (let at = 0; at < buffer.length; at += chunkSize * layout.recordSize) chunks.push(buffer.subarray(at, at + chunkSize * layout.recordSize));
        expect([...decodeRecords(layout, chunks)].map((b) => b.answers)).toEqual(expected);
        const rand = fc.sample(fc.nat(), 1)[0]!;
        let state = rand;
        const shuffle = (n: number) => (state = (state * 1103515245 + 12345) % 2147483648) % n;
        const shuffled = [...decodeRecords(layout, buffer, { shuffle })].map((b) => JSON.stringify(b.answers)).sort();
        expect(shuffled).toEqual(expected.map((a) => JSON.stringify(a)).sort());
      }),
      { numRuns: 60 },
    );
  });

  it('countRecords reads the same from whole records and from their heads alone', () => {
    fc.assert(
      fc.property(ballotsArb, (slots) => {
        const records = slots.flatMap((d, i) => (d ? [encodeBallot(layout, d.answers, { valid: d.valid, source: 'paper', category: i % 2, breaches: d.breaches })] : [new Uint8Array(layout.recordSize)]));
        const heads = records.map((r) => r.subarray(0, layout.headSize));
        expect(countRecords(layout, heads, { stride: 'head' })).toEqual(countRecords(layout, records));
        expect(countRecords(layout, records).cast).toBe(slots.filter((d) => d !== null).length);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a buffer that is not whole records', () => {
    expect(() => countRecords(layout, new Uint8Array(layout.recordSize + 1))).toThrow(/长度不符/);
    expect(() => [...decodeRecords(layout, new Uint8Array(layout.recordSize - 1))]).toThrow(/长度不符/);
  });
});
