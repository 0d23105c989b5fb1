/** What account recovery and verification need from storage: single-use email links. */
import type { MailMessage } from '../mail/index.js';

/**
 * What a link is for. `change_email` goes to the new address of an email change (its `email`:
 * that address); `undo_email_change` to the old one (its `email`: the address to restore).
 */
export type EmailTokenPurpose =
  | 'verify_email'
  | 'reset_password'
  | 'change_email'
  | 'undo_email_change';

/** A link's stored form: the id finds it, only the SHA-256 of the secret is kept. */
export interface EmailTokenRecord {
  readonly id: string;
  readonly secretHash: string;
  readonly purpose: EmailTokenPurpose;
  readonly userId: string;
  /** The address it was sent to. */
  readonly email: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly consumedAtMs: number | null;
}

export interface EmailTokenStore {
  /**
   * Stores a link and the message that carries it in one transaction: there is never a link
   * without its message, nor a message whose link was not stored.
   */
  issueToken(token: EmailTokenRecord, message: MailMessage): Promise<void>;
  findToken(id: string): Promise<EmailTokenRecord | null>;
  /**
   * Consumes a link in one conditional statement: true only for the one call that found it
   * unconsumed, of this purpose, and unexpired at `nowMs`.
   */
  consumeToken(id: string, purpose: EmailTokenPurpose, nowMs: number): Promise<boolean>;
  /** Consumes every live link of the user for `purpose` (after a reset: older links die too). */
  consumeUserTokens(userId: string, purpose: EmailTokenPurpose, nowMs: number): Promise<number>;
  /** Deletes links that expired before `beforeMs`; returns how many. */
  pruneTokens(beforeMs: number): Promise<number>;
}
