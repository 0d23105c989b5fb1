/**
 * What every route needs, assembled once by app.ts: the services, the verifier, the signer.
 */
import type { AccountService } from '../accounts/service.js';
import type { Clock } from '../core/clock.js';
import type { KeyRing } from '../jwt/key-ring.js';
import type { JwtVerifier } from '../jwt/verify.js';
import type { RefreshService } from '../refresh/service.js';
import type { RevocationList } from '../revocation/list.js';
import type { SessionService } from '../sessions/service.js';
import type { Stores } from '../storage/index.js';
import type { ServerConfig } from './config.js';

export interface Principal {
  readonly userId: string;
  /** The login session; null for HTTP Basic (no session). */
  readonly sessionId: string | null;
  readonly via: 'bearer' | 'cookie' | 'basic';
}

export interface ServerContext {
  readonly config: ServerConfig;
  readonly stores: Stores;
  readonly keyRing: KeyRing;
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly refresh: RefreshService;
  readonly revocations: RevocationList;
  /** Verifies access tokens (typ at+jwt, iss, aud, exp). */
  readonly accessVerifier: JwtVerifier;
  /** The same checks except the exp comparison: for the access token sent along with a refresh. */
  readonly expiredAccessVerifier: JwtVerifier;
  readonly clock: Clock;
}

/** The cookie that carries a browser session (`__Host-`: Secure, Path=/, no Domain). */
export const SESSION_COOKIE = '__Host-gatehouse_session';
