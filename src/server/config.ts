/**
 * Server configuration. `createServerConfig(options)` validates typed options once, listing
 * every problem, and returns a deep-frozen `ServerConfig`; library users call it directly.
 * `configFromEnv(env)` only turns GATEHOUSE_* variables into those options (and names the
 * variables in its problems).
 */
import { ROLE_NAME, SCOPE_TOKEN } from '../clients/index.js';
import { AuthError } from '../core/index.js';
import type { ClaimsHook } from '../flows/index.js';
import { OWASP_MINIMUM, type PasswordHashParams } from '../passwords/index.js';
import type { DatabaseConfig } from '../storage/index.js';
import { checkProxyEntry, MAX_PROXY_HOPS, parseTrustProxy, type TrustProxy } from './proxy.js';

/**
 * How the pages and messages present the adopter's product (GATEHOUSE_PRODUCT_NAME, _LOGO,
 * _ACCENT_COLOR, _SUPPORT_URL). Validated here; rendered by server/pages/branding.ts.
 */
export interface Branding {
  /** The product's name; null: pages say Gatehouse and messages the issuer's host. */
  readonly productName: string | null;
  /** An http(s) image URL, or an image file the server serves at /assets/logo; null: none. */
  readonly logo: BrandLogo | null;
  /** `#rrggbb`: buttons, links and focus rings (pages adjust it for contrast). */
  readonly accentColor: string;
  /** Where users get help: an http(s) URL or a mailto: address; null: no link. */
  readonly supportUrl: string | null;
}

export type BrandLogo =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'file'; readonly path: string; readonly contentType: string };

/** GATEHOUSE_WEB_SIGN_IN: what the sign-in form of the pages keeps, a cookie or tokens. */
export type WebSignInMode = 'cookie' | 'tokens';
const WEB_SIGN_IN_MODES: readonly string[] = ['cookie', 'tokens'];

/** The logo files the server serves, by extension. */
const LOGO_TYPES: Readonly<Record<string, string>> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  ico: 'image/x-icon',
};

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  /** Redis for cookie sessions, the login limiter and the revocation feed; null: all in the database. */
  readonly redis: { readonly url: string; readonly prefix: string } | null;
  readonly issuer: string;
  readonly audience: string;
  /**
   * Where the signing keys come from: an HS256 secret, a private JWKS file (created with one
   * ES256 key when missing), or the database (PostgreSQL default: shared by every instance).
   */
  readonly keysSource: 'secret' | 'file' | 'database';
  readonly signingKeysPath: string;
  readonly jwtSecret: string | null;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  readonly sessionAbsoluteTtlSeconds: number;
  readonly sessionIdleTtlSeconds: number;
  readonly sessionTouchIntervalSeconds: number;
  /** How often revocations made by other instances are read from storage (the revocation bound). */
  readonly revocationSyncSeconds: number;
  /** How often the retention job deletes what storage no longer needs. */
  readonly retentionIntervalSeconds: number;
  /** How long security events are kept. */
  readonly eventRetentionSeconds: number;
  /** Active sessions a user may hold; a new login ends the oldest beyond this. */
  readonly maxSessionsPerUser: number;
  /**
   * How long `gatehouse keys rotate` publishes a new key before it signs, so that every API has
   * fetched it first (README, Production: key rotation).
   */
  readonly keyPropagationDelaySeconds: number;
  readonly basicAuth: boolean;
  /**
   * DPoP (RFC 9449): `allowed` binds tokens to the key of a proof when the client sends one,
   * `required` refuses token requests without a proof and Bearer tokens, `off` ignores proofs
   * (bound tokens stay refused as Bearer, and bound sessions cannot refresh).
   */
  readonly dpop: DpopMode;
  /** SMTP server messages go to (nodemailer URL; holds credentials: never logged); null: .eml files. */
  readonly smtpUrl: string | null;
  /** The From of every message: `name <address>` or an address. */
  readonly mailFrom: string;
  /** Where messages are written as .eml files when there is no SMTP server. */
  readonly mailOutboxDir: string;
  /** Refuse sign-in until the account's address is verified. */
  readonly requireVerifiedEmail: boolean;
  /** How long a verification link works. */
  readonly emailVerificationTtlSeconds: number;
  /** How long a password-reset link works. */
  readonly passwordResetTtlSeconds: number;
  /** How long the link to the new address of an email change works. */
  readonly emailChangeTtlSeconds: number;
  /** How long the undo link sent to the old address of an email change works. */
  readonly emailChangeUndoTtlSeconds: number;
  /** Name, logo, accent colour and support link of the pages and messages. */
  readonly branding: Branding;
  /** What the pages' sign-in keeps; the developer tools (/developer) can pick the other per tab. */
  readonly webSignIn: WebSignInMode;
  /** Origins whose cookie-authenticated requests pass the CSRF check: ours, the CORS ones, and those given. */
  readonly allowedOrigins: readonly string[];
  /** Browser origins answered with CORS headers (server/cors.ts); empty: no CORS at all. */
  readonly corsOrigins: readonly string[];
  readonly passwordParams: PasswordHashParams;
  /** Password hashes that may wait for a worker; beyond that, 503 at once (see passwords/queue.ts). */
  readonly argon2QueueSize: number;
  /** Our proxies in front: none, how many, or their addresses/CIDRs (server/proxy.ts). */
  readonly trustProxy: TrustProxy;
  /** A request's headers must arrive within this (node:http headersTimeout). */
  readonly headersTimeoutSeconds: number;
  /** A whole request must arrive within this; also the longest a socket may stay silent. */
  readonly requestTimeoutSeconds: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutSeconds: number;
  /** On close, requests in flight get this long to finish; then every connection is closed. */
  readonly shutdownTimeoutSeconds: number;
  /** The Bearer token GET /metrics requires; null: no /metrics at all (404). */
  readonly metricsToken: string | null;
  /**
   * The secret resource servers authenticate with at POST /v1/introspect (client id
   * `resource-server`); null: no introspection endpoint (404).
   */
  readonly introspectionSecret: string | null;
  /**
   * The Bearer token of the admin API (/v1/admin/*, README: Admin API); null: no admin API at all
   * (404).
   */
  readonly adminToken: string | null;
  /** Scopes every signed-in user may be granted (README, Clients and scopes). */
  readonly userScopes: readonly string[];
  /** Per role, the scopes its holders may be granted besides `userScopes`. */
  readonly roleScopes: Readonly<Record<string, readonly string[]>>;
  /** The custom-claims hook of access tokens; null: none. */
  readonly claims: ClaimsHook | null;
  readonly logLevel: string;
  readonly production: boolean;
}

/** What a caller may pass: every field optional, with the defaults documented in the README. */
export interface ServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly database?: DatabaseConfig;
  readonly redis?: { readonly url: string; readonly prefix?: string } | null;
  readonly issuer?: string;
  readonly audience?: string;
  readonly keysSource?: ServerConfig['keysSource'];
  readonly signingKeysPath?: string;
  readonly jwtSecret?: string | null;
  readonly accessTokenTtlSeconds?: number;
  readonly refreshTokenTtlSeconds?: number;
  readonly refreshReuseGraceSeconds?: number;
  readonly sessionAbsoluteTtlSeconds?: number;
  readonly sessionIdleTtlSeconds?: number;
  readonly sessionTouchIntervalSeconds?: number;
  readonly revocationSyncSeconds?: number;
  readonly retentionIntervalSeconds?: number;
  readonly eventRetentionSeconds?: number;
  readonly maxSessionsPerUser?: number;
  readonly keyPropagationDelaySeconds?: number;
  readonly basicAuth?: boolean;
  /** Default `allowed`. */
  readonly dpop?: DpopMode;
  /** smtp:// or smtps:// (nodemailer); default none: messages become .eml files in `mailOutboxDir`. */
  readonly smtpUrl?: string | null;
  /** Default `Gatehouse <no-reply@HOST>`, HOST the issuer's host name. */
  readonly mailFrom?: string;
  /** Default `./data/outbox` (beside the default SQLite file). */
  readonly mailOutboxDir?: string;
  /** Default false. */
  readonly requireVerifiedEmail?: boolean;
  readonly emailVerificationTtlSeconds?: number;
  readonly passwordResetTtlSeconds?: number;
  readonly emailChangeTtlSeconds?: number;
  readonly emailChangeUndoTtlSeconds?: number;
  /** At most 60 characters. Default: none (pages say Gatehouse, messages the issuer's host). */
  readonly productName?: string | null;
  /** An http(s) URL of an image, or the path of an .svg/.png/.jpg/.webp/.gif/.ico file. */
  readonly logo?: string | null;
  /** `#rgb` or `#rrggbb`. Default `#0b57d0`. */
  readonly accentColor?: string;
  /** An http(s) URL or `mailto:address`. */
  readonly supportUrl?: string | null;
  /** Default `cookie`. */
  readonly webSignIn?: WebSignInMode;
  /** Origins allowed besides the issuer's own (CSRF check of cookie requests). */
  readonly allowedOrigins?: readonly string[];
  /** Exact origins (`https://app.example.com`) that may call the API from a browser; also allowed for cookies. */
  readonly corsOrigins?: readonly string[];
  readonly passwordParams?: Partial<Pick<PasswordHashParams, 'memoryKiB' | 'iterations'>>;
  readonly argon2QueueSize?: number;
  /** `true` is refused: it trusts every hop of X-Forwarded-For. */
  readonly trustProxy?: boolean | number | readonly string[];
  readonly headersTimeoutSeconds?: number;
  readonly requestTimeoutSeconds?: number;
  readonly keepAliveTimeoutSeconds?: number;
  readonly shutdownTimeoutSeconds?: number;
  /** At least 32 bytes; turns GET /metrics on. */
  readonly metricsToken?: string | null;
  /** At least 32 bytes; turns POST /v1/introspect (RFC 7662) on. */
  readonly introspectionSecret?: string | null;
  /** At least 32 bytes; turns the admin API (/v1/admin/*) on. */
  readonly adminToken?: string | null;
  /** Scopes every signed-in user may be granted. Default: none. */
  readonly userScopes?: readonly string[];
  /** Role name -> scopes its holders may be granted. Default: none. */
  readonly roleScopes?: Readonly<Record<string, readonly string[]>>;
  /**
   * Adds claims to access tokens (at sign-in and every refresh); never replaces the profile's
   * claims. Code only: no environment variable.
   * @example claims: ({ user }) => ({ tenant: tenantOf(user.email) })
   */
  readonly claims?: ClaimsHook | null;
  readonly logLevel?: string;
  readonly production?: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** GATEHOUSE_DPOP: whether DPoP proofs are ignored, taken when sent, or demanded. */
export type DpopMode = 'off' | 'allowed' | 'required';
const DPOP_MODES: readonly string[] = ['off', 'allowed', 'required'];

type Field = keyof ServerOptions | 'passwordParams.memoryKiB' | 'passwordParams.iterations';

/** The environment variable behind each option, for problems worded in the user's terms. */
const ENV_NAMES: Readonly<Record<Field, string>> = {
  port: 'GATEHOUSE_PORT',
  host: 'GATEHOUSE_HOST',
  database: 'GATEHOUSE_DATABASE_URL',
  redis: 'GATEHOUSE_REDIS_URL',
  issuer: 'GATEHOUSE_ISSUER',
  audience: 'GATEHOUSE_AUDIENCE',
  keysSource: 'GATEHOUSE_SIGNING_KEYS',
  signingKeysPath: 'GATEHOUSE_SIGNING_KEYS',
  jwtSecret: 'GATEHOUSE_JWT_SECRET',
  accessTokenTtlSeconds: 'GATEHOUSE_ACCESS_TOKEN_TTL',
  refreshTokenTtlSeconds: 'GATEHOUSE_REFRESH_TOKEN_TTL',
  refreshReuseGraceSeconds: 'GATEHOUSE_REFRESH_REUSE_GRACE',
  sessionAbsoluteTtlSeconds: 'GATEHOUSE_SESSION_ABSOLUTE_TTL',
  sessionIdleTtlSeconds: 'GATEHOUSE_SESSION_IDLE_TTL',
  sessionTouchIntervalSeconds: 'GATEHOUSE_SESSION_TOUCH_INTERVAL',
  revocationSyncSeconds: 'GATEHOUSE_REVOCATION_SYNC_INTERVAL',
  retentionIntervalSeconds: 'GATEHOUSE_RETENTION_INTERVAL',
  eventRetentionSeconds: 'GATEHOUSE_EVENT_RETENTION',
  maxSessionsPerUser: 'GATEHOUSE_MAX_SESSIONS_PER_USER',
  keyPropagationDelaySeconds: 'GATEHOUSE_KEY_PROPAGATION_DELAY',
  basicAuth: 'GATEHOUSE_BASIC_AUTH',
  dpop: 'GATEHOUSE_DPOP',
  smtpUrl: 'GATEHOUSE_SMTP_URL',
  mailFrom: 'GATEHOUSE_MAIL_FROM',
  mailOutboxDir: 'GATEHOUSE_MAIL_OUTBOX',
  requireVerifiedEmail: 'GATEHOUSE_REQUIRE_VERIFIED_EMAIL',
  emailVerificationTtlSeconds: 'GATEHOUSE_EMAIL_VERIFICATION_TTL',
  passwordResetTtlSeconds: 'GATEHOUSE_PASSWORD_RESET_TTL',
  emailChangeTtlSeconds: 'GATEHOUSE_EMAIL_CHANGE_TTL',
  emailChangeUndoTtlSeconds: 'GATEHOUSE_EMAIL_CHANGE_UNDO_TTL',
  productName: 'GATEHOUSE_PRODUCT_NAME',
  logo: 'GATEHOUSE_LOGO',
  accentColor: 'GATEHOUSE_ACCENT_COLOR',
  supportUrl: 'GATEHOUSE_SUPPORT_URL',
  webSignIn: 'GATEHOUSE_WEB_SIGN_IN',
  allowedOrigins: 'GATEHOUSE_ALLOWED_ORIGINS',
  corsOrigins: 'GATEHOUSE_CORS_ORIGINS',
  passwordParams: 'GATEHOUSE_ARGON2_*',
  'passwordParams.memoryKiB': 'GATEHOUSE_ARGON2_MEMORY_KIB',
  'passwordParams.iterations': 'GATEHOUSE_ARGON2_ITERATIONS',
  argon2QueueSize: 'GATEHOUSE_ARGON2_QUEUE',
  trustProxy: 'GATEHOUSE_TRUST_PROXY',
  headersTimeoutSeconds: 'GATEHOUSE_HEADERS_TIMEOUT',
  requestTimeoutSeconds: 'GATEHOUSE_REQUEST_TIMEOUT',
  keepAliveTimeoutSeconds: 'GATEHOUSE_KEEP_ALIVE_TIMEOUT',
  shutdownTimeoutSeconds: 'GATEHOUSE_SHUTDOWN_TIMEOUT',
  metricsToken: 'GATEHOUSE_METRICS_TOKEN',
  introspectionSecret: 'GATEHOUSE_INTROSPECTION_SECRET',
  adminToken: 'GATEHOUSE_ADMIN_TOKEN',
  userScopes: 'GATEHOUSE_USER_SCOPES',
  roleScopes: 'GATEHOUSE_ROLE_SCOPES',
  claims: 'claims (an option in code)',
  logLevel: 'GATEHOUSE_LOG_LEVEL',
  production: 'NODE_ENV',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DAY = 86_400;

/** Duration options: [default, min, max] in seconds. */
const DURATIONS = {
  accessTokenTtlSeconds: [3600, 30, DAY],
  refreshTokenTtlSeconds: [14 * DAY, 60, 400 * DAY],
  refreshReuseGraceSeconds: [10, 0, 300],
  sessionAbsoluteTtlSeconds: [30 * DAY, 60, 400 * DAY],
  sessionIdleTtlSeconds: [DAY, 60, 400 * DAY],
  sessionTouchIntervalSeconds: [60, 0, DAY],
  revocationSyncSeconds: [2, 1, 3600],
  retentionIntervalSeconds: [3600, 1, 7 * DAY],
  eventRetentionSeconds: [90 * DAY, DAY, 3650 * DAY],
  // A slow client holds a connection (slowloris) for at most these; 10 s for headers and 30 s
  // for a body of at most 16 KiB are generous on any real link.
  headersTimeoutSeconds: [10, 1, 300],
  requestTimeoutSeconds: [30, 1, 3600],
  // Behind a load balancer, set this longer than the balancer's own idle timeout.
  keepAliveTimeoutSeconds: [5, 1, 600],
  // 0: no grace, every connection is closed at once.
  shutdownTimeoutSeconds: [10, 0, 600],
  // Default: see keyPropagationDelaySeconds in validate. 0 is allowed (an emergency rotation).
  keyPropagationDelaySeconds: [60, 0, DAY],
  // A verification link waits in an inbox for days; a reset link is a password for 30 minutes.
  emailVerificationTtlSeconds: [2 * DAY, 300, 30 * DAY],
  passwordResetTtlSeconds: [1800, 300, DAY],
  // A confirmation link to a new address is used at once, like a reset link; the undo link must
  // outlast a week away from the old inbox.
  emailChangeTtlSeconds: [3600, 300, DAY],
  emailChangeUndoTtlSeconds: [7 * DAY, DAY, 30 * DAY],
} as const satisfies Partial<Record<Field, readonly [number, number, number]>>;

type DurationField = keyof typeof DURATIONS;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function checkHttpUrl(text: string): boolean {
  try {
    const parsed = new URL(text);
    return (
      (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
      parsed.search === '' &&
      parsed.hash === ''
    );
  } catch {
    return false;
  }
}

/** An SMTP URL nodemailer takes: smtp: or smtps:, a host, nothing after the port but a slash. */
function checkSmtpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'smtp:' || url.protocol === 'smtps:') &&
      url.hostname !== '' &&
      (url.pathname === '' || url.pathname === '/') &&
      url.hash === ''
    );
  } catch {
    return false;
  }
}

/** `name@host` or `Display Name <name@host>`; no line breaks (they would be header injection). */
const MAIL_FROM = /^(?:[^<>\r\n]{0,100}<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/;

/** `#rgb` or `#rrggbb` as `#rrggbb` in lower case, or null. */
function parseHexColor(text: string): string | null {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text);
  if (match === null) return null;
  const hex = (match[1] as string).toLowerCase();
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`;
}

/** A support link: an http(s) URL, or mailto: with one address (no headers: no `?`). */
function checkSupportUrl(text: string): boolean {
  if (/^mailto:/i.test(text)) return /^mailto:[^\s@?&<>"]+@[^\s@?&<>"]+$/i.test(text);
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '';
  } catch {
    return false;
  }
}

/**
 * A logo: an http(s) URL (taken as it is, and allowed as an image source by the pages' CSP), or
 * the path of an image file by its extension; null when it is neither.
 */
function parseLogo(text: string): BrandLogo | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '')
        return null;
      return { kind: 'url', url: url.href };
    } catch {
      return null;
    }
  }
  const extension = /\.([a-z]+)$/i.exec(text)?.[1]?.toLowerCase();
  const contentType = extension === undefined ? undefined : LOGO_TYPES[extension];
  return contentType === undefined ? null : { kind: 'file', path: text, contentType };
}

/**
 * A CORS origin in the form browsers send it (`https://app.example.com`, `http://localhost:5173`),
 * or null. The header is compared exactly, so the entry is normalised (case, default port, one
 * trailing slash); a path, query, fragment, credentials, `*` or `null` is refused: they would
 * never match, or would match more than meant.
 */
function parseCorsOrigin(text: string): string | null {
  if (/[*?#]/.test(text)) return null;
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (url.username !== '' || url.password !== '' || url.pathname !== '/') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** Validates options; problems are pushed, worded with `name(field)`. */
function validate(
  options: ServerOptions,
  name: (field: Field) => string,
  problems: string[],
): ServerConfig {
  const int = (
    field: Field,
    value: number | undefined,
    fallback: number,
    min: number,
    max: number,
  ) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name(field)} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const duration = (field: DurationField) => {
    const [fallback, min, max] = DURATIONS[field];
    const value = options[field];
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(
        `${name(field)} must be a duration (seconds, or with s/m/h/d) from ${min}s to ${max}s`,
      );
      return fallback;
    }
    return value;
  };

  const production = options.production === true;
  const port = int('port', options.port, 3000, 0, 65_535);
  const host = options.host ?? '127.0.0.1';
  if (host === '') problems.push(`${name('host')} must not be empty`);

  // A copy: the result is frozen, the caller's own object must not be.
  const database: DatabaseConfig = options.database
    ? { ...options.database }
    : {
        kind: 'sqlite',
        path: './data/gatehouse.db',
      };
  if (database.kind === 'sqlite' && database.path === '')
    problems.push(`${name('database')} sqlite: needs a path (or :memory:)`);
  if (database.kind === 'postgres' && !/^postgres(ql)?:\/\//.test(database.url))
    problems.push(`${name('database')} is not a valid postgres:// URL`);

  let redis: ServerConfig['redis'] = null;
  if (options.redis !== undefined && options.redis !== null) {
    if (!/^rediss?:\/\/./.test(options.redis.url))
      problems.push(`${name('redis')} must be redis://HOST:PORT (or rediss://)`);
    else redis = { url: options.redis.url, prefix: options.redis.prefix ?? 'gatehouse:' };
  }

  const issuerGiven = options.issuer !== undefined;
  const issuer = (options.issuer ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const issuerValid = checkHttpUrl(issuer);
  if (!issuerValid)
    problems.push(`${name('issuer')} must be an http(s) URL without query or fragment`);
  const audience = options.audience ?? issuer;
  if (audience === '') problems.push(`${name('audience')} must not be empty`);

  const jwtSecret = options.jwtSecret ?? null;
  const signingKeysPath = options.signingKeysPath ?? './data/signing-keys.json';
  const keysSource: ServerConfig['keysSource'] =
    options.keysSource ??
    (jwtSecret !== null
      ? 'secret'
      : options.signingKeysPath !== undefined || database.kind === 'sqlite'
        ? 'file'
        : 'database');
  if (jwtSecret !== null) {
    if (new TextEncoder().encode(jwtSecret).length < 32)
      problems.push(`${name('jwtSecret')} must be at least 32 bytes (HS256)`);
    if (options.signingKeysPath !== undefined)
      problems.push(`set ${name('jwtSecret')} or ${name('signingKeysPath')}, not both`);
  }
  if (keysSource === 'secret' && jwtSecret === null)
    problems.push(`${name('jwtSecret')} is required when the keys come from a secret`);

  const accessTokenTtlSeconds = duration('accessTokenTtlSeconds');
  const refreshTokenTtlSeconds = duration('refreshTokenTtlSeconds');
  const refreshReuseGraceSeconds = duration('refreshReuseGraceSeconds');
  const sessionAbsoluteTtlSeconds = duration('sessionAbsoluteTtlSeconds');
  const sessionIdleTtlSeconds = duration('sessionIdleTtlSeconds');
  const sessionTouchIntervalSeconds = duration('sessionTouchIntervalSeconds');
  const revocationSyncSeconds = duration('revocationSyncSeconds');
  const retentionIntervalSeconds = duration('retentionIntervalSeconds');
  const eventRetentionSeconds = duration('eventRetentionSeconds');
  const maxSessionsPerUser = int('maxSessionsPerUser', options.maxSessionsPerUser, 100, 1, 100_000);
  const headersTimeoutSeconds = duration('headersTimeoutSeconds');
  const requestTimeoutSeconds = duration('requestTimeoutSeconds');
  const keepAliveTimeoutSeconds = duration('keepAliveTimeoutSeconds');
  const shutdownTimeoutSeconds = duration('shutdownTimeoutSeconds');
  // node:http refuses to build a server whose headers may take longer than the whole request.
  if (headersTimeoutSeconds > requestTimeoutSeconds)
    problems.push(
      `${name('headersTimeoutSeconds')} must not be longer than ${name('requestTimeoutSeconds')}`,
    );
  // An API's middleware refetches the JWKS at most every 30 s (middleware/token-guard.ts), a cache
  // may keep it 15 s (routes/discovery.ts), and instances publish a new key at their next sync
  // tick: a key published this long before it signs is known to every API by then.
  const keyPropagationDelaySeconds =
    options.keyPropagationDelaySeconds === undefined
      ? Math.max(DURATIONS.keyPropagationDelaySeconds[0], 30 + 15 + revocationSyncSeconds)
      : duration('keyPropagationDelaySeconds');
  if (refreshTokenTtlSeconds <= accessTokenTtlSeconds)
    problems.push(
      `${name('refreshTokenTtlSeconds')} must be longer than ${name('accessTokenTtlSeconds')}`,
    );

  const basicAuth = options.basicAuth === true;
  if (basicAuth && production)
    problems.push(`${name('basicAuth')}=true is refused when NODE_ENV=production`);
  const dpop = options.dpop ?? 'allowed';
  if (!DPOP_MODES.includes(dpop)) problems.push(`${name('dpop')} must be off, allowed or required`);

  const smtpUrl = options.smtpUrl ?? null;
  // Never the value in a problem: the URL holds the SMTP password.
  if (smtpUrl !== null && !checkSmtpUrl(smtpUrl))
    problems.push(`${name('smtpUrl')} must be smtp://[USER:PASS@]HOST[:PORT] or smtps://...`);
  const mailHost = issuerValid ? new URL(issuer).hostname : 'localhost';
  const mailFrom = options.mailFrom ?? `Gatehouse <no-reply@${mailHost}>`;
  if (!MAIL_FROM.test(mailFrom))
    problems.push(`${name('mailFrom')} must be an address (name@host) or Name <name@host>`);
  const mailOutboxDir = options.mailOutboxDir ?? './data/outbox';
  if (mailOutboxDir === '') problems.push(`${name('mailOutboxDir')} must not be empty`);
  const requireVerifiedEmail = options.requireVerifiedEmail === true;
  const emailVerificationTtlSeconds = duration('emailVerificationTtlSeconds');
  const passwordResetTtlSeconds = duration('passwordResetTtlSeconds');
  const emailChangeTtlSeconds = duration('emailChangeTtlSeconds');
  const emailChangeUndoTtlSeconds = duration('emailChangeUndoTtlSeconds');

  const productName = options.productName ?? null;
  // Shown in every page's header and title and in every message's subject: one line of text.
  if (productName !== null && !/^[^\p{Cc}]{1,60}$/u.test(productName))
    problems.push(`${name('productName')} must be 1 to 60 characters, no line breaks`);
  const logoText = options.logo ?? null;
  const logo = logoText === null ? null : parseLogo(logoText);
  if (logoText !== null && logo === null)
    problems.push(
      `${name('logo')} must be an http(s) URL or the path of an .svg, .png, .jpg, .webp, .gif or .ico file`,
    );
  const accentColor = parseHexColor(options.accentColor ?? '#0b57d0');
  if (accentColor === null)
    problems.push(`${name('accentColor')} must be a hex colour: #rgb or #rrggbb`);
  const supportUrl = options.supportUrl ?? null;
  if (supportUrl !== null && !checkSupportUrl(supportUrl))
    problems.push(`${name('supportUrl')} must be an http(s) URL or mailto:address`);
  const branding: Branding = {
    productName,
    logo,
    accentColor: accentColor ?? '#0b57d0',
    supportUrl,
  };
  const webSignIn = options.webSignIn ?? 'cookie';
  if (!WEB_SIGN_IN_MODES.includes(webSignIn))
    problems.push(`${name('webSignIn')} must be cookie or tokens`);

  const allowedOrigins: string[] = issuerValid ? [new URL(issuer).origin] : [];
  // The default issuer is http://localhost:PORT; a browser on http://127.0.0.1:PORT is the same server.
  if (!issuerGiven) allowedOrigins.push(`http://127.0.0.1:${port}`);
  for (const origin of options.allowedOrigins ?? []) {
    try {
      const { origin: parsed } = new URL(origin);
      // file:, data: and the like have an opaque origin, serialised "null": so does every sandboxed
      // iframe, which must not pass the CSRF check.
      if (parsed === 'null')
        problems.push(`${name('allowedOrigins')}: "${origin}" is not an origin`);
      else allowedOrigins.push(parsed);
    } catch {
      problems.push(`${name('allowedOrigins')}: "${origin}" is not an origin`);
    }
  }
  const corsOrigins: string[] = [];
  for (const origin of options.corsOrigins ?? []) {
    const parsed = parseCorsOrigin(origin);
    if (parsed === null) {
      problems.push(
        `${name('corsOrigins')}: "${origin}" is not an origin (scheme://host[:port], http or https, ` +
          'no path, query, wildcard or null)',
      );
      continue;
    }
    if (!corsOrigins.includes(parsed)) corsOrigins.push(parsed);
    // A browser app allowed to read our answers sends its cookie requests from that origin too.
    if (!allowedOrigins.includes(parsed)) allowedOrigins.push(parsed);
  }

  const passwordParams: PasswordHashParams = {
    memoryKiB: int(
      'passwordParams.memoryKiB',
      options.passwordParams?.memoryKiB,
      OWASP_MINIMUM.memoryKiB,
      OWASP_MINIMUM.memoryKiB,
      4_194_304,
    ),
    iterations: int(
      'passwordParams.iterations',
      options.passwordParams?.iterations,
      OWASP_MINIMUM.iterations,
      OWASP_MINIMUM.iterations,
      100,
    ),
    parallelism: 1,
  };
  const argon2QueueSize = int('argon2QueueSize', options.argon2QueueSize, 64, 0, 100_000);

  let trustProxy: TrustProxy = false;
  const trust = options.trustProxy;
  if (trust === true) {
    problems.push(
      `${name('trustProxy')}=true is refused: it trusts every hop of X-Forwarded-For, and the ` +
        'client writes the first hops, so it would pick its own address; give the number of ' +
        'proxies in front (1, 2) or their addresses (10.0.0.1, 192.168.0.0/16)',
    );
  } else if (typeof trust === 'number') {
    if (!Number.isInteger(trust) || trust < 0 || trust > MAX_PROXY_HOPS)
      problems.push(`${name('trustProxy')} must be a hop count from 0 to ${MAX_PROXY_HOPS}`);
    else if (trust > 0) trustProxy = trust;
  } else if (typeof trust === 'object') {
    if (trust.length === 0) problems.push(`${name('trustProxy')} lists no proxy`);
    for (const entry of trust) {
      const problem = checkProxyEntry(entry);
      if (problem !== null) problems.push(`${name('trustProxy')}: ${problem}`);
    }
    trustProxy = [...trust];
  }

  // A scrape token is a long-lived secret sent on every scrape: as long as the HS256 minimum.
  const metricsToken = options.metricsToken ?? null;
  if (metricsToken !== null) {
    if (new TextEncoder().encode(metricsToken).length < 32)
      problems.push(`${name('metricsToken')} must be at least 32 bytes`);
    else if (!/^[\x21-\x7e]+$/.test(metricsToken))
      problems.push(`${name('metricsToken')} must be visible ASCII characters, no spaces`);
  }

  // Sent by every resource server that introspects: a long-lived secret, like the scrape token.
  const introspectionSecret = options.introspectionSecret ?? null;
  if (introspectionSecret !== null) {
    if (new TextEncoder().encode(introspectionSecret).length < 32)
      problems.push(`${name('introspectionSecret')} must be at least 32 bytes`);
    else if (!/^[\x21-\x7e]+$/.test(introspectionSecret))
      problems.push(`${name('introspectionSecret')} must be visible ASCII characters, no spaces`);
  }

  // Whoever holds it manages every account: at least as long as the other long-lived secrets.
  const adminToken = options.adminToken ?? null;
  if (adminToken !== null) {
    if (new TextEncoder().encode(adminToken).length < 32)
      problems.push(`${name('adminToken')} must be at least 32 bytes`);
    else if (!/^[\x21-\x7e]+$/.test(adminToken))
      problems.push(`${name('adminToken')} must be visible ASCII characters, no spaces`);
  }

  // Scopes are RFC 6749 scope tokens; roles are names an operator types (gatehouse users set-role).
  const scopeList = (field: Field, list: readonly string[]) => {
    const out: string[] = [];
    for (const scope of list) {
      if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
        problems.push(`${name(field)}: "${String(scope)}" is not a scope token (RFC 6749 3.3)`);
      else if (!out.includes(scope)) out.push(scope);
    }
    return out;
  };
  const userScopes = scopeList('userScopes', options.userScopes ?? []);
  const roleScopes: Record<string, string[]> = {};
  for (const [role, scopes] of Object.entries(options.roleScopes ?? {})) {
    if (!ROLE_NAME.test(role))
      problems.push(
        `${name('roleScopes')}: "${role}" is not a role name (letters, digits, _ . : -)`,
      );
    else if (!Array.isArray(scopes) || scopes.length === 0)
      problems.push(`${name('roleScopes')}: role "${role}" has no scopes`);
    else roleScopes[role] = scopeList('roleScopes', scopes);
  }
  const claims = options.claims ?? null;
  if (claims !== null && typeof claims !== 'function')
    problems.push(`${name('claims')} must be a function`);

  const logLevel = options.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`${name('logLevel')} must be one of ${LOG_LEVELS.join(', ')}`);

  return {
    port,
    host,
    database,
    redis,
    issuer,
    audience,
    keysSource,
    signingKeysPath,
    jwtSecret,
    accessTokenTtlSeconds,
    refreshTokenTtlSeconds,
    refreshReuseGraceSeconds,
    sessionAbsoluteTtlSeconds,
    sessionIdleTtlSeconds,
    sessionTouchIntervalSeconds,
    revocationSyncSeconds,
    retentionIntervalSeconds,
    eventRetentionSeconds,
    maxSessionsPerUser,
    keyPropagationDelaySeconds,
    basicAuth,
    dpop,
    smtpUrl,
    mailFrom,
    mailOutboxDir,
    requireVerifiedEmail,
    emailVerificationTtlSeconds,
    passwordResetTtlSeconds,
    emailChangeTtlSeconds,
    emailChangeUndoTtlSeconds,
    branding,
    webSignIn,
    allowedOrigins,
    corsOrigins,
    passwordParams,
    argon2QueueSize,
    trustProxy,
    headersTimeoutSeconds,
    requestTimeoutSeconds,
    keepAliveTimeoutSeconds,
    shutdownTimeoutSeconds,
    metricsToken,
    introspectionSecret,
    adminToken,
    userScopes,
    roleScopes,
    claims,
    logLevel,
    production,
  };
}

function configError(problems: readonly string[]): AuthError {
  return new AuthError(
    'ERR_CONFIG_INVALID',
    `invalid configuration:\n  - ${problems.join('\n  - ')}`,
    {
      problems,
    },
  );
}

/**
 * Validates server options once and returns the frozen configuration.
 *
 * @throws AuthError ERR_CONFIG_INVALID with every problem listed (details.problems)
 * @example
 * const config = createServerConfig({ issuer: 'https://auth.example.com', accessTokenTtlSeconds: 900 });
 */
export function createServerConfig(options: ServerOptions = {}): ServerConfig {
  const problems: string[] = [];
  const config = validate(options, (field) => field, problems);
  if (problems.length > 0) throw configError(problems);
  return deepFreeze(config);
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: DAY };

/** Parses `3600`, `45s`, `15m`, `1h` or `14d` into seconds; null when it is none of those. */
export function parseDurationSeconds(text: string): number | null {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (match === null) return null;
  return Number(match[1]) * (UNITS[match[2] || 's'] as number);
}

/**
 * Turns GATEHOUSE_* environment variables into options and validates them.
 *
 * @throws AuthError ERR_CONFIG_INVALID with every problem listed (details.problems)
 * @example
 * const config = configFromEnv(process.env);
 */
export function configFromEnv(env: Env): ServerConfig {
  const problems: string[] = [];
  const read = (key: string) => {
    const value = env[key];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const unparsable = Symbol('unparsable');
  const parsed = <T>(key: string, parse: (raw: string) => T | null, what: string) => {
    const raw = read(key);
    if (raw === undefined) return undefined;
    const value = parse(raw);
    if (value === null) {
      problems.push(`${key} must be ${what}`);
      return unparsable;
    }
    return value;
  };
  /** Sets `field` only when the variable is present and parsable. */
  const options: Record<string, unknown> = {};
  const set = (field: Field, value: unknown) => {
    if (value !== undefined && value !== unparsable) options[field] = value;
  };
  const integer = (raw: string) => (/^-?\d+$/.test(raw) ? Number(raw) : null);
  const boolean = (raw: string) => (raw === 'true' ? true : raw === 'false' ? false : null);

  set('port', parsed('GATEHOUSE_PORT', integer, 'an integer from 0 to 65535'));
  set('host', read('GATEHOUSE_HOST'));
  set(
    'database',
    parsed(
      'GATEHOUSE_DATABASE_URL',
      (raw): DatabaseConfig | null => {
        if (raw.startsWith('sqlite:')) return { kind: 'sqlite', path: raw.slice('sqlite:'.length) };
        if (!/^postgres(ql)?:\/\//.test(raw)) return null;
        try {
          new URL(raw);
          return { kind: 'postgres', url: raw };
        } catch {
          return null;
        }
      },
      'sqlite:PATH or postgres://USER@HOST:PORT/DATABASE',
    ),
  );
  const redisUrl = read('GATEHOUSE_REDIS_URL');
  if (redisUrl !== undefined)
    set('redis', { url: redisUrl, prefix: read('GATEHOUSE_REDIS_PREFIX') ?? 'gatehouse:' });
  set('issuer', read('GATEHOUSE_ISSUER'));
  set('audience', read('GATEHOUSE_AUDIENCE'));
  set('jwtSecret', read('GATEHOUSE_JWT_SECRET'));
  set('signingKeysPath', read('GATEHOUSE_SIGNING_KEYS'));
  for (const field of Object.keys(DURATIONS) as DurationField[]) {
    const [, min, max] = DURATIONS[field];
    set(
      field,
      parsed(
        ENV_NAMES[field],
        parseDurationSeconds,
        `a duration (seconds, or with s/m/h/d) from ${min}s to ${max}s`,
      ),
    );
  }
  set('basicAuth', parsed('GATEHOUSE_BASIC_AUTH', boolean, 'true or false'));
  set('dpop', read('GATEHOUSE_DPOP'));
  set('smtpUrl', read('GATEHOUSE_SMTP_URL'));
  set('mailFrom', read('GATEHOUSE_MAIL_FROM'));
  set('mailOutboxDir', read('GATEHOUSE_MAIL_OUTBOX'));
  set('requireVerifiedEmail', parsed('GATEHOUSE_REQUIRE_VERIFIED_EMAIL', boolean, 'true or false'));
  set('productName', read('GATEHOUSE_PRODUCT_NAME'));
  set('logo', read('GATEHOUSE_LOGO'));
  set('accentColor', read('GATEHOUSE_ACCENT_COLOR'));
  set('supportUrl', read('GATEHOUSE_SUPPORT_URL'));
  set('webSignIn', read('GATEHOUSE_WEB_SIGN_IN'));
  const origins = read('GATEHOUSE_ALLOWED_ORIGINS');
  if (origins !== undefined)
    set(
      'allowedOrigins',
      origins
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    );
  const corsOrigins = read('GATEHOUSE_CORS_ORIGINS');
  if (corsOrigins !== undefined)
    set(
      'corsOrigins',
      corsOrigins
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    );
  const memoryKiB = parsed('GATEHOUSE_ARGON2_MEMORY_KIB', integer, 'an integer');
  const iterations = parsed('GATEHOUSE_ARGON2_ITERATIONS', integer, 'an integer');
  set('passwordParams', {
    ...(typeof memoryKiB === 'number' ? { memoryKiB } : {}),
    ...(typeof iterations === 'number' ? { iterations } : {}),
  });
  set(
    'maxSessionsPerUser',
    parsed('GATEHOUSE_MAX_SESSIONS_PER_USER', integer, 'an integer from 1 to 100000'),
  );
  set('argon2QueueSize', parsed('GATEHOUSE_ARGON2_QUEUE', integer, 'an integer from 0 to 100000'));
  const trustText = read('GATEHOUSE_TRUST_PROXY');
  if (trustText !== undefined) set('trustProxy', parseTrustProxy(trustText));
  set('metricsToken', read('GATEHOUSE_METRICS_TOKEN'));
  set('introspectionSecret', read('GATEHOUSE_INTROSPECTION_SECRET'));
  set('adminToken', read('GATEHOUSE_ADMIN_TOKEN'));
  // Scopes separated by spaces or commas; roles as `role=scope scope;other=scope`.
  const userScopes = read('GATEHOUSE_USER_SCOPES');
  if (userScopes !== undefined) set('userScopes', userScopes.split(/[\s,]+/).filter(Boolean));
  set(
    'roleScopes',
    parsed(
      'GATEHOUSE_ROLE_SCOPES',
      (raw) => {
        const out: Record<string, string[]> = {};
        for (const entry of raw
          .split(';')
          .map((e) => e.trim())
          .filter(Boolean)) {
          const equals = entry.indexOf('=');
          if (equals < 1) return null;
          const role = entry.slice(0, equals).trim();
          if (Object.hasOwn(out, role)) return null;
          out[role] = entry
            .slice(equals + 1)
            .split(/[\s,]+/)
            .filter(Boolean);
        }
        return out;
      },
      'role=scope scope;role=scope (each role once)',
    ),
  );
  set('logLevel', read('GATEHOUSE_LOG_LEVEL'));
  set('production', read('NODE_ENV') === 'production');

  const config = validate(options as ServerOptions, (field) => ENV_NAMES[field], problems);
  if (problems.length > 0) throw configError(problems);
  return deepFreeze(config);
}

/**
 * Every environment variable the configuration reads, sorted: the names of ENV_NAMES, and
 * GATEHOUSE_REDIS_PREFIX (read beside GATEHOUSE_REDIS_URL, with no option of its own).
 */
export const ENV_VARIABLES: readonly string[] = Object.freeze(
  [
    ...new Set([
      ...Object.values(ENV_NAMES).filter((name) => /^GATEHOUSE_[A-Z0-9_]*[A-Z0-9]$/.test(name)),
      'GATEHOUSE_REDIS_PREFIX',
    ]),
  ].sort(),
);

/** Read by the test suite (README, Tests and services), not by the server: not a typo. */
const TEST_VARIABLES = [
  'GATEHOUSE_TEST_POSTGRES_URL',
  'GATEHOUSE_TEST_REDIS_URL',
  'GATEHOUSE_VECTORS',
];

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbours (PROT, PORT). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The known variable a misspelt one was probably meant to be, or null: the same name in other
 * case, else the closest within a quarter of its length in edits (PROT, ALLOWED_ORIGIN), else
 * the only one holding every word of it (ORIGINS -> ALLOWED_ORIGINS, ACCESS_TTL).
 */
function closestVariable(name: string): string | null {
  const upper = name.toUpperCase();
  if (ENV_VARIABLES.includes(upper)) return upper;
  const rest = upper.slice('GATEHOUSE_'.length);
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(rest.length / 4)) + 1;
  for (const known of ENV_VARIABLES) {
    const distance = editDistance(rest, known.slice('GATEHOUSE_'.length));
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  if (best !== null) return best;
  const words = rest.split('_').filter(Boolean);
  const holders = ENV_VARIABLES.filter((known) => {
    const knownWords = known.slice('GATEHOUSE_'.length).split('_');
    return words.length > 0 && words.every((word) => knownWords.includes(word));
  });
  return holders.length === 1 ? (holders[0] as string) : null;
}

const isLocalHostname = (hostname: string) =>
  hostname === 'localhost' ||
  hostname.endsWith('.localhost') ||
  hostname === '[::1]' ||
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

/**
 * What looks wrong in a configuration that is valid, one line each, for `gatehouse serve` to
 * print at start; nothing stops the start: a GATEHOUSE_* variable the server does not read (with
 * the name it was probably meant to be), NODE_ENV=production with an issuer on localhost, and a
 * server listening for other machines under a plain-HTTP issuer that is not localhost (browsers
 * keep the Secure session cookie only over HTTPS or on localhost), and NODE_ENV=production
 * without SMTP (messages would only be written as .eml files).
 *
 * @example
 * for (const warning of configWarnings(process.env, config)) console.warn(warning);
 */
export function configWarnings(env: Env, config: ServerConfig): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.toUpperCase().startsWith('GATEHOUSE_')) continue;
    if (ENV_VARIABLES.includes(name) || TEST_VARIABLES.includes(name)) continue;
    const guess = closestVariable(name);
    warnings.push(
      `${name} is not a Gatehouse variable and is ignored` +
        (guess === null ? ' (README, Configuration, lists them)' : `: did you mean ${guess}?`),
    );
  }
  const issuer = new URL(config.issuer);
  const issuerSet = env.GATEHOUSE_ISSUER !== undefined && env.GATEHOUSE_ISSUER.trim() !== '';
  const issuerText = `${config.issuer} (${issuerSet ? 'GATEHOUSE_ISSUER' : 'the default: GATEHOUSE_ISSUER is unset'})`;
  const localIssuer = isLocalHostname(issuer.hostname);
  if (config.production && issuer.protocol === 'http:' && localIssuer)
    warnings.push(
      `NODE_ENV=production with the issuer ${issuerText}: tokens and metadata name an address ` +
        'of this machine; set GATEHOUSE_ISSUER to the public https:// URL of the server',
    );
  const loopbackHost =
    config.host === 'localhost' || config.host === '::1' || /^127\./.test(config.host);
  if (!loopbackHost && issuer.protocol === 'http:' && !localIssuer)
    warnings.push(
      `GATEHOUSE_HOST=${config.host} serves other machines under the plain-HTTP issuer ` +
        `${issuerText}: browsers keep the Secure session cookie only over HTTPS or on localhost, ` +
        'so cookie sign-in will fail; serve HTTPS (a proxy in front) and set GATEHOUSE_ISSUER to ' +
        'its https:// URL',
    );
  // Mail to .eml files is for development: in production nobody would receive a reset link.
  if (config.production && config.smtpUrl === null)
    warnings.push(
      'NODE_ENV=production without GATEHOUSE_SMTP_URL: verification and password-reset messages ' +
        `are written as .eml files into ${config.mailOutboxDir}, not sent; set GATEHOUSE_SMTP_URL`,
    );
  return warnings;
}
