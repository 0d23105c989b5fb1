/** `gatehouse events list`: the security-event trail from the database, newest first. */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/index.js';
import { parseEventFilter, SECURITY_EVENT_TYPES } from '../../limits/index.js';
import { configFromEnv } from '../../server/index.js';
import { openStorage } from '../../storage/index.js';
import { type CliIo, type ExitCode, UsageError } from '../io.js';

export const usage = `gatehouse events list [--user ID] [--type TYPE] [--since ISO] [--until ISO] [--limit N]
  Prints the security events in GATEHOUSE_DATABASE_URL, newest first, one per line: time (UTC),
  type, user id, session id, IP address ('-' where there is none). Nothing secret is stored.
  --type: ${SECURITY_EVENT_TYPES.join(', ')}.
  --since, --until: ISO 8601 times (2026-11-01 or 2026-11-01T12:00:00Z), both inclusive.
  --limit: at most N events (default 100, up to 10000).
`;

/** The filter of the options, or a usage error naming the option. */
function filterOf(values: {
  user?: string | undefined;
  type?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit?: string | undefined;
}) {
  try {
    const { user, type, since, until, limit } = values;
    return parseEventFilter(
      { userId: user, type, since, until, limit },
      { defaultLimit: 100, maxLimit: 10_000 },
    );
  } catch (error) {
    if (isAuthError(error, 'ERR_REQUEST_INVALID')) throw new UsageError(`--${error.message}`);
    throw error;
  }
}

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      user: { type: 'string' },
      type: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const filter = filterOf(values);
  try {
    const storage = await openStorage(configFromEnv(io.env).database);
    try {
      const events = await storage.stores.events.listEvents(filter);
      for (const event of events)
        io.stdout(
          `${new Date(event.atMs).toISOString()}  ${event.type}  user=${event.userId ?? '-'}  session=${event.sessionId ?? '-'}  ip=${event.ip ?? '-'}\n`,
        );
      if (events.length === 0) io.stderr('no events match\n');
      return 0;
    } finally {
      await storage.close();
    }
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
