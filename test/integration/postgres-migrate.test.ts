/**
 * Migrating a schema while other clients of the same database create and drop theirs (test runs
 * in parallel, tenants, other apps): every migration succeeds. Kysely's own introspection listed
 * every schema's tables and failed with "schema <theirs> does not exist" when one was dropped
 * meanwhile (22 of 40 here before the fix; src/storage/postgres/database.ts).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/storage/postgres/database.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresReachable,
  serviceGate,
  uniqueSchema,
} from '../support/services.js';

const enabled = serviceGate('PostgreSQL', await postgresReachable());

describe.runIf(enabled)('PostgreSQL migration beside schema churn', () => {
  it('10 migrations while two other clients create and drop schemas of eight tables', async () => {
    let stop = false;
    let churned = 0;
    const churn = async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        while (!stop) {
          const schema = uniqueSchema('gh_churn');
          await client.query(`create schema ${schema}`);
          for (let i = 0; i < 8; i++)
            await client.query(`create table ${schema}.t${i} (a int primary key, b text)`);
          await client.query(`drop schema ${schema} cascade`);
          churned++;
        }
      } finally {
        await client.end();
      }
    };
    const churners = [churn(), churn()];
    const failures: string[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const schema = uniqueSchema('gh_migrate');
        try {
          const handle = await openPostgres(POSTGRES_URL, { schema });
          expect(handle.applied.length).toBeGreaterThan(0);
          await handle.close();
        } catch (error) {
          failures.push((error as Error).message);
        } finally {
          await dropSchema(schema);
        }
      }
    } finally {
      stop = true;
      await Promise.all(churners);
    }
    // The churn ran throughout (else the test proves nothing).
    expect(churned).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  }, 120_000);
});
