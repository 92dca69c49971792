// Secrets out of the database: an insider with a copy of the database, its WAL or a backup finds no signing key
// and no short-code pepper in it (they live in a key file beside it, mode 0600). An old database that kept them in
// its settings table has them moved out at start, and the freed bytes are gone from the file.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/client.js';
import { openKeyFile, KeyFileError } from '../../src/db/keys.js';
import { getOrCreateSecret } from '../../src/db/settings.repository.js';
import { run as keysCommand } from '../../src/cli/keys.js';
import { makeTestApp } from '../helpers/app.js';
import { repoRoot } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ceping-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const exec = promisify(execFile);

/** Every file an insider could copy: the database, its WAL and shared memory. */
const filesOf = (db: string) => [db, `${db}-wal`, `${db}-shm`].filter(existsSync);
const anyContains = (files: string[], secret: string) => files.some((f) => readFileSync(f).includes(Buffer.from(secret)));

describe('the key file', () => {
  it('holds the secrets, with mode 0600; the database, its WAL and a backup hold none of them', async () => {
    const t = await makeTestApp();
    try {
      const keys = ['jwt-secret', 'live-ticket-secret', 'short-code-pepper'].map((k) => getOrCreateSecret({ db: t.app.db }, k));
      const keyFile = `${t.config.dbPath!}.keys`;
      expect(t.config.keyFile).toBe(keyFile);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      for (const k of keys) expect(readFileSync(keyFile, 'utf8')).toContain(k);
      // Slips issued (the pepper is used) and a login made (the signing key is used).
      const m = await t.api('POST', '/api/meetings', { title: '测试', unit: '测试村', kind: 'other', minRespondents: 1, formIds: ['village-annual-review'], subjects: [{ name: '班子', kind: 'team' }, { name: '张三', kind: 'person' }] });
      expect((await t.api('POST', `/api/meetings/${m.body.id}/slips`, { count: 3 })).status).toBe(201);
      for (const k of keys) expect(anyContains(filesOf(t.config.dbPath!), k)).toBe(false);
      const backup = join(dir, 'backup.sqlite');
      await exec(process.execPath, [join(repoRoot, 'src/cli/bin.js'), 'backup', backup, '--db', t.config.dbPath!], { cwd: repoRoot });
      for (const k of keys) expect(anyContains([backup], k)).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('refuses to start with a key file that other users may read', () => {
    const file = join(dir, 'loose.keys');
    openKeyFile(file).get('jwt-secret');
    chmodSync(file, 0o644);
    expect(() => openKeyFile(file)).toThrow(KeyFileError);
    expect(() => openKeyFile(file)).toThrow(/chmod 600/);
  });

  it('moves the secrets of an older database out of it, keeping their values (printed short codes still resolve)', () => {
    const file = join(dir, 'old.sqlite');
    // An older Ceping: the current schema with the secrets in its settings table.
    openDb(file, { keyFile: join(dir, 'unused.keys') }).$client.close();
    const raw = new Database(file);
    const old = { 'jwt-secret': 'OLDJWT-1111111111111111111111111111111', 'short-code-pepper': 'OLDPEPPER-22222222222222222222222222' };
    for (const [k, v] of Object.entries(old)) raw.prepare('insert into settings (key, value) values (?, ?)').run(k, v);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    expect(anyContains([file], old['short-code-pepper'])).toBe(true);

    const keyFile = join(dir, 'old.sqlite.keys');
    const db = openDb(file, { keyFile });
    expect(getOrCreateSecret({ db }, 'short-code-pepper')).toBe(old['short-code-pepper']);
    expect(getOrCreateSecret({ db }, 'jwt-secret')).toBe(old['jwt-secret']);
    expect(db.$client.prepare(`select count(*) as n from settings where key in ('jwt-secret', 'short-code-pepper')`).get()).toEqual({ n: 0 });
    db.$client.close();
    for (const v of Object.values(old)) expect(anyContains(filesOf(file), v)).toBe(false);
  });
});

describe('ceping keys', () => {
  it('rotates the session key, and refuses to rotate the pepper', async () => {
    const keyFile = join(dir, 'rotate.keys');
    const store = openKeyFile(keyFile);
    const before = store.get('jwt-secret');
    const pepper = store.get('short-code-pepper');
    expect(await keysCommand(['rotate', 'jwt-secret', '--key-file', keyFile])).toBe(0);
    const after = openKeyFile(keyFile);
    expect(after.get('jwt-secret')).not.toBe(before);
    expect(await keysCommand(['rotate', 'short-code-pepper', '--key-file', keyFile])).toBe(2);
    expect(openKeyFile(keyFile).get('short-code-pepper')).toBe(pepper);
  });
});
