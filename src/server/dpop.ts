/**
 * DPoP at the server (RFC 9449, GATEHOUSE_DPOP): the verifier with its replay cache (Redis when
 * configured, so every instance shares it; else a bounded one in memory) and its nonces (under
 * the secret every instance on the database shares), and the two checks the routes make: the
 * token endpoint's and a resource's. Every URL a proof must name is built from the issuer, never
 * from the Host header: a proof made for another server never fits ours.
 */
import {
  AuthError,
  type Clock,
  decodeBase64Url,
  encodeBase64Url,
  type RandomSource,
} from '../core/index.js';
import {
  createDpopNonces,
  createDpopVerifier,
  createMemoryReplayCache,
  type DpopNonces,
  type DpopVerifier,
  normaliseHtu,
  type ReplayCache,
} from '../dpop/index.js';
import { type RedisHandle, type Stores, sharedReplayCache } from '../storage/index.js';
import type { DpopMode } from './config.js';

/** DPoP as the routes use it; absent (null) when GATEHOUSE_DPOP=off. */
export interface ServerDpop {
  readonly mode: Exclude<DpopMode, 'off'>;
  readonly verifier: DpopVerifier;
  readonly nonces: DpopNonces;
  /** `DPoP algs="ES256 ..."`: the challenge of RFC 9449 section 7.1, without error parameters. */
  readonly challenge: string;
  /**
   * The key (jkt) of a token request's proof: checked for POST at the public token endpoint with
   * a server nonce (a proof made in advance by script cannot be used later). Not claimed yet:
   * the flow calls `claim()` once the grant holds, so proofs sent with junk grants (anyone can
   * sign them) never take a place in the replay cache. Null when no proof came and none is
   * required.
   * @throws AuthError ERR_DPOP_PROOF_INVALID, ERR_DPOP_NONCE_REQUIRED
   */
  tokenRequestKey(proof: string | readonly string[] | undefined): Promise<TokenRequestProof | null>;
  /**
   * Checks the proof of a resource request made with a DPoP-bound access token: method, the
   * public URL (issuer and path, no query), `ath` of the token, the token's key, single use.
   * @throws AuthError ERR_DPOP_PROOF_INVALID, ERR_DPOP_NONCE_REQUIRED, ERR_DPOP_KEY_MISMATCH,
   *   ERR_DPOP_REPLAY_CACHE_FULL, ERR_STORE_UNAVAILABLE
   */
  checkResourceProof(
    request: {
      readonly proof: string | readonly string[] | undefined;
      readonly method: string;
      readonly url: string;
    },
    accessToken: string,
    boundJkt: string,
  ): Promise<void>;
}

/** A verified token-request proof, to be claimed (single use) before anything is issued. */
export interface TokenRequestProof {
  readonly jkt: string;
  /**
   * @throws AuthError ERR_DPOP_PROOF_INVALID (replayed), ERR_DPOP_REPLAY_CACHE_FULL,
   *   ERR_STORE_UNAVAILABLE
   */
  claim(): Promise<void>;
}

export interface ServerDpopOptions {
  readonly mode: DpopMode;
  /** GATEHOUSE_ISSUER, without a trailing slash: the base of every URL a proof names. */
  readonly issuer: string;
  /** At least 32 bytes, the same on every instance of the deployment. */
  readonly nonceSecret: Uint8Array;
  readonly replay: ReplayCache;
  readonly clock: Clock;
}

/**
 * Builds the server's DPoP; null when the mode is off.
 *
 * @example
 * const dpop = createServerDpop({ mode: 'allowed', issuer, nonceSecret, replay, clock });
 */
export function createServerDpop(options: ServerDpopOptions): ServerDpop | null {
  if (options.mode === 'off') return null;
  const { issuer, clock } = options;
  const nonces = createDpopNonces({ secret: options.nonceSecret, clock });
  const verifier = createDpopVerifier({ replay: options.replay, nonces, clock });
  const tokenEndpoint = `${issuer}/v1/token`;
  const required = options.mode === 'required';
  return Object.freeze({
    mode: options.mode,
    verifier,
    nonces,
    challenge: `DPoP algs="${verifier.algorithms.join(' ')}"`,
    async tokenRequestKey(proof: string | readonly string[] | undefined) {
      if (proof === undefined && !required) return null;
      const verified = await verifier.verify({
        proof,
        method: 'POST',
        url: tokenEndpoint,
        requireNonce: true,
        deferClaim: true,
      });
      return { jkt: verified.jkt, claim: verified.claim as () => Promise<void> };
    },
    async checkResourceProof(
      request: {
        readonly proof: string | readonly string[] | undefined;
        readonly method: string;
        readonly url: string;
      },
      accessToken: string,
      boundJkt: string,
    ) {
      // The path as received (its query left out); behind a proxy that strips a prefix, the
      // issuer holds the prefix, as it does for every URL in the metadata.
      const query = request.url.indexOf('?');
      const path = query === -1 ? request.url : request.url.slice(0, query);
      const url = `${issuer}${path}`;
      // A request target no URL can be made of (absolute-form, say) matches no proof: a refusal
      // of the request, not the verifier's configuration error (a 500).
      if (normaliseHtu(url) === null)
        throw new AuthError('ERR_DPOP_PROOF_INVALID', 'invalid DPoP proof: htu', { reason: 'htu' });
      await verifier.verify({
        proof: request.proof,
        method: request.method,
        url,
        accessToken,
        boundJkt,
      });
    },
  });
}

/**
 * The server's DPoP over its storage: the nonce secret every instance on the database shares
 * (made once, by the first to start), and the replay cache in Redis when there is one.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when the secret cannot be read or stored
 */
export async function loadServerDpop(options: {
  readonly mode: DpopMode;
  readonly issuer: string;
  readonly stores: Stores;
  readonly redis: RedisHandle | null;
  readonly clock: Clock;
  readonly random: RandomSource;
}): Promise<ServerDpop | null> {
  if (options.mode === 'off') return null;
  const { clock } = options;
  const stored = await options.stores.secrets.ensureNonceSecret(
    encodeBase64Url(options.random.bytes(32)),
    clock.nowMs(),
  );
  const nonceSecret = decodeBase64Url(stored);
  if (nonceSecret === null || nonceSecret.length < 32)
    throw new AuthError('ERR_CONFIG_INVALID', 'the stored DPoP nonce secret is damaged');
  return createServerDpop({
    mode: options.mode,
    issuer: options.issuer,
    nonceSecret,
    replay:
      options.redis === null
        ? createMemoryReplayCache({ clock })
        : sharedReplayCache(options.redis, clock),
    clock,
  });
}
