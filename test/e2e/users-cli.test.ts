// `ceping users` as an operator runs it, in a real process, on the database of a running server: with the admin
// locked out at their address and nobody logged in, the command lifts the lockout and resets the password.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/config.js';
import { ADMIN, makeTestApp, type TestApp } from '../helpers/app.js';
import { repoRoot } from '../helpers/server-process.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

/** Runs `ceping users …` with `input` on its standard input. */
function ceping(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [`${repoRoot}/src/cli/bin.js`, 'users', ...args, '--db', t.config.dbPath!], { cwd: repoRoot }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}
const login = (password: string, remoteAddress = '192.0.2.9') =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, payload: { username: ADMIN.username, password } });

describe('ceping users', () => {
  it('lifts a lockout and resets a password while the server runs', { timeout: 60_000 }, async () => {
    for (let i = 0; i <= LIMITS.login.pair.maxFailures; i++) await login(`wrong-${i}-password`);
    expect((await login(ADMIN.password)).statusCode).toBe(429);

    const unlock = await ceping(['unlock', ADMIN.username]);
    expect(unlock.code).toBe(0);
    expect(unlock.stdout).toMatch(/Lifted [1-9]\d* login lockout/);
    expect((await login(ADMIN.password)).statusCode).toBe(200);
    // The lifting is on the record, like the console's, with who asked for it.
    const audit = await t.api('GET', '/api/audit?limit=5');
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toMatch(/auth\.unlock[\s\S]*ceping users|ceping users[\s\S]*auth\.unlock/);

    const weak = await ceping(['reset-password', ADMIN.username], 'password1234\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('常见');
    const reset = await ceping(['reset-password', ADMIN.username], 'a-brand-new-admin-pass\n');
    expect(reset.code).toBe(0);
    expect((await login(ADMIN.password, '192.0.2.10')).statusCode).toBe(401);
    expect((await login('a-brand-new-admin-pass', '192.0.2.10')).statusCode).toBe(200);
  });

  it('creates, lists, disables and enables accounts', { timeout: 60_000 }, async () => {
    expect((await ceping(['create', 'qian', 'assessor'], 'qian-cli-password-77\n')).code).toBe(0);
    expect((await ceping(['disable', 'qian'])).code).toBe(0);
    expect((await ceping(['list'])).stdout).toMatch(/qian\tassessor\t\(disabled\)/);
    expect((await ceping(['enable', 'qian'])).code).toBe(0);
    expect((await ceping(['list'])).stdout).toMatch(/qian\tassessor\n/);
    expect((await ceping(['disable', 'nobody'])).code).not.toBe(0);
  });
});
