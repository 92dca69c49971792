// The voter's waiting page: before the poll opens, GET /api/ballot/<token> answers 409 MEETING_NOT_OPEN naming the
// meeting (printed on the slip anyway) and whether it has not begun or has ended; nothing about votes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t?.close());

const ballot = (token: string) => t.app.inject({ method: 'GET', url: `/api/ballot/${token}` });

describe('MEETING_NOT_OPEN on the voter route', () => {
  it('names the meeting and says "not yet" before the poll opens, "ended" after it closes', async () => {
    const m = (await t.api('POST', '/api/meetings', villageMeeting())).body;
    const slips = (await t.api('POST', `/api/meetings/${m.id}/slips`, { count: 1 })).body;
    const token = slips.urls[0].split('/v/')[1];
    const before = await ballot(token);
    expect(before.statusCode).toBe(409);
    expect(before.json().error).toEqual({
      code: 'MEETING_NOT_OPEN',
      message: '测评不在进行中（尚未开始或已经结束）',
      details: { status: 'draft', meeting: { title: villageMeeting().title, unit: villageMeeting().unit } },
    });
    // The short code typed at /v gets the same answer.
    expect((await ballot(slips.shortCodes[0])).json().error.details.meeting.title).toBe(villageMeeting().title);
    await t.api('POST', `/api/meetings/${m.id}/open`, {});
    expect((await ballot(token)).statusCode).toBe(200);
    await t.api('POST', `/api/meetings/${m.id}/close`, {});
    const after = (await ballot(token)).json().error;
    expect(after.code).toBe('MEETING_NOT_OPEN');
    expect(after.details.status).toBe('closed');
    // Only those two fields: no counts, no times.
    expect(Object.keys(after.details).sort()).toEqual(['meeting', 'status']);
    expect(Object.keys(after.details.meeting).sort()).toEqual(['title', 'unit']);
  });

  it('an unknown token learns nothing about any meeting', async () => {
    const res = await ballot('A'.repeat(43));
    expect(res.statusCode).toBe(404);
    expect(res.json().error.details).toBeUndefined();
  });
});
