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
  boundKeyOf,
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
  /** The DPoP key the token is bound to (`cnf.jkt`): its proof must come along. Null: Bearer. */
  readonly dpopJkt: string | null;
}

/** How a token was presented: `Authorization: Bearer` (RFC 6750) or `DPoP` (RFC 9449 section 7.1). */
export type AccessScheme = 'bearer' | 'dpop';

export interface AccessTokens {
  /**
   * Signs a new access token for the grant; its `exp` never passes the session's end.
   * @throws AuthError ERR_KEYRING_INVALID when the ring has no signing key
   */
  issue(grant: AccessGrant): { token: string; expiresIn: number };
  /**
   * Verifies a presented token, checks that its session is not revoked, and that the scheme fits
   * the token: a DPoP-bound token (`cnf.jkt`) only with `dpop`, an unbound one only with `bearer`.
   * The proof itself is the caller's to check, against `dpopJkt` (dpop/verify.ts).
   * @throws AuthError ERR_AUTH_UNAUTHENTICATED (details.reason: the precise code, for the log;
   *   details.scheme 'dpop' when the answer should challenge for DPoP)
   */
  authenticate(token: string, scheme?: AccessScheme): AccessPrincipal;
  /**
   * The session of a token that verifies (with `allowExpired`, every check but `exp`), or null.
   * Revocation is not checked: the caller decides what a revoked session means.
   */
  sessionOf(token: string, options?: { allowExpired?: boolean }): string | null;
  readonly profile: AccessTokenProfile;
}

const unauthenticated = (reason: string, scheme?: AccessScheme) =>
  new AuthError('ERR_AUTH_UNAUTHENTICATED', `unauthenticated: ${reason}`, {
    reason,
    presented: true,
    // Only DPoP is named: the answer then challenges for DPoP (server/errors.ts).
    ...(scheme === 'dpop' ? { scheme } : {}),
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

    authenticate(token, scheme = 'bearer') {
      let claims: JwtPayload;
      try {
        claims = verifier.verify(token).payload;
      } catch (error) {
        if (error instanceof AuthError) throw unauthenticated(error.code, scheme);
        throw error;
      }
      // The profile requires both; the types do not know it.
      const { sub, sid } = claims as { sub: string; sid: string };
      if (typeof sid !== 'string' || typeof sub !== 'string')
        throw unauthenticated('token lacks sub or sid', scheme);
      // RFC 9449 section 7.1: a bound token is worthless without its key's proof, so it is
      // refused as Bearer (a thief's copy); and the DPoP scheme with an unbound token proves
      // nothing the token does not. One property read on the Bearer path.
      const dpopJkt = boundKeyOf(claims);
      if (dpopJkt === undefined) throw unauthenticated('token cnf not understood', scheme);
      if (scheme === 'bearer' && dpopJkt !== null)
        throw unauthenticated('dpop-bound token sent as bearer', 'dpop');
      if (scheme === 'dpop' && dpopJkt === null)
        throw unauthenticated('token not dpop-bound', 'dpop');
      if (revocations.isRevoked(sid)) throw unauthenticated('session revoked', scheme);
      return { userId: sub, sessionId: sid, claims, dpopJkt };
    },

    sessionOf(token, sessionOptions) {
      const sid = payloadOf(token, sessionOptions?.allowExpired === true)?.sid;
      return typeof sid === 'string' ? sid : null;
    },
  };
}
