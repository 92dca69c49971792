import { afterAll, beforeAll, expect, it } from 'vitest';
import { fullBallot, makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

it('runs the whole path', async () => {
  const m = await t.api('POST', '/api/meetings', villageMeeting());
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const s = await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: 3 });
  expect(s.status, JSON.stringify(s.body)).toBe(201);
  expect((await t.api('POST', `/api/meetings/${m.body.id}/open`, {})).status).toBe(200);
  const form = await t.api('GET', `/api/ballot/${s.body.tokens[0]}`);
  expect(form.status, JSON.stringify(form.body)).toBe(200);
  const cast = await t.api('POST', `/api/ballot/${s.body.tokens[0]}`, { answers: fullBallot(form.body) });
  expect(cast.status, JSON.stringify(cast.body)).toBe(201);
  const r = await t.api('GET', `/api/meetings/${m.body.id}/results`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  console.log(JSON.stringify(r.body).slice(0, 1500));
});
