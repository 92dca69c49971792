// `ceping backup` copies SQLite files; given a PostgreSQL address it says which tools to use instead of creating a
// file named like the address (src/cli/backup.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/backup.js';

afterEach(() => vi.restoreAllMocks());

describe('ceping backup', () => {
  it('refuses a PostgreSQL database and names its own tools', async () => {
    const said: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => void said.push(String(m)));
    expect(await run(['/tmp/never-written.sqlite', '--db', 'postgres://ceping:secret@db:5432/ceping'])).toBe(2);
    expect(said.join('\n')).toMatch(/pg_basebackup.*pg_dump/);
  });
});
