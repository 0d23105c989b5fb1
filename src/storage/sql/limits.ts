/**
 * The limiter in SQL: one row per key. A reservation is a locked read-decide-write in one
 * transaction (the row is created if missing, then locked), so parallel attempts are counted one
 * after the other and none passes a check that an earlier one already used up. On PostgreSQL a
 * concurrent insert of the same key waits for ours and FOR UPDATE serialises the rest; SQLite
 * has a single writer, and Kysely runs one transaction at a time on its connection.
 */
import type { Kysely, Transaction } from 'kysely';
import type { LimitState, LimitStore } from '../../limits/index.js';
import { LONGEST_WINDOW_MS, planRefund, planReservation } from '../../limits/index.js';
import type { Database } from '../schema.js';
import type { SqlDialectName } from './dialect.js';

// PostgreSQL returns bigint columns as strings: read every time through Number().
const stateOf = (row: Database['rate_limits']): LimitState | null =>
  row.failures === 0 && Number(row.blocked_until) === 0
    ? null
    : {
        failures: row.failures,
        windowStartedAtMs: Number(row.window_started_at),
        blockedUntilMs: Number(row.blocked_until),
      };

/**
 * Creates the limit store over a Kysely database of the given dialect.
 *
 * @example const limits = createSqlLimitStore(db, 'sqlite');
 */
export function createSqlLimitStore(db: Kysely<Database>, dialect: SqlDialectName): LimitStore {
  /** Runs `decide` on the locked row of `key` (created empty if missing) and writes its result. */
  const locked = <T>(
    key: string,
    decide: (current: LimitState | null) => { write: LimitState | null; result: T },
  ): Promise<T> =>
    db.transaction().execute(async (trx: Transaction<Database>) => {
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
      const { write, result } = decide(stateOf(row));
      if (write !== null)
        await trx
          .updateTable('rate_limits')
          .set({
            failures: write.failures,
            window_started_at: write.windowStartedAtMs,
            blocked_until: write.blockedUntilMs,
          })
          .where('key', '=', key)
          .execute();
      return result;
    });

  return {
    async getLimit(key) {
      const row = await db
        .selectFrom('rate_limits')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst();
      return row === undefined ? null : stateOf(row);
    },
    reserve: (key, nowMs, policy) =>
      locked(key, (current) => {
        const reservation = planReservation(current, nowMs, policy);
        return { write: reservation.allowed ? reservation.state : null, result: reservation };
      }),
    async refund(key) {
      await locked(key, (current) => ({ write: planRefund(current), result: undefined }));
    },
    async deleteLimit(key) {
      await db.deleteFrom('rate_limits').where('key', '=', key).execute();
    },
    async markKnown(key, nowMs, untilMs) {
      const row = { failures: 0, window_started_at: nowMs, blocked_until: untilMs };
      await db
        .insertInto('rate_limits')
        .values({ key, ...row })
        .onConflict((oc) => oc.column('key').doUpdateSet(row))
        .execute();
    },
    async pruneLimits(nowMs) {
      const result = await db
        .deleteFrom('rate_limits')
        .where('window_started_at', '<=', nowMs - LONGEST_WINDOW_MS)
        .where('blocked_until', '<=', nowMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
