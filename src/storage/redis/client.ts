/**
 * Redis connections that fail fast: while Redis is down, commands reject at once (the server
 * answers 503) instead of queueing, and the client reconnects by itself in the background.
 */
import { Redis } from 'ioredis';
import { AuthError } from '../../core/index.js';

export interface RedisHandle {
  readonly redis: Redis;
  /** Key prefix for everything this deployment stores. */
  readonly prefix: string;
  close(): Promise<void>;
}

/** Options shared by every Gatehouse Redis connection. */
export const FAIL_FAST = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  // Reconnect forever, backing off to 2 s: service returns by itself when Redis is back.
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
} as const;

/**
 * Connects and waits (up to `timeoutMs`) until Redis answers.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when it does not
 */
export async function openRedis(
  url: string,
  prefix: string,
  timeoutMs = 5000,
): Promise<RedisHandle> {
  const redis = new Redis(url, FAIL_FAST);
  // Without a listener a connection error would crash the process; requests see the failure.
  redis.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      if (redis.status === 'ready') done();
      else redis.once('ready', done);
    });
  } catch {
    redis.disconnect();
    throw new AuthError('ERR_STORE_UNAVAILABLE', 'cannot reach Redis');
  }
  return {
    redis,
    prefix,
    async close() {
      redis.disconnect();
    },
  };
}
