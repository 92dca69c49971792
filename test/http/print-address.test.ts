// Slips printed with a PUBLIC_URL that names this machine carry QR codes no phone can open: the print is refused
// with the address named, until the request confirms that very address (the console asks the user).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackUrl } from '../../src/config.js';
import { makeTestApp, villageMeeting, type TestApp } from '../helpers/app.js';

let t: TestApp;
let id: string;
beforeAll(async () => {
  t = await makeTestApp({ PUBLIC_URL: 'http://127.0.0.1:3000' });
  id = (await t.api('POST', '/api/meetings', villageMeeting())).body.id;
});
afterAll(async () => t.close());

const print = (url: string, body: object) => t.api('POST', url, body, { accept: 'application/pdf' });

describe('printing with a loopback PUBLIC_URL', () => {
  it('knows a loopback address', () => {
    for (const u of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000', 'http://127.8.9.1']) expect(isLoopbackUrl(u)).toBe(true);
    for (const u of ['http://192.168.1.20:3000', 'https://ceping.example.gov.cn', 'http://vote.test']) expect(isLoopbackUrl(u)).toBe(false);
  });

  it('refuses slips and paper ballots, naming the address, and issues nothing', async () => {
    for (const url of [`/api/meetings/${id}/slips`, `/api/meetings/${id}/paper-ballots/print`]) {
      const r = await print(url, { count: 2 });
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'PUBLIC_URL_LOOPBACK', details: { publicUrl: 'http://127.0.0.1:3000' } });
      expect(r.body.error.message).toContain('http://127.0.0.1:3000');
      expect(r.body.error.message).toContain('手机无法打开');
    }
    expect((await t.api('GET', `/api/meetings/${id}/slips/batches`)).body.batches).toEqual([]);
  });

  it('prints once the address is confirmed; /api/meta names it for the print dialog', async () => {
    const r = await print(`/api/meetings/${id}/slips`, { count: 2, confirmPublicUrl: 'http://127.0.0.1:3000' });
    expect(r.status).toBe(201);
    expect(String(r.headers['content-type'])).toContain('application/pdf');
    expect((await print(`/api/meetings/${id}/slips`, { count: 2, confirmPublicUrl: 'http://127.0.0.1:4000' })).status).toBe(409);
    expect((await t.api('GET', '/api/meta')).body).toMatchObject({ publicUrl: 'http://127.0.0.1:3000', publicUrlIsLoopback: true });
  });
});
