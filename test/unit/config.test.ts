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
  it('takes a PostgreSQL address for CEPING_DB with a key file, never as a file name', () => {
    const pg = loadConfig({ CEPING_DB: 'postgres://ceping:secret@db:5432/ceping', CEPING_KEY_FILE: '/etc/ceping/ceping.keys' });
    expect(pg.databaseUrl).toBe('postgres://ceping:secret@db:5432/ceping');
    expect(pg.dbPath).toBeNull();
    expect(pg.keyFile).toBe('/etc/ceping/ceping.keys');
    // Without a key file every instance would make up keys of its own.
    expect(() => loadConfig({ CEPING_DB: 'postgres://ceping:secret@db:5432/ceping' })).toThrow(/CEPING_KEY_FILE must name the key file/);
    // An address without a host or a database name.
    expect(() => loadConfig({ CEPING_DB: 'postgresql://db', CEPING_KEY_FILE: 'k' })).toThrow(/postgres:\/\/user:password@host:port\/database/);
    expect(() => loadConfig({ CEPING_DB: 'postgres:///ceping', CEPING_KEY_FILE: 'k' })).toThrow(ConfigError);
    // A file whose path merely mentions postgres is a file.
    const file = loadConfig({ CEPING_DB: './postgres-notes/ceping.sqlite' });
    expect(file.dbPath).toMatch(/postgres-notes\/ceping\.sqlite$/);
    expect(file.databaseUrl).toBeNull();
  });
  it('strips a trailing slash from PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://ceping.example.cn/' }).publicUrl).toBe('https://ceping.example.cn');
  });
});
