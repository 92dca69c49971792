// Secrets live in a key file beside the database, never in it: a copy of the database or of its backups alone
// cannot sign an admin session, open a live stream, or search the short codes offline. The file is created with
// mode 0600 and written atomically (a new file renamed over the old). Which secrets it holds: the session
// signing key, the live-ticket key and the short-code pepper (docs/security.md, "Secrets").
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const KEY_NAMES = ['jwt-secret', 'live-ticket-secret', 'short-code-pepper'] as const;
export type KeyName = (typeof KEY_NAMES)[number];

/** Keys that can be replaced: the pepper cannot (every short code already printed is stored under it). */
export const ROTATABLE_KEYS: readonly KeyName[] = ['jwt-secret', 'live-ticket-secret'];

interface KeyFileContent {
  format: 'ceping-keys/1';
  keys: Partial<Record<string, string>>;
}

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

export interface KeyStore {
  /** The file, or null for an in-memory store (a ':memory:' database). */
  readonly path: string | null;
  /** The key, created on first use. */
  get(name: string): string;
  has(name: string): boolean;
  /** Sets a key (moving one out of an old database) unless it exists; returns whether it was set. */
  adopt(name: string, value: string): boolean;
  /** Replaces a key by a fresh random one and returns it. */
  rotate(name: KeyName): string;
}

const fresh = () => randomBytes(32).toString('base64url');

/** Opens (or creates) the key file at `path`; refuses one that others may read. */
export function openKeyFile(path: string | null): KeyStore {
  const keys = new Map<string, string>();
  if (path !== null) {
    path = resolve(path);
    if (existsSync(path)) {
      const mode = statSync(path).mode & 0o777;
      if ((mode & 0o077) !== 0) throw new KeyFileError(`The key file ${path} may be read by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
      let content: KeyFileContent;
      try {
        content = JSON.parse(readFileSync(path, 'utf8')) as KeyFileContent;
      } catch {
        throw new KeyFileError(`The key file ${path} is not readable JSON; restore it from its backup.`);
      }
      if (content.format !== 'ceping-keys/1' || typeof content.keys !== 'object') throw new KeyFileError(`The key file ${path} is not a Ceping key file.`);
      for (const [k, v] of Object.entries(content.keys)) if (typeof v === 'string') keys.set(k, v);
    }
  }
  const save = () => {
    if (path === null) return;
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ format: 'ceping-keys/1', keys: Object.fromEntries(keys) } satisfies KeyFileContent, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  };
  return {
    path,
    has: (name) => keys.has(name),
    get(name) {
      let v = keys.get(name);
      if (v === undefined) {
        keys.set(name, (v = fresh()));
        save();
      }
      return v;
    },
    adopt(name, value) {
      if (keys.has(name)) return false;
      keys.set(name, value);
      save();
      return true;
    },
    rotate(name) {
      const v = fresh();
      keys.set(name, v);
      save();
      return v;
    },
  };
}

/** Where the key file of a database lives unless CEPING_KEY_FILE says otherwise: beside it. */
export const defaultKeyFile = (dbPath: string): string | null => (dbPath === ':memory:' ? null : `${resolve(dbPath)}.keys`);
