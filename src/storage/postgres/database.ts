/**
 * PostgreSQL behind Kysely (node-postgres pool), migrated on open. Kysely's migrator takes a
 * PostgreSQL advisory lock, so several instances starting at once migrate exactly once.
 */
import { type Dialect, Kysely, PostgresDialect, sql, type TableMetadata } from 'kysely';
import pg from 'pg';
import { AuthError } from '../../core/index.js';
import { migrateDatabase } from '../migrations/run.js';
import type { Database } from '../schema.js';

export interface PostgresHandle {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  /** Migrations applied when it was opened. */
  readonly applied: readonly string[];
  close(): Promise<void>;
}

export interface OpenPostgresOptions {
  /** A schema to create and use (tests: one per run); default: the connection's search_path. */
  readonly schema?: string;
  /** Apply pending migrations (default true). */
  readonly migrate?: boolean;
  readonly maxConnections?: number;
}

/**
 * A Kysely for the migrator on the same pool, whose introspection sees the current schema only.
 * Kysely's Migrator looks for its own tables with the dialect's introspector, which on PostgreSQL
 * lists every table of every schema and calls pg_get_serial_sequence on each by name: a schema
 * another client drops meanwhile fails the migration with "schema <theirs> does not exist"
 * (reproduced: a second client creating and dropping schemas in a loop failed 22 of 40
 * migrations; test/integration/postgres.test.ts). Never destroyed: that would end the shared pool.
 */
function migrationDatabase(pool: pg.Pool): Kysely<Database> {
  const base = new PostgresDialect({ pool });
  const dialect: Dialect = {
    createDriver: () => base.createDriver(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createAdapter: () => base.createAdapter(),
    createIntrospector: (db) => {
      const getTables = async (): Promise<TableMetadata[]> => {
        const { rows } = await sql<{ schema: string; name: string; type: string }>`
          select table_schema as schema, table_name as name, table_type as type
          from information_schema.tables where table_schema = current_schema()`.execute(db);
        return rows.map((row) => ({
          schema: row.schema,
          name: row.name,
          isView: row.type === 'VIEW',
          columns: [],
        }));
      };
      return {
        getSchemas: () => base.createIntrospector(db).getSchemas(),
        getTables,
        getMetadata: async () => ({ tables: await getTables() }),
      };
    },
  };
  return new Kysely<Database>({ dialect });
}

/**
 * Opens a pool to `url` and (by default) migrates.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when the server cannot be reached or migrated
 */
export async function openPostgres(
  url: string,
  options: OpenPostgresOptions = {},
): Promise<PostgresHandle> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new AuthError('ERR_CONFIG_INVALID', 'schema names are lower-case letters, digits and _');
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 5000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener that
  // would crash the process. The next query fails (503) and the pool reconnects by itself.
  pool.on('error', () => {});
  // The same for a client that is checked out when its server goes away: pg emits 'error' on
  // it, and an unheard 'error' would crash the process. pg-pool drops such a client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let applied: string[] = [];
  try {
    if (schema !== undefined) {
      const client = await pool.connect();
      try {
        await client.query(`create schema if not exists ${schema}`);
      } catch (error) {
        // Two instances creating it at once: one wins, the other sees a duplicate. Either way it exists.
        const code = (error as { code?: string }).code;
        if (code !== '23505' && code !== '42P06') throw error;
      } finally {
        client.release();
      }
    }
    if (options.migrate !== false) {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
      const current = rows[0]?.schema;
      if (current === undefined || current === null)
        throw new AuthError('ERR_CONFIG_INVALID', 'no current schema: check search_path');
      applied = await migrateDatabase(migrationDatabase(pool), current);
    }
  } catch (error) {
    await db.destroy();
    if (error instanceof AuthError) throw error;
    throw new AuthError(
      'ERR_STORE_UNAVAILABLE',
      `cannot open PostgreSQL: ${(error as Error).message}`,
    );
  }
  return { db, pool, applied, close: () => db.destroy() };
}
