/**
 * Every store the server needs, whichever backends provide them (SQLite, PostgreSQL, later Redis
 * for sessions, revocations and limits).
 */
import type { AccountStore } from '../accounts/index.js';
import type { ClientStore, RoleStore } from '../clients/index.js';
import type { NonceSecretStore } from '../dpop/index.js';
import type { SigningKeyStore } from '../jwt/index.js';
import type { EmailTokenStore } from '../lifecycle/index.js';
import type { LimitStore, SecurityEventStore } from '../limits/index.js';
import type { OutboxStore } from '../mail/index.js';
import type { AuthorizationCodeStore } from '../oauth/index.js';
import type { RefreshStore } from '../refresh/index.js';
import type { SessionStore } from '../sessions/index.js';

export interface Stores {
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly refresh: RefreshStore;
  readonly limits: LimitStore;
  readonly events: SecurityEventStore;
  /** Shared signing keys (SQL backends). */
  readonly keys: SigningKeyStore;
  /** The DPoP nonce secret every instance on the database shares (SQL backends). */
  readonly secrets: NonceSecretStore;
  /**
   * Registered OAuth clients (SQL). `removeClient` deletes one and revokes its token sessions;
   * null when there was no such client.
   */
  readonly clients: ClientStore & {
    removeClient(id: string, nowMs: number): Promise<{ revokedSessionIds: string[] } | null>;
  };
  /** Roles per user (SQL). */
  readonly roles: RoleStore;
  /** Messages until a mail transport accepted them (SQL backends). */
  readonly outbox: OutboxStore;
  /** Single-use email links: verification, password reset (SQL backends). */
  readonly emailTokens: EmailTokenStore;
  /** Single-use authorization codes of the code flow (SQL backends). */
  readonly codes: AuthorizationCodeStore;
  /** Resolves when every backend answers a trivial query. */
  ping(): Promise<void>;
  /** Each backend by name ('database', 'redis'), up or not. */
  health(): Promise<Record<string, 'up' | 'down'>>;
}
