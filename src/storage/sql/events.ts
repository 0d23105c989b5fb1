/**
 * Security events in SQL: append-only rows (failed logins, refresh-token reuse, password
 * changes) for the audit trail.
 */
import type { Kysely } from 'kysely';
import { createRandomId, systemRandom } from '../../core/index.js';
import type { SecurityEventStore } from '../../limits/index.js';
import type { Database } from '../schema.js';

/**
 * Creates the security-event store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const events = createSqlSecurityEventStore(db);
 */
export function createSqlSecurityEventStore(db: Kysely<Database>): SecurityEventStore {
  return {
    async recordEvent(event) {
      await db
        .insertInto('security_events')
        .values({
          id: createRandomId(systemRandom),
          type: event.type,
          user_id: event.userId,
          session_id: event.sessionId,
          ip: event.ip,
          created_at: event.atMs,
        })
        .execute();
    },
    async pruneEvents(beforeMs) {
      const result = await db
        .deleteFrom('security_events')
        .where('created_at', '<', beforeMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
