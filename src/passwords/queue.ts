/**
 * A bounded queue in front of argon2id. Each hash takes tens of milliseconds of a worker thread
 * and about 19 MiB; without a bound, a burst of logins or sign-ups queues without end and every
 * other user's login waits behind it. At most `maxConcurrent` run at once and `maxQueued` wait;
 * beyond that the caller is told at once (ERR_AUTH_BUSY: 503 with Retry-After), which costs
 * nothing.
 */
import { AuthError } from '../core/index.js';

export interface WorkQueueOptions {
  /** Hashes running at once (default 4: libuv's default thread pool). */
  readonly maxConcurrent?: number;
  /** Hashes waiting for a slot (default 64). */
  readonly maxQueued?: number;
}

export interface WorkQueue {
  /**
   * Runs `work` when a slot is free.
   * @throws AuthError ERR_AUTH_BUSY when every slot is taken and the queue is full
   */
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly running: number;
  readonly queued: number;
}

/**
 * Creates a queue.
 *
 * @example
 * const queue = createWorkQueue({ maxConcurrent: 4, maxQueued: 64 });
 * const ok = await queue.run(() => verifyPassword(hash, password));
 */
export function createWorkQueue(options: WorkQueueOptions = {}): WorkQueue {
  const maxConcurrent = options.maxConcurrent ?? 4;
  const maxQueued = options.maxQueued ?? 64;
  if (
    !Number.isInteger(maxConcurrent) ||
    maxConcurrent < 1 ||
    !Number.isInteger(maxQueued) ||
    maxQueued < 0
  )
    throw new AuthError('ERR_CONFIG_INVALID', 'maxConcurrent must be >= 1 and maxQueued >= 0');
  let running = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    running--;
    const next = waiting.shift();
    if (next !== undefined) {
      running++;
      next();
    }
  };

  return {
    async run(work) {
      if (running >= maxConcurrent) {
        if (waiting.length >= maxQueued)
          throw new AuthError('ERR_AUTH_BUSY', 'password checks are saturated', {
            retryAfterSeconds: 1,
          });
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running++;
      }
      try {
        return await work();
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get queued() {
      return waiting.length;
    },
  };
}
