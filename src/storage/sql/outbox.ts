/**
 * The outbox in SQL. A claim is one UPDATE over the due rows that no live lease holds: on
 * PostgreSQL a row another transaction claimed meanwhile is re-checked after its lock and no
 * longer matches (its lease is live), on SQLite writers are serialised; either way one message is
 * held by one instance at a time.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { ClaimedMessage, OutboxStore } from '../../mail/index.js';
import type { Database, OutboxTable } from '../schema.js';

const toClaimed = (row: Selectable<OutboxTable>): ClaimedMessage => ({
  id: row.id,
  to: row.recipient,
  subject: row.subject,
  text: row.text_body,
  html: row.html_body,
  attempts: Number(row.attempts),
});

/**
 * Creates the outbox store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const outbox = createSqlOutboxStore(db);
 */
export function createSqlOutboxStore(db: Kysely<Database>): OutboxStore {
  return {
    async enqueue(message, nowMs) {
      await db.insertInto('outbox').values(outboxRow(message, nowMs)).execute();
    },
    async claimDue(nowMs, leaseMs, owner, limit) {
      const rows = await db
        .updateTable('outbox')
        .set({
          claimed_by: owner,
          claimed_until: nowMs + leaseMs,
          attempts: sql<number>`attempts + 1`,
        })
        .where('id', 'in', (qb) =>
          qb
            .selectFrom('outbox')
            .select('id')
            .where('sent_at', 'is', null)
            .where('next_attempt_at', '<=', nowMs)
            .where((eb) =>
              eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', nowMs)]),
            )
            .orderBy('next_attempt_at')
            .limit(limit),
        )
        .where('sent_at', 'is', null)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', nowMs)]))
        .returningAll()
        .execute();
      return rows.map(toClaimed);
    },
    async markSent(id, owner, nowMs) {
      const result = await db
        .updateTable('outbox')
        .set({
          sent_at: nowMs,
          text_body: '',
          html_body: '',
          claimed_by: null,
          claimed_until: null,
          last_error: null,
        })
        .where('id', '=', id)
        .where('claimed_by', '=', owner)
        .where('sent_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async markFailed(id, owner, nextAttemptAtMs, error) {
      await db
        .updateTable('outbox')
        .set({
          claimed_by: null,
          claimed_until: null,
          next_attempt_at: nextAttemptAtMs,
          last_error: error.slice(0, 100),
        })
        .where('id', '=', id)
        .where('claimed_by', '=', owner)
        .where('sent_at', 'is', null)
        .execute();
    },
    async countPending() {
      const row = await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('sent_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async pruneSent(beforeMs) {
      const result = await db
        .deleteFrom('outbox')
        .where('sent_at', 'is not', null)
        .where('sent_at', '<', beforeMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** An outbox row for a message, due at once. */
export const outboxRow = (
  message: { id: string; to: string; subject: string; text: string; html: string },
  nowMs: number,
) => ({
  id: message.id,
  recipient: message.to,
  subject: message.subject,
  text_body: message.text,
  html_body: message.html,
  created_at: nowMs,
  attempts: 0,
  next_attempt_at: nowMs,
  claimed_by: null,
  claimed_until: null,
  sent_at: null,
  last_error: null,
});
