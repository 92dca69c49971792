// A first start without CEPING_ADMIN_USER leaves a server nobody can log in to: it must say so, and how to fix it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

it('warns at start when no user exists, naming the two ways to create one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-first-'));
  let logs = '';
  const sink = new Writable({ write: (chunk, _enc, cb) => ((logs += chunk.toString()), cb()) });
  const app = await buildApp(loadConfig({ CEPING_DB: join(dir, 'c.sqlite'), LOG_LEVEL: 'info' }), { logger: { stream: sink } });
  try {
    await app.ready();
    expect(logs).toContain('No user exists yet');
    expect(logs).toContain('CEPING_ADMIN_USER');
    expect(logs).toContain('npx ceping users create');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
