// POST /open and /close are part of the public contract: a plain `curl -X POST` (no body, no Content-Type), an
// empty JSON object and (to reopen) {reason} must all work; a body with anything else is refused in Chinese.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

const post = (url: string, init: { payload?: string; contentType?: string } = {}) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${t.adminToken}`, ...(init.contentType ? { 'content-type': init.contentType } : {}) },
    ...(init.payload !== undefined ? { payload: init.payload } : {}),
  });

describe('POST /api/meetings/:id/open and /close', () => {
  it('answer 200 with no body at all, as curl -X POST sends it', async () => {
    const id = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
    const open = await post(`/api/meetings/${id}/open`);
    expect(open.statusCode).toBe(200);
    expect(open.json().status).toBe('open');
    const close = await post(`/api/meetings/${id}/close`);
    expect(close.statusCode).toBe(200);
    expect(close.json().status).toBe('closed');
  });

  it('answer 200 with {} and with an empty JSON body', async () => {
    const id = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
    expect((await post(`/api/meetings/${id}/open`, { payload: '{}', contentType: 'application/json' })).statusCode).toBe(200);
    expect((await post(`/api/meetings/${id}/close`, { payload: '', contentType: 'application/json' })).statusCode).toBe(200);
  });

  it('reopen takes {reason}; without one it is refused with a Chinese message', async () => {
    const id = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
    expect((await post(`/api/meetings/${id}/open`)).statusCode).toBe(200);
    expect((await post(`/api/meetings/${id}/close`, { payload: '{}', contentType: 'application/json' })).statusCode).toBe(200);
    const bare = await post(`/api/meetings/${id}/open`);
    expect(bare.statusCode).toBe(422);
    expect(bare.json().error).toMatchObject({ code: 'REASON_REQUIRED', message: expect.stringContaining('须写明理由') });
    const blank = await post(`/api/meetings/${id}/open`, { payload: JSON.stringify({ reason: '   ' }), contentType: 'application/json' });
    expect(blank.json().error.code).toBe('REASON_REQUIRED');
    const ok = await post(`/api/meetings/${id}/open`, { payload: JSON.stringify({ reason: '有同志未投票' }), contentType: 'application/json' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('open');
  });

  it('refuses unknown fields and non-objects', async () => {
    const id = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
    const extra = await post(`/api/meetings/${id}/open`, { payload: JSON.stringify({ reasn: 'x' }), contentType: 'application/json' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.code).toBe('VALIDATION_ERROR');
    expect((await post(`/api/meetings/${id}/close`, { payload: '[1]', contentType: 'application/json' })).statusCode).toBe(400);
  });
});
