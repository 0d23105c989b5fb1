/**
 * Revocations pushed to every instance through Redis pub/sub, so a logout on one instance is
 * seen by the others in milliseconds. The storage poll (GATEHOUSE_REVOCATION_SYNC_INTERVAL) stays
 * as the bound when a message is lost, for example while Redis is down.
 */
import type { Redis } from 'ioredis';
import type { RevocationRegistry } from '../../access/index.js';
import { FAIL_FAST } from './client.js';

export interface RevocationFeed {
  /** Tells the other instances (best effort: the storage poll covers a lost message). */
  publish(sessionId: string, untilMs: number): void;
  close(): Promise<void>;
}

/** Subscribes the registry to the channel (revocations by other instances) and returns the publisher. */
export async function startRevocationFeed(
  redis: Redis,
  channel: string,
  registry: Pick<RevocationRegistry, 'receive'>,
): Promise<RevocationFeed> {
  const subscriber = redis.duplicate({ ...FAIL_FAST, enableOfflineQueue: true });
  subscriber.on('error', () => {});
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { id, untilMs } = JSON.parse(message) as { id?: unknown; untilMs?: unknown };
      if (
        typeof id === 'string' &&
        id.length <= 64 &&
        typeof untilMs === 'number' &&
        Number.isFinite(untilMs)
      )
        registry.receive(id, untilMs);
    } catch {
      // Not ours: ignore.
    }
  });
  await subscriber.subscribe(channel);
  return {
    publish(sessionId, untilMs) {
      redis.publish(channel, JSON.stringify({ id: sessionId, untilMs })).catch(() => {});
    },
    async close() {
      subscriber.disconnect();
    },
  };
}
