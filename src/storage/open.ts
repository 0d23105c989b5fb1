/**
 * Opens the configured storage and returns its stores: the SQLite file (the embedded default) or
 * PostgreSQL.
 */
import { openPostgres } from './postgres/database.js';
import { createSqlStores } from './sql/stores.js';
import { openSqlite } from './sqlite/database.js';
import type { Stores } from './stores.js';

export type DatabaseConfig = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

export interface OpenStorage {
  readonly stores: Stores;
  /** Migrations applied while opening. */
  readonly applied: readonly string[];
  close(): Promise<void>;
}

/** @throws AuthError ERR_STORE_UNAVAILABLE when the database cannot be opened or migrated */
export async function openStorage(database: DatabaseConfig): Promise<OpenStorage> {
  if (database.kind === 'postgres') {
    const handle = await openPostgres(database.url);
    return { stores: createSqlStores(handle.db, 'postgres'), applied: handle.applied, close: handle.close };
  }
  const handle = await openSqlite(database.path);
  return { stores: createSqlStores(handle.db, 'sqlite'), applied: handle.applied, close: handle.close };
}
