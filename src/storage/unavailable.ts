/**
 * Storage failures, whatever the backend, become one coded error: ERR_STORE_UNAVAILABLE (the
 * server answers 503 and the request can be retried). The client learns nothing of the cause;
 * `details.backend` and `details.cause` (an error class or driver code, never a message that
 * could carry data) are for the server's log.
 */
import { AuthError } from '../core/index.js';

export type Backend = 'database' | 'redis';

function causeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code)) return code;
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * Runs a storage operation; backend failures become ERR_STORE_UNAVAILABLE.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when the operation fails with anything but an AuthError
 * @example await withUnavailable(() => redis.ping(), 'redis');
 */
export async function withUnavailable<T>(
  operation: () => Promise<T>,
  backend: Backend = 'database',
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AuthError) throw error;
    // A value the database refused (PostgreSQL SQLSTATE class 22, data exception: a NUL in text,
    // an invalid byte sequence) is the request's fault, not an outage: it must not answer 503
    // nor log "storage unavailable", which would hide a real outage's line for a minute.
    const code = (error as { code?: unknown } | null)?.code;
    if (backend === 'database' && typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code))
      throw new AuthError(
        'ERR_REQUEST_INVALID',
        'A value of the request was refused by the database.',
        {
          cause: code,
        },
      );
    throw new AuthError('ERR_STORE_UNAVAILABLE', `${backend} is unavailable`, {
      backend,
      cause: causeOf(error),
    });
  }
}

/**
 * Wraps every method of a store in `withUnavailable`.
 *
 * @example const sessions = wrapUnavailable(createRedisSessionStore(redis, prefix), 'redis');
 */
export function wrapUnavailable<T extends object>(store: T, backend: Backend = 'database'): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(store)) {
    out[name] =
      typeof fn === 'function'
        ? (...args: unknown[]) => withUnavailable(() => fn(...args), backend)
        : fn;
  }
  return out as T;
}
