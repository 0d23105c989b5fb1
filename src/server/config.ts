/**
 * Server configuration: read from the environment once, at start, validated as a whole. A bad
 * value stops the start with one error listing every problem.
 */
import { AuthError } from '../core/errors.js';
import { OWASP_MINIMUM, type PasswordHashParams } from '../passwords/hash.js';
import type { DatabaseConfig } from '../storage/index.js';

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
  readonly basicAuth: boolean;
  readonly allowedOrigins: readonly string[];
  readonly passwordParams: PasswordHashParams;
  readonly trustProxy: boolean;
  readonly logLevel: string;
  readonly production: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses `3600`, `45s`, `15m`, `1h` or `14d` into seconds; null when it is none of those. */
export function parseDurationSeconds(text: string): number | null {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (match === null) return null;
  return Number(match[1]) * (UNITS[match[2] || 's'] as number);
}

/**
 * Builds the configuration from environment variables.
 *
 * @throws AuthError ERR_CONFIG_INVALID with every problem listed (details.problems)
 * @example
 * const config = configFromEnv(process.env);
 */
export function configFromEnv(env: Env): ServerConfig {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };

  const duration = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = parseDurationSeconds(raw);
    if (value === null || value < min || value > max) {
      problems.push(
        `${name} must be a duration (seconds, or with s/m/h/d) from ${min}s to ${max}s`,
      );
      return fallback;
    }
    return value;
  };

  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    problems.push(`${name} must be true or false`);
    return fallback;
  };

  const url = (name: string, fallback: string): string => {
    const raw = read(name) ?? fallback;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
      if (parsed.search !== '' || parsed.hash !== '') throw new Error('query');
    } catch {
      problems.push(`${name} must be an http(s) URL without query or fragment`);
    }
    return raw.replace(/\/+$/, '');
  };

  const production = read('NODE_ENV') === 'production';
  const port = integer('GATEHOUSE_PORT', 3000, 0, 65_535);
  const host = read('GATEHOUSE_HOST') ?? '127.0.0.1';

  const databaseUrl = read('GATEHOUSE_DATABASE_URL') ?? 'sqlite:./data/gatehouse.db';
  let database: DatabaseConfig = { kind: 'sqlite', path: './data/gatehouse.db' };
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    if (path === '') problems.push('GATEHOUSE_DATABASE_URL sqlite: needs a path (or :memory:)');
    else database = { kind: 'sqlite', path };
  } else if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    try {
      new URL(databaseUrl);
      database = { kind: 'postgres', url: databaseUrl };
    } catch {
      problems.push('GATEHOUSE_DATABASE_URL is not a valid postgres:// URL');
    }
  } else {
    problems.push(
      'GATEHOUSE_DATABASE_URL must be sqlite:PATH or postgres://USER@HOST:PORT/DATABASE',
    );
  }

  const redisUrl = read('GATEHOUSE_REDIS_URL');
  let redis: ServerConfig['redis'] = null;
  if (redisUrl !== undefined) {
    const prefix = read('GATEHOUSE_REDIS_PREFIX') ?? 'gatehouse:';
    if (!/^rediss?:\/\//.test(redisUrl))
      problems.push('GATEHOUSE_REDIS_URL must be redis://HOST:PORT (or rediss://)');
    else redis = { url: redisUrl, prefix };
  }

  const issuer = url('GATEHOUSE_ISSUER', `http://localhost:${port}`);
  const audience = read('GATEHOUSE_AUDIENCE') ?? issuer;

  const jwtSecret = read('GATEHOUSE_JWT_SECRET') ?? null;
  const signingKeysPath = read('GATEHOUSE_SIGNING_KEYS') ?? './data/signing-keys.json';
  const keysSource: ServerConfig['keysSource'] =
    jwtSecret !== null
      ? 'secret'
      : read('GATEHOUSE_SIGNING_KEYS') !== undefined || database.kind === 'sqlite'
        ? 'file'
        : 'database';
  if (jwtSecret !== null) {
    if (Buffer.byteLength(jwtSecret) < 32)
      problems.push('GATEHOUSE_JWT_SECRET must be at least 32 bytes (HS256)');
    if (read('GATEHOUSE_SIGNING_KEYS') !== undefined)
      problems.push('set GATEHOUSE_JWT_SECRET or GATEHOUSE_SIGNING_KEYS, not both');
  }

  const accessTokenTtlSeconds = duration('GATEHOUSE_ACCESS_TOKEN_TTL', 3600, 30, 86_400);
  const refreshTokenTtlSeconds = duration(
    'GATEHOUSE_REFRESH_TOKEN_TTL',
    14 * 86_400,
    60,
    400 * 86_400,
  );
  const refreshReuseGraceSeconds = duration('GATEHOUSE_REFRESH_REUSE_GRACE', 10, 0, 300);
  const sessionAbsoluteTtlSeconds = duration(
    'GATEHOUSE_SESSION_ABSOLUTE_TTL',
    30 * 86_400,
    60,
    400 * 86_400,
  );
  const sessionIdleTtlSeconds = duration('GATEHOUSE_SESSION_IDLE_TTL', 86_400, 60, 400 * 86_400);
  const sessionTouchIntervalSeconds = duration('GATEHOUSE_SESSION_TOUCH_INTERVAL', 60, 0, 86_400);
  const revocationSyncSeconds = duration('GATEHOUSE_REVOCATION_SYNC_INTERVAL', 2, 1, 3600);
  if (refreshTokenTtlSeconds <= accessTokenTtlSeconds) {
    problems.push('GATEHOUSE_REFRESH_TOKEN_TTL must be longer than GATEHOUSE_ACCESS_TOKEN_TTL');
  }

  const basicAuth = boolean('GATEHOUSE_BASIC_AUTH', false);
  if (basicAuth && production)
    problems.push('GATEHOUSE_BASIC_AUTH=true is refused when NODE_ENV=production');

  const allowedOrigins: string[] = [
    new URL(issuer.startsWith('http') ? issuer : 'http://invalid').origin,
  ];
  // The default issuer is http://localhost:PORT; a browser on http://127.0.0.1:PORT is the same server.
  if (read('GATEHOUSE_ISSUER') === undefined) allowedOrigins.push(`http://127.0.0.1:${port}`);
  for (const origin of (read('GATEHOUSE_ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)) {
    try {
      allowedOrigins.push(new URL(origin).origin);
    } catch {
      problems.push(`GATEHOUSE_ALLOWED_ORIGINS: "${origin}" is not an origin`);
    }
  }

  const passwordParams: PasswordHashParams = {
    memoryKiB: integer(
      'GATEHOUSE_ARGON2_MEMORY_KIB',
      OWASP_MINIMUM.memoryKiB,
      OWASP_MINIMUM.memoryKiB,
      4_194_304,
    ),
    iterations: integer(
      'GATEHOUSE_ARGON2_ITERATIONS',
      OWASP_MINIMUM.iterations,
      OWASP_MINIMUM.iterations,
      100,
    ),
    parallelism: 1,
  };

  const trustProxy = boolean('GATEHOUSE_TRUST_PROXY', false);
  const logLevel = read('GATEHOUSE_LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(
      'GATEHOUSE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    );
  }

  if (problems.length > 0) {
    throw new AuthError(
      'ERR_CONFIG_INVALID',
      `invalid configuration:\n  - ${problems.join('\n  - ')}`,
      { problems },
    );
  }
  return Object.freeze({
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
    basicAuth,
    allowedOrigins: Object.freeze(allowedOrigins),
    passwordParams,
    trustProxy,
    logLevel,
    production,
  });
}
