import { eq, inArray } from 'drizzle-orm';
import { databaseKey, type Conn, type Db } from './client.js';
import { KEY_NAMES, type KeyStore } from './keys.js';
import { settings } from './schema.js';

const stores = new WeakMap<object, KeyStore>();

/** Binds a database to its key file (openDb and openPostgres do this). */
export function bindKeyStore(db: Conn, store: KeyStore): void {
  stores.set(databaseKey(db), store);
}

/** The key store of the connection behind `db` (the database or a transaction on it). */
export function keyStoreOf(db: Conn): KeyStore {
  const store = stores.get(databaseKey(db));
  if (!store) throw new Error('This database connection has no key file (open it with openDb).');
  return store;
}

/**
 * A secret from the key file beside the database (db/keys.ts), created on first use: the session signing key,
 * the live-ticket key, the short-code pepper. Never from the database itself.
 */
export function getOrCreateSecret({ db }: { db: Conn }, key: string): string {
  return keyStoreOf(db).get(key);
}

/**
 * Earlier versions kept the secrets in the settings table, and so in every backup. At start they are moved to the
 * key file (the pepper must survive, or printed short codes stop resolving) and deleted from the database, whose
 * secure_delete zeroes the freed cells.
 */
export function moveSecretsOutOfDatabase(db: Db, store: KeyStore): number {
  const rows = db.select().from(settings).where(inArray(settings.key, [...KEY_NAMES])).all();
  if (rows.length === 0) return 0;
  for (const r of rows) store.adopt(r.key, r.value);
  db.transaction((tx) => {
    for (const r of rows) tx.delete(settings).where(eq(settings.key, r.key)).run();
  });
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  return rows.length;
}
