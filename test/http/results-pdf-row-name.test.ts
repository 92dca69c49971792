// The results PDF names the one row of a question asked once per ballot as the console does: the secretary's report
// (党组织书记述党建工作测评表) is about the secretary, so its row reads 张建国 (党总支书记), not 全体.
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wholeRowName } from '../../src/exports/results.table.js';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

describe('the row of a question without subjects', () => {
  const people = villageMeeting().subjects.map((s, i) => ({ id: `s${i}`, ...s }));

  it('is the secretary for a secretary’s report: 书记 (not 副书记), the head first; else 党组织书记; else 全体参评人员', () => {
    expect(wholeRowName({ id: 'village-secretary-report' }, people)).toBe('张建国');
    // Without the head, the first 书记 — never the 副书记.
    const noHead = people.map((p) => ({ ...p, isHead: false })).filter((p) => p.name !== '张建国');
    expect(wholeRowName({ id: 'village-secretary-report' }, [...noHead, { id: 'x', name: '孙书记', kind: 'person', title: '党支部书记' }])).toBe('孙书记');
    expect(wholeRowName({ id: 'village-secretary-report' }, noHead)).toBe('党组织书记');
    expect(wholeRowName({ id: 'village-annual-review' }, people)).toBe('全体参评人员');
  });

  it('reads 张建国 in the results PDF of a village meeting', async () => {
    const m = await t.api('POST', '/api/meetings', villageMeeting());
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    const slips = (await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: 2 })).body.tokens as string[];
    expect((await t.api('POST', `/api/meetings/${m.body.id}/open`, {})).status).toBe(200);
    for (const token of slips) {
      const form = (await t.api('GET', `/api/ballot/${token}`)).body;
      expect((await t.api('POST', `/api/ballot/${token}`, { answers: fullBallot(form) })).status).toBe(201);
    }
    expect((await t.api('POST', `/api/meetings/${m.body.id}/close`, {})).status).toBe(200);
    // What the PDF writes, read where it is written (the glyphs in the file are font subsets, not text).
    const written: string[] = [];
    const spy = spyOnText(written);
    try {
      const res = await t.app.inject({ method: 'GET', url: `/api/meetings/${m.body.id}/results.pdf`, headers: { authorization: `Bearer ${t.adminToken}` } });
      expect(res.statusCode).toBe(200);
    } finally {
      spy.restore();
    }
    // The question's heading in the report (after the 统计表), its legend (好 … 差), then the row's name.
    const at = written.lastIndexOf('对党组织书记抓基层党建工作述职的总体评价');
    expect(at).toBeGreaterThan(0);
    expect(written.slice(at + 1, at + 8)).toContain('张建国');
    expect(written).not.toContain('全体');
  });
});

/** Records every string PDFKit is asked to write, and lets it write them. */
function spyOnText(into: string[]): { restore: () => void } {
  const proto = PDFDocument.prototype as unknown as { text: (...a: unknown[]) => unknown };
  const original = proto.text;
  proto.text = function (this: unknown, ...args: unknown[]) {
    if (typeof args[0] === 'string') into.push(args[0]);
    return original.apply(this, args);
  };
  return { restore: () => void (proto.text = original) };
}
