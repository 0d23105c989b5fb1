/**
 * Token introspection (RFC 7662 section 2.2): whether a token is active now, for resource servers
 * that want the per-request answer instead of (or besides) checking tokens themselves. Unlike
 * the server's own token check (the in-memory revocation registry), the session is read from
 * storage, so a logout on any instance shows at once. An inactive token gets `{ active: false }`
 * and nothing else, whatever made it inactive (section 2.2: no hint to a prober).
 *
 * Refresh tokens are always `{ active: false }`: the caller is a resource server, which never
 * receives one, and an API that checked only `active` would take a stolen refresh token (DPoP-
 * bound or not: it has no `cnf` to check) as a credential. RFC 7662 section 2.2 lets the server
 * decide what is active for which caller; refresh tokens are revoked at /v1/revoke.
 */
import {
  type AccessTokenProfile,
  accessClaimsOf,
  accessVerifierOptions,
  type RevocationRegistry,
} from '../access/index.js';
import { AuthError, type Clock, parseOpaqueToken } from '../core/index.js';
import { createJwtVerifier, type JwtPayload, type KeyRing } from '../jwt/index.js';
import type { SessionService } from '../sessions/index.js';

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

export type IntrospectionAnswer = { readonly active: false } | ActiveAccessToken;

export interface IntrospectionOptions {
  readonly keyRing: KeyRing;
  readonly profile: AccessTokenProfile;
  readonly sessions: Pick<SessionService, 'findActive'>;
  readonly revocations: Pick<RevocationRegistry, 'isRevoked'>;
  readonly clock: Clock;
}

export interface Introspection {
  /**
   * Whether the access token is active now (a refresh token, told apart by shape, never is;
   * RFC 7662 lets the hint be ignored).
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
 * const introspection = createIntrospection({ keyRing, profile, sessions, revocations, clock });
 * const answer = await introspection.introspect(token); // { active: false } or the claims
 */
export function createIntrospection(options: IntrospectionOptions): Introspection {
  const { profile, sessions, revocations, clock } = options;
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

  return {
    introspect(token) {
      // No storage read for a refresh token: its answer is the same whether it exists or not.
      return parseOpaqueToken(token) === null ? accessToken(token) : Promise.resolve(INACTIVE);
    },
  };
}
