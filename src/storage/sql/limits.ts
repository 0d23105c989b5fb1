/**
 * The login limiter in SQL: one row per key, and a failure is a locked read-modify-write, so
 * concurrent failures all count.
 */
import type { Kysely } from 'kysely';
import type { LimitState, LimitStore } from '../../limits/index.js';
import { planFailure } from '../../limits/index.js';
import type { Database } from '../schema.js';
import type { SqlDialectName } from './dialect.js';

/**
 * Creates the limit store over a Kysely database of the given dialect.
 *
 * @example const limits = createSqlLimitStore(db, 'sqlite');
 */
export function createSqlLimitStore(db: Kysely<Database>, dialect: SqlDialectName): LimitStore {
  return {
    async getLimit(key) {
      const row = await db
        .selectFrom('rate_limits')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst();
      return row === undefined
        ? null
        : {
            failures: row.failures,
            windowStartedAtMs: Number(row.window_started_at),
            blockedUntilMs: Number(row.blocked_until),
          };
    },
    async recordFailure(key, nowMs, policy) {
      return db.transaction().execute(async (trx) => {
        // Make sure the row exists, then lock it: two failures at once must both count. On
        // PostgreSQL a concurrent insert of the same key waits for ours, and FOR UPDATE
        // serialises the read-modify-write; SQLite has a single writer anyway.
        await trx
          .insertInto('rate_limits')
          .values({ key, failures: 0, window_started_at: 0, blocked_until: 0 })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        const select = trx.selectFrom('rate_limits').selectAll().where('key', '=', key);
        const row = await (dialect === 'postgres'
          ? select.forUpdate()
          : select
        ).executeTakeFirstOrThrow();
        const current: LimitState | null =
          row.failures === 0
            ? null
            : {
                failures: row.failures,
                windowStartedAtMs: Number(row.window_started_at),
                blockedUntilMs: Number(row.blocked_until),
              };
        const next = planFailure(current, nowMs, policy);
        await trx
          .updateTable('rate_limits')
          .set({
            failures: next.failures,
            window_started_at: next.windowStartedAtMs,
            blocked_until: next.blockedUntilMs,
          })
          .where('key', '=', key)
          .execute();
        return next;
      });
    },
    async deleteLimit(key) {
      await db.deleteFrom('rate_limits').where('key', '=', key).execute();
    },
  };
}
