import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:3000', adminUser: null, sessionMinutes: 60 });
    expect(c.dbPath).toMatch(/data\/ceping\.sqlite$/);
  });
  it('names every bad variable', () => {
    try {
      loadConfig({ PORT: 'eighty', PUBLIC_URL: 'ftp://x', CEPING_ADMIN_USER: 'admin' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('PUBLIC_URL');
      expect(msg).toContain('CEPING_ADMIN_PASSWORD');
    }
  });
  it('refuses a short admin password', () => {
    expect(() => loadConfig({ CEPING_ADMIN_USER: 'a', CEPING_ADMIN_PASSWORD: 'short' })).toThrow(/CEPING_ADMIN_PASSWORD/);
  });
  it('refuses a PostgreSQL address for CEPING_DB, rather than creating a file of that name', () => {
    expect(() => loadConfig({ CEPING_DB: 'postgres://ceping:secret@db:5432/ceping' })).toThrow(/serving on PostgreSQL is not available yet/);
    expect(() => loadConfig({ CEPING_DB: 'postgresql://db/ceping' })).toThrow(ConfigError);
    expect(loadConfig({ CEPING_DB: './postgres-notes/ceping.sqlite' }).dbPath).toMatch(/postgres-notes\/ceping\.sqlite$/);
  });
  it('strips a trailing slash from PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://ceping.example.cn/' }).publicUrl).toBe('https://ceping.example.cn');
  });
});
