/**
 * Storage failures, whatever the backend, become one coded error: ERR_STORE_UNAVAILABLE (the
 * server answers 503 and the request can be retried). Nothing of the cause reaches the client.
 */
import { AuthError } from '../core/errors.js';

/** Runs a storage operation; database failures become ERR_STORE_UNAVAILABLE. */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError('ERR_STORE_UNAVAILABLE', 'storage is unavailable');
  }
}

/** Wraps every method of a store in `guard`. */
export function guarded<T extends object>(store: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(store)) {
    out[name] = typeof fn === 'function' ? (...args: unknown[]) => guard(() => fn(...args)) : fn;
  }
  return out as T;
}

