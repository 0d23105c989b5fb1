/**
 * Security events in SQL: append-only rows (sign-ups, logins, logouts, failed logins, refresh-token
 * reuse, password changes, operators' actions) for the audit trail.
 */
import type { Kysely, Selectable } from 'kysely';
import { createRandomId, systemRandom } from '../../core/index.js';
import type {
  SecurityEvent,
  SecurityEventQuery,
  SecurityEventStore,
  StoredSecurityEvent,
} from '../../limits/index.js';
import type { Database, SecurityEventsTable } from '../schema.js';

const toEvent = (row: Selectable<SecurityEventsTable>): SecurityEvent => ({
  type: row.type as SecurityEvent['type'],
  userId: row.user_id,
  sessionId: row.session_id,
  ip: row.ip,
  userAgent: row.user_agent,
  // PostgreSQL returns bigint as a string.
  atMs: Number(row.created_at),
});

/**
 * Creates the security-event store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const events = createSqlSecurityEventStore(db);
 */
export function createSqlSecurityEventStore(db: Kysely<Database>): SecurityEventStore {
  const select = (query: SecurityEventQuery) => {
    let select = db.selectFrom('security_events').selectAll();
    if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
    if (query.type !== undefined) select = select.where('type', '=', query.type);
    if (query.sinceMs !== undefined) select = select.where('created_at', '>=', query.sinceMs);
    if (query.untilMs !== undefined) select = select.where('created_at', '<=', query.untilMs);
    return select;
  };
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
          user_agent: event.userAgent,
          created_at: event.atMs,
          actor: event.actor ?? null,
        })
        .execute();
    },
    async listEvents(query) {
      const rows = await select(query)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.max(0, Math.floor(query.limit)))
        .execute();
      return rows.map(toEvent);
    },
    async pageEvents(query) {
      let page = select(query);
      const after = query.after;
      if (after !== undefined)
        // Keyset paging: strictly after the last row of the previous page in (time, id) order.
        page = page.where((eb) =>
          eb.or([
            eb('created_at', '<', after.atMs),
            eb.and([eb('created_at', '=', after.atMs), eb('id', '<', after.id)]),
          ]),
        );
      const rows = await page
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.max(0, Math.floor(query.limit)))
        .execute();
      return rows.map(
        (row): StoredSecurityEvent => ({ ...toEvent(row), id: row.id, actor: row.actor }),
      );
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
