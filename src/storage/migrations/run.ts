/** Applies pending migrations (Kysely's migrator; on PostgreSQL under an advisory lock). */
import { type Kysely, Migrator } from 'kysely';
import { AuthError } from '../../core/index.js';
import type { Database } from '../schema.js';
import { migrationProvider } from './index.js';

/**
 * Migrates to the latest schema and returns the names of the migrations it applied.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when a migration fails
 */
export async function migrateDatabase(db: Kysely<Database>, schema?: string): Promise<string[]> {
  // Name the schema on PostgreSQL: without it Kysely takes a migration table of the same name in
  // any other schema of the database for ours, and skips creating it.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined)
    throw new AuthError(
      'ERR_STORE_UNAVAILABLE',
      `database migration failed: ${(error as Error).message}`,
    );
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
