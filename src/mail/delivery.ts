/**
 * The delivery job's one pass: claim due messages, hand each to the transport, mark it sent once
 * accepted, or schedule another attempt with a backoff. A message is never dropped: a failure only
 * moves its next attempt. Delivery is at least once: an instance that dies after the transport
 * accepted a message and before marking it sent leaves it to be sent again when its lease ends.
 */
import { type Clock, createRandomId, type RandomSource } from '../core/index.js';
import type { OutboxStore } from './outbox.js';
import type { MailTransport } from './transport.js';

export interface MailDeliveryOptions {
  readonly outbox: OutboxStore;
  readonly transport: MailTransport;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** How long a claim holds (default 60 s: longer than the SMTP timeouts of one attempt). */
  readonly leaseMs?: number;
  /** Messages per pass (default 20). */
  readonly batchSize?: number;
}

export interface MailDelivery {
  /**
   * One pass; resolves with how many messages were sent. Rejects only when storage fails. When
   * `shouldStop` turns true (the instance is closing), the pass ends after the message in hand and
   * gives the rest of its claim back, due at once: another instance need not wait for the lease.
   */
  deliverDue(shouldStop?: () => boolean): Promise<number>;
}

const SECOND = 1000;

/**
 * When a message that failed `attempts` times is tried again: 5 s doubling, at most 15 minutes
 * (an SMTP server down for an hour costs about a dozen attempts per message).
 *
 * @example planRetryMs(1) // 5000
 */
export function planRetryMs(attempts: number): number {
  return Math.min(15 * 60 * SECOND, 5 * SECOND * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

/**
 * Creates the delivery pass of one instance (its claims carry a random owner id).
 *
 * @example
 * const delivery = createMailDelivery({ outbox, transport, clock, random });
 * await delivery.deliverDue();
 */
export function createMailDelivery(options: MailDeliveryOptions): MailDelivery {
  const { outbox, transport, clock } = options;
  const owner = createRandomId(options.random);
  const leaseMs = options.leaseMs ?? 60 * SECOND;
  const batchSize = options.batchSize ?? 20;
  return {
    async deliverDue(shouldStop = () => false) {
      const claimed = await outbox.claimDue(clock.nowMs(), leaseMs, owner, batchSize);
      let sent = 0;
      for (const [index, message] of claimed.entries()) {
        if (shouldStop()) {
          for (const rest of claimed.slice(index))
            await outbox.markFailed(rest.id, owner, clock.nowMs(), 'STOPPED');
          break;
        }
        try {
          await transport.send(message);
        } catch (error) {
          const code = (error as { code?: unknown } | null)?.code;
          await outbox.markFailed(
            message.id,
            owner,
            clock.nowMs() + planRetryMs(message.attempts),
            typeof code === 'string' ? code : 'UNKNOWN',
          );
          continue;
        }
        if (await outbox.markSent(message.id, owner, clock.nowMs())) sent += 1;
      }
      return sent;
    },
  };
}
