/** `gatehouse events list`: the security-event trail from the database, newest first. */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/index.js';
import { configFromEnv } from '../../server/index.js';
import { openStorage, type Stores } from '../../storage/index.js';
import { type CliIo, type ExitCode, UsageError } from '../io.js';

type SecurityEventType = NonNullable<Parameters<Stores['events']['listEvents']>[0]['type']>;

/**
 * The types --type accepts. Kept here because cli/ may not import limits/ (the architecture
 * test); the check below fails to compile when limits/ gains a type this list lacks.
 */
const SECURITY_EVENT_TYPES = [
  'signup',
  'login',
  'logout',
  'login_failed',
  'login_rate_limited',
  'signup_rate_limited',
  'password_changed',
  'password_change_failed',
  'refresh_reuse',
  'dpop_key_mismatch',
  'email_verified',
  'password_reset_requested',
  'password_reset',
  'email_link_refused',
  'account_disabled',
  'account_enabled',
  'account_signed_out',
  'account_deleted',
  'role_granted',
  'role_removed',
  'reauthentication_failed',
  'email_change_requested',
  'email_changed',
  'email_change_undone',
] as const satisfies readonly SecurityEventType[];
const everyType: Exclude<SecurityEventType, (typeof SECURITY_EVENT_TYPES)[number]> extends never
  ? true
  : never = true;
void everyType;

export const usage = `gatehouse events list [--user ID] [--type TYPE] [--since ISO] [--until ISO] [--limit N]
  Prints the security events in GATEHOUSE_DATABASE_URL, newest first, one per line: time (UTC),
  type, user id, session id, IP address ('-' where there is none). Nothing secret is stored.
  --type: ${SECURITY_EVENT_TYPES.join(', ')}.
  --since, --until: ISO 8601 times (2026-11-01 or 2026-11-01T12:00:00Z), both inclusive.
  --limit: at most N events (default 100, up to 10000).
`;

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;
// A date, optionally a time: what Date.parse reads the same way everywhere.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseTime(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new UsageError(`${option} must be an ISO 8601 time, e.g. 2026-11-01T12:00:00Z`);
  return ms;
}

const isEventType = (text: string): text is SecurityEventType =>
  (SECURITY_EVENT_TYPES as readonly string[]).includes(text);

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
  const type = values.type;
  if (type !== undefined && !isEventType(type))
    throw new UsageError(`--type must be one of ${SECURITY_EVENT_TYPES.join(', ')}`);
  const sinceMs = parseTime('--since', values.since);
  const untilMs = parseTime('--until', values.until);
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
  if (
    !/^\d+$/.test(values.limit ?? '1') ||
    !Number.isSafeInteger(limit) ||
    limit < 1 ||
    limit > MAX_LIMIT
  )
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}`);
  try {
    const storage = await openStorage(configFromEnv(io.env).database);
    try {
      const events = await storage.stores.events.listEvents({
        limit,
        ...(values.user === undefined ? {} : { userId: values.user }),
        ...(type === undefined ? {} : { type }),
        ...(sinceMs === undefined ? {} : { sinceMs }),
        ...(untilMs === undefined ? {} : { untilMs }),
      });
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
