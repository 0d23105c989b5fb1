/**
 * The embedded default: one SQLite file (better-sqlite3) behind Kysely, migrated on open.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { AuthError } from '../../core/index.js';
import { migrateDatabase } from '../migrations/run.js';
import type { Database } from '../schema.js';

export interface SqliteHandle {
  readonly db: Kysely<Database>;
  readonly raw: SqliteDatabase.Database;
  /** Migrations applied when it was opened. */
  readonly applied: readonly string[];
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the SQLite database at `path` (`:memory:` for tests) and applies
 * pending migrations.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when the file cannot be opened or migrated
 */
export async function openSqlite(path: string): Promise<SqliteHandle> {
  let raw: SqliteDatabase.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    raw = new SqliteDatabase(path);
    // Only this user may read the database (password hashes, session metadata); SQLite gives its
    // -wal and -shm files the same mode.
    if (path !== ':memory:') chmodSync(path, 0o600);
    // WAL: readers do not block the writer; foreign keys: cascades on user and session deletes.
    raw.pragma('journal_mode = WAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new AuthError(
      'ERR_STORE_UNAVAILABLE',
      `cannot open the SQLite database: ${(error as Error).message}`,
    );
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  let applied: string[];
  try {
    applied = await migrateDatabase(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, raw, applied, close: () => db.destroy() };
}
