/**
 * The one schema of Gatehouse's SQL storage (SQLite and PostgreSQL), as Kysely table types. Times are integers of
 * milliseconds since the epoch. Secrets never appear: only SHA-256 hashes of them, and (for the
 * refresh grace window) a ciphertext whose key only the holder of the old token can derive.
 */
export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
  /** When the owner proved the address (0008); null: not verified. */
  email_verified_at: number | null;
  /** When an operator disabled the account (0009); null: enabled. */
  disabled_at: number | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** 'cookie' (browser session) or 'token' (access and refresh tokens). */
  kind: string;
  /** SHA-256 (base64url) of the cookie secret; null for token sessions. */
  secret_hash: string | null;
  created_at: number;
  last_used_at: number;
  /** Absolute end, counted from login; rotation never moves it. */
  expires_at: number;
  user_agent: string | null;
  ip: string | null;
  revoked_at: number | null;
  revoke_reason: string | null;
  /** The OAuth client a token session was granted to (0003); null for cookie sessions and older rows. */
  client_id: string | null;
  /** RFC 7638 thumbprint of the DPoP key a token session is bound to (0005); null: not bound. */
  dpop_jkt: string | null;
  /** Space-separated scopes granted to a token session (0006); null: cookie sessions, older rows. */
  scope: string | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  /** SHA-256 (base64url) of the token's secret part. */
  secret_hash: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  /** AES-256-GCM of the successor response, keyed by HKDF of the presented token. */
  replay_ciphertext: string | null;
  replay_expires_at: number | null;
}

export interface RateLimitsTable {
  key: string;
  failures: number;
  window_started_at: number;
  blocked_until: number;
}

export interface SecurityEventsTable {
  id: string;
  type: string;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  created_at: number;
  /** The request's User-Agent (0004); null for older rows and events without a request. */
  user_agent: string | null;
  /** Who acted on the account when not its owner (0011): `admin_token`; null otherwise. */
  actor: string | null;
}

export interface SigningKeysTable {
  kid: string;
  /** A private JWK (JSON). Readable by whoever can read this table: protect the database. */
  private_jwk: string;
  created_at: number;
  slot: string | null;
  /** From when the key may sign (0003): published in the JWKS before; null: from `created_at`. */
  activate_at: number | null;
}

/** Secrets every instance on the database shares (0005), by name: `dpop_nonce` (base64url). */
export interface ServerSecretsTable {
  name: string;
  secret: string;
  created_at: number;
}

/** Single-use email links (0008): verification and password reset, by id, the secret hashed. */
export interface EmailTokensTable {
  id: string;
  /** SHA-256 (base64url) of the token's secret part. */
  secret_hash: string;
  /** 'verify_email' or 'reset_password'. */
  purpose: string;
  user_id: string;
  /** The address the link was sent to: a verification holds only while it is the account's. */
  email: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** Messages waiting for, or accepted by, the mail transport (0008). */
export interface OutboxTable {
  id: string;
  recipient: string;
  subject: string;
  /** Emptied once sent: a link's secret is not kept at rest longer than needed. */
  text_body: string;
  html_body: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  /** The delivery job holding the message, until `claimed_until` (a lease). */
  claimed_by: string | null;
  claimed_until: number | null;
  sent_at: number | null;
  /** The code of the last failure (never the server's answer text). */
  last_error: string | null;
}

/** Registered OAuth clients (0006); list columns are JSON arrays of strings. */
export interface ClientsTable {
  id: string;
  name: string;
  /** 'public' or 'confidential'. */
  type: string;
  /** SHA-256 (base64url) of the client secret; null for public clients. */
  secret_hash: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  scopes: string;
  created_at: number;
  updated_at: number;
}

/** Roles per user (0006): one row per user and role. */
export interface UserRolesTable {
  user_id: string;
  role: string;
  created_at: number;
}

export interface AuthorizationCodesTable {
  id: string;
  /** SHA-256 (base64url) of the code's secret part. */
  secret_hash: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  /** 1 when the authorization request named the redirect URI. */
  redirect_uri_given: number;
  code_challenge: string;
  /** Space-separated granted scopes ('' for none). */
  scope: string;
  nonce: string | null;
  auth_time: number;
  browser_session_id: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  token_session_id: string | null;
  reused_at: number | null;
}

export interface Database {
  signing_keys: SigningKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  rate_limits: RateLimitsTable;
  security_events: SecurityEventsTable;
  server_secrets: ServerSecretsTable;
  clients: ClientsTable;
  user_roles: UserRolesTable;
  email_tokens: EmailTokensTable;
  outbox: OutboxTable;
  authorization_codes: AuthorizationCodesTable;
}
