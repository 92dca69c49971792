// Sessions and user management: logout ends a session at once; renewing gives a new one and ends the old; a new
// password (own or reset by an admin) ends every other session; disabling a user ends theirs; the last admin stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => t.close());

const as = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
const login = async (username: string, password: string) => (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })).json().token as string;

describe('sessions', () => {
  it('logout ends the session at once; another session of the same user goes on', async () => {
    const a = await login(ADMIN.username, ADMIN.password);
    const b = await login(ADMIN.username, ADMIN.password);
    expect((await as(a, 'POST', '/api/auth/logout')).statusCode).toBe(204);
    expect((await as(a, 'GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await as(b, 'GET', '/api/auth/me')).statusCode).toBe(200);
  });

  it('renew gives a fresh session and ends the old one', async () => {
    const old = await login(ADMIN.username, ADMIN.password);
    const r = await as(old, 'POST', '/api/auth/renew');
    expect(r.statusCode).toBe(200);
    expect(r.json().expiresInMinutes).toBe(60);
    expect((await as(r.json().token, 'GET', '/api/auth/me')).statusCode).toBe(200);
    expect((await as(old, 'GET', '/api/auth/me')).statusCode).toBe(401);
  });
});

describe('users', () => {
  it('a user changes their own password: common ones are refused, other sessions end', async () => {
    await t.api('POST', '/api/users', { username: 'li', password: 'li-first-password-42', role: 'assessor' });
    const desk = await login('li', 'li-first-password-42');
    const phone = await login('li', 'li-first-password-42');
    const common = await as(desk, 'PUT', '/api/auth/password', { currentPassword: 'li-first-password-42', newPassword: 'password1234' });
    expect(common.statusCode).toBe(422);
    expect(common.json().error).toMatchObject({ code: 'WEAK_PASSWORD', message: expect.stringContaining('常见') });
    const wrong = await as(desk, 'PUT', '/api/auth/password', { currentPassword: 'not-it-at-all', newPassword: 'li-second-password-43' });
    expect(wrong.json().error.code).toBe('WRONG_PASSWORD');
    const ok = await as(desk, 'PUT', '/api/auth/password', { currentPassword: 'li-first-password-42', newPassword: 'li-second-password-43' });
    expect(ok.statusCode).toBe(200);
    expect((await as(ok.json().token, 'GET', '/api/auth/me')).statusCode).toBe(200);
    expect((await as(phone, 'GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await as(desk, 'GET', '/api/auth/me')).statusCode).toBe(401);
    expect(await login('li', 'li-second-password-43')).toBeTruthy();
  });

  it('refuses common passwords for new users', async () => {
    const r = await t.api('POST', '/api/users', { username: 'zhao', password: 'woaini1314520', role: 'assessor' });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('WEAK_PASSWORD');
  });

  it('an admin resets a password, disables and enables a user; their sessions end', async () => {
    const created = await t.api('POST', '/api/users', { username: 'sun', password: 'sun-first-password-44', role: 'assessor' });
    const id = created.body.id;
    const s1 = await login('sun', 'sun-first-password-44');
    expect((await t.api('PUT', `/api/users/${id}/password`, { password: 'sun-reset-password-45' })).status).toBe(204);
    expect((await as(s1, 'GET', '/api/auth/me')).statusCode).toBe(401);
    const s2 = await login('sun', 'sun-reset-password-45');
    const off = await t.api('PATCH', `/api/users/${id}`, { disabled: true });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ username: 'sun', disabled: true });
    expect((await as(s2, 'GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'sun', password: 'sun-reset-password-45' } })).statusCode).toBe(401);
    expect((await t.api('PATCH', `/api/users/${id}`, { disabled: false, displayName: '孙主任' })).body).toMatchObject({ disabled: false, displayName: '孙主任' });
    expect(await login('sun', 'sun-reset-password-45')).toBeTruthy();
    const actions = (await t.api('GET', '/api/audit?limit=20')).body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.update', 'user.password']));
  });

  it('keeps the last enabled admin, and an admin cannot disable themself', async () => {
    const me = (await t.api('GET', '/api/auth/me')).body;
    const self = await t.api('PATCH', `/api/users/${me.id}`, { disabled: true });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('NOT_YOURSELF');
    const other = await t.api('POST', '/api/users', { username: 'zhou', password: 'zhou-admin-password-46', role: 'admin' });
    const zhou = await login('zhou', 'zhou-admin-password-46');
    // With two admins, zhou may disable admin; then admin... is gone, and zhou, the last, cannot be demoted by anyone.
    expect((await as(zhou, 'PATCH', `/api/users/${me.id}`, { disabled: true })).statusCode).toBe(200);
    const last = await as(zhou, 'PATCH', `/api/users/${other.body.id}`, { role: 'assessor' });
    expect(last.statusCode).toBe(409);
    expect(['LAST_ADMIN', 'NOT_YOURSELF']).toContain(last.json().error.code);
    expect((await as(zhou, 'PATCH', `/api/users/${me.id}`, { disabled: false })).statusCode).toBe(200);
  });
});
