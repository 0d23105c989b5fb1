/**
 * Access tokens at the server: issue them for a session, and turn a presented one into a
 * principal (signature, profile claims, then the revocation registry: no storage read).
 */
import type { Clock, RandomSource } from '../core/index.js';
import { AuthError, createRandomId } from '../core/index.js';
import { createJwtVerifier, type JwtPayload, type KeyRing, signJwt } from '../jwt/index.js';
import {
  ACCESS_TOKEN_TYP,
  type AccessGrant,
  type AccessTokenProfile,
  accessTokenClaims,
  accessVerifierOptions,
} from './profile.js';
import type { RevocationRegistry } from './revocations.js';

export interface AccessTokensOptions {
  readonly profile: AccessTokenProfile;
  readonly keyRing: KeyRing;
  readonly revocations: Pick<RevocationRegistry, 'isRevoked'>;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/** Who a verified access token speaks for. */
export interface AccessPrincipal {
  readonly userId: string;
  readonly sessionId: string;
  readonly claims: JwtPayload;
}

export interface AccessTokens {
  /**
   * Signs a new access token for the grant; its `exp` never passes the session's end.
   * @throws AuthError ERR_KEYRING_INVALID when the ring has no signing key
   */
  issue(grant: AccessGrant): { token: string; expiresIn: number };
  /**
   * Verifies a presented token and checks that its session is not revoked.
   * @throws AuthError ERR_AUTH_UNAUTHENTICATED (details.reason: the precise code, for the log)
   */
  authenticate(token: string): AccessPrincipal;
  /**
   * The session of a token that verifies (with `allowExpired`, every check but `exp`), or null.
   * Revocation is not checked: the caller decides what a revoked session means.
   */
  sessionOf(token: string, options?: { allowExpired?: boolean }): string | null;
  readonly profile: AccessTokenProfile;
}

const unauthenticated = (reason: string) =>
  new AuthError('ERR_AUTH_UNAUTHENTICATED', `unauthenticated: ${reason}`, {
    reason,
    presented: true,
  });

/**
 * Creates the server's access-token service.
 *
 * @example
 * const access = createAccessTokens({ profile, keyRing, revocations, clock, random });
 * const { userId } = access.authenticate(bearerToken);
 */
export function createAccessTokens(options: AccessTokensOptions): AccessTokens {
  const { profile, keyRing, revocations, clock, random } = options;
  const common = { keys: keyRing, issuer: profile.issuer, audience: profile.audience, clock };
  const verifier = createJwtVerifier(
    accessVerifierOptions({ ...common, maxTokenAgeSeconds: profile.ttlSeconds }),
  );
  // Every check but the token's age: the old access token sent along with a refresh may be long
  // expired. No cache: this path is rare and must not fill the hot path's cache.
  const expiredVerifier = createJwtVerifier(
    accessVerifierOptions({ ...common, ignoreExpiration: true, cacheSize: 0 }),
  );

  const payloadOf = (token: string, allowExpired: boolean): JwtPayload | null => {
    try {
      return (allowExpired ? expiredVerifier : verifier).verify(token).payload;
    } catch (error) {
      if (error instanceof AuthError) return null;
      throw error;
    }
  };

  return {
    profile,
    issue(grant) {
      const key = keyRing.signingKey();
      if (key === null) throw new AuthError('ERR_KEYRING_INVALID', 'no signing key');
      const iat = Math.floor(clock.nowMs() / 1000);
      const claims = accessTokenClaims(profile, grant, iat, createRandomId(random));
      const token = signJwt(claims, key, { typ: ACCESS_TOKEN_TYP });
      return { token, expiresIn: (claims.exp as number) - iat };
    },

    authenticate(token) {
      let claims: JwtPayload;
      try {
        claims = verifier.verify(token).payload;
      } catch (error) {
        if (error instanceof AuthError) throw unauthenticated(error.code);
        throw error;
      }
      // The profile requires both; the types do not know it.
      const { sub, sid } = claims as { sub: string; sid: string };
      if (typeof sid !== 'string' || typeof sub !== 'string')
        throw unauthenticated('token lacks sub or sid');
      if (revocations.isRevoked(sid)) throw unauthenticated('session revoked');
      return { userId: sub, sessionId: sid, claims };
    },

    sessionOf(token, sessionOptions) {
      const sid = payloadOf(token, sessionOptions?.allowExpired === true)?.sid;
      return typeof sid === 'string' ? sid : null;
    },
  };
}
