// /healthz tells a load balancer when ballots cannot be stored: the database answers, but the ballot box's thread
// has stopped. (A vote then answers 503 BALLOT_BOX_UNAVAILABLE: test/integration/ballot-box-thread.test.ts.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTestApp, sqliteBox, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

it('answers 503 BALLOT_BOX_UNAVAILABLE once the ballot box thread has stopped', async () => {
  expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  await sqliteBox(t.app)['thread'].terminate();
  await expect.poll(async () => (await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(503);
  const res = await t.app.inject({ method: 'GET', url: '/healthz' });
  expect(res.json().error).toEqual({ code: 'BALLOT_BOX_UNAVAILABLE', message: '选票箱不可用，选票暂时无法保存' });
});
