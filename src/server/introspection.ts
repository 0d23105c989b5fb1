/**
 * Token introspection (RFC 7662 section 2.2): whether a token is active now, for resource servers
 * that want the per-request answer instead of (or besides) checking tokens themselves. Unlike
 * the server's own token check (the in-memory revocation registry), the session is read from
 * storage, so a logout on any instance shows at once. An inactive token gets `{ active: false }`
 * and nothing else, whatever made it inactive (section 2.2: no hint to a prober).
 */
import {
  type AccessTokenProfile,
  accessClaimsOf,
  accessVerifierOptions,
  type RevocationRegistry,
} from '../access/index.js';
import { DEFAULT_CLIENT_ID } from '../clients/index.js';
import { AuthError, type Clock, parseOpaqueToken } from '../core/index.js';
import { createJwtVerifier, type JwtPayload, type KeyRing } from '../jwt/index.js';
import type { RefreshStore } from '../refresh/index.js';
import { type SessionService, secretMatches } from '../sessions/index.js';

/** An active access token: its claims, and how it must be presented. */
export interface ActiveAccessToken {
  readonly active: true;
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | string[];
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly sid: string;
  readonly client_id: string;
  readonly scope?: string;
  /** `DPoP` when the token is bound to a key (`cnf`, RFC 9449 section 6.2), else `Bearer`. */
  readonly token_type: 'Bearer' | 'DPoP';
  readonly cnf?: Readonly<Record<string, unknown>>;
}

/** An active refresh token (RFC 7662 has no token_type for it: it is no access token). */
export interface ActiveRefreshToken {
  readonly active: true;
  readonly iss: string;
  readonly sub: string;
  readonly exp: number;
  readonly iat: number;
  /** The refresh token's id: the part before the dot, which is no secret. */
  readonly jti: string;
  readonly sid: string;
  readonly client_id: string;
}

export type IntrospectionAnswer =
  | { readonly active: false }
  | ActiveAccessToken
  | ActiveRefreshToken;

export interface IntrospectionOptions {
  readonly keyRing: KeyRing;
  readonly profile: AccessTokenProfile;
  readonly sessions: Pick<SessionService, 'findActive'>;
  readonly refreshTokens: Pick<RefreshStore, 'findRefreshToken'>;
  readonly revocations: Pick<RevocationRegistry, 'isRevoked'>;
  readonly clock: Clock;
}

export interface Introspection {
  /**
   * Whether the token (access or refresh, told apart by shape; RFC 7662 lets the hint be
   * ignored) is active now.
   * @throws AuthError ERR_STORE_UNAVAILABLE when storage cannot say (503: retry, not "inactive")
   */
  introspect(token: string): Promise<IntrospectionAnswer>;
}

const INACTIVE = Object.freeze({ active: false as const });

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Creates the introspection service.
 *
 * @example
 * const introspection = createIntrospection({ keyRing, profile, sessions, refreshTokens: stores.refresh, revocations, clock });
 * const answer = await introspection.introspect(token); // { active: false } or the claims
 */
export function createIntrospection(options: IntrospectionOptions): Introspection {
  const { profile, sessions, refreshTokens, revocations, clock } = options;
  // The server's own profile: signature, iss, aud, typ, exp, and the age bound of tokens.ts.
  const verifier = createJwtVerifier(
    accessVerifierOptions({
      keys: options.keyRing,
      issuer: profile.issuer,
      audience: profile.audience,
      clock,
      maxTokenAgeSeconds: profile.ttlSeconds,
      cacheSize: 1000,
    }),
  );

  const accessToken = async (token: string): Promise<IntrospectionAnswer> => {
    let payload: JwtPayload;
    try {
      payload = verifier.verify(token).payload;
    } catch (error) {
      if (error instanceof AuthError) return INACTIVE;
      throw error;
    }
    const claims = accessClaimsOf(payload);
    if (claims === null || revocations.isRevoked(claims.sid)) return INACTIVE;
    // Storage, not the registry alone: a logout on another instance is seen at once.
    const session = await sessions.findActive(claims.sid);
    if (session === null || session.userId !== claims.sub) return INACTIVE;
    const cnf = payload.cnf;
    return {
      active: true,
      iss: claims.iss,
      sub: claims.sub,
      aud: typeof claims.aud === 'string' ? claims.aud : [...claims.aud],
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      sid: claims.sid,
      client_id: claims.client_id,
      ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      token_type: isRecord(cnf) ? 'DPoP' : 'Bearer',
      ...(isRecord(cnf) ? { cnf } : {}),
    };
  };

  const refreshToken = async (parsed: {
    id: string;
    secret: string;
  }): Promise<IntrospectionAnswer> => {
    const record = await refreshTokens.findRefreshToken(parsed.id);
    if (record === null || !secretMatches(parsed.secret, record.secretHash)) return INACTIVE;
    // A consumed token only replays its successor within the grace window: not usable.
    if (record.consumedAtMs !== null || clock.nowMs() >= record.expiresAtMs) return INACTIVE;
    const session = await sessions.findActive(record.sessionId);
    if (session === null) return INACTIVE;
    return {
      active: true,
      iss: profile.issuer,
      sub: session.userId,
      exp: Math.floor(record.expiresAtMs / 1000),
      iat: Math.floor(record.createdAtMs / 1000),
      jti: record.id,
      sid: session.id,
      client_id: session.clientId ?? DEFAULT_CLIENT_ID,
    };
  };

  return {
    introspect(token) {
      const opaque = parseOpaqueToken(token);
      return opaque === null ? accessToken(token) : refreshToken(opaque);
    },
  };
}
