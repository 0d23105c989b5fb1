/**
 * The durable outbox: what the delivery job needs from storage. Requests only insert; the job
 * claims due messages under a lease (one atomic statement: two instances never hold one message
 * at once), sends them, and marks each sent only after the transport accepted it.
 */
import type { MailMessage } from './message.js';

/** A message claimed for sending, with how many attempts it has had (this one included). */
export interface ClaimedMessage extends MailMessage {
  readonly attempts: number;
}

export interface OutboxStore {
  /** Inserts a message, due at once. */
  enqueue(message: MailMessage, nowMs: number): Promise<void>;
  /**
   * Atomically claims up to `limit` unsent messages that are due and not held by a live lease,
   * for `owner` until `nowMs + leaseMs`, counting one attempt each.
   */
  claimDue(nowMs: number, leaseMs: number, owner: string, limit: number): Promise<ClaimedMessage[]>;
  /** Marks a message sent (and drops its bodies) if `owner` still holds it; false otherwise. */
  markSent(id: string, owner: string, nowMs: number): Promise<boolean>;
  /** Releases a message held by `owner` for another attempt at `nextAttemptAtMs`. */
  markFailed(id: string, owner: string, nextAttemptAtMs: number, error: string): Promise<void>;
  /** How many messages wait to be sent. */
  countPending(): Promise<number>;
  /** Deletes messages sent before `beforeMs`; returns how many. */
  pruneSent(beforeMs: number): Promise<number>;
}
