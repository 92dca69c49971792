// A login is a use case like any other: success and failure reach the audit log, by username only. The password
// and the client's address never do (a mistyped password may be someone's real one, and addresses locate voters).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.repository.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

const login = (username: string, password: string) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress: '198.51.100.23' });

describe('login', () => {
  it('audits success and failure without the password or the address', async () => {
    expect((await login('admin', 'wrong-password-xyz')).statusCode).toBe(401);
    expect((await login('nobody-here', 'secret-typed-as-name')).statusCode).toBe(401);
    expect((await login('admin', 'correct-horse-battery')).statusCode).toBe(200);
    const entries = (await listAudit({ db: t.app.db }, { limit: 10 })).filter((e) => e.action.startsWith('auth.'));
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['auth.login', 'admin'],
      ['auth.login-failed', '（未知用户）'],
      ['auth.login-failed', 'admin'],
      // the test helper's own login
      ['auth.login', 'admin'],
    ]);
    const text = JSON.stringify(entries);
    for (const secret of ['wrong-password-xyz', 'secret-typed-as-name', 'correct-horse-battery', 'nobody-here', '198.51.100.23']) expect(text).not.toContain(secret);
  });
});
