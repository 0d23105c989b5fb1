/**
 * DPoP proof verification (RFC 9449 section 4.3), strict, framework-free: the caller passes the
 * header value(s), the method and the public URL of the request, and the access token when one
 * comes with it. Options are validated once by `createDpopVerifier`.
 *
 * Order: one header, size, compact JWS shape, header (`typ` exactly `dpop+jwt`, `alg` from the
 * allow-list of asymmetric algorithms, no `crit`, a public `jwk` fit for `alg`), signature; then
 * the claims (`jti`, `htm`, `htu`, `ath`, `iat` and `nonce`), the key binding the caller expects,
 * and last the single use of the proof in the replay cache. Each refusal is an AuthError whose
 * `details.reason` names the check, never a value of the proof.
 */

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  AuthError,
  type Clock,
  hasCanonicalBase64UrlEnd,
  type JsonObject,
  parseJsonObject,
  systemClock,
} from '../core/index.js';
import {
  ALGORITHM_SPECS,
  calculateJwkThumbprint,
  checkJwsSignature,
  importJwk,
  isJwsAlgorithm,
  type JwsAlgorithm,
  type JwtKey,
} from '../jwt/index.js';
import { normaliseHtu } from './htu.js';
import type { DpopNonces } from './nonces.js';
import type { ReplayCache } from './replay.js';

/** Every asymmetric algorithm Gatehouse verifies: the default allow-list. Never `none` or HS*. */
export const DPOP_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
]);

/** RFC 9449 section 4.2: the media type of a proof, compared exactly. */
export const DPOP_PROOF_TYP = 'dpop+jwt';

export interface DpopVerifierOptions {
  /** Where proofs are claimed once (memory for one process, Redis for several). */
  readonly replay: ReplayCache;
  /** The accepted algorithms, a subset of DPOP_ALGORITHMS (default: all of them). */
  readonly algorithms?: readonly JwsAlgorithm[];
  readonly clock?: Clock;
  /**
   * How far `iat` may be from now, in the past and in the future, when no server nonce vouches
   * for the proof's freshness (default 60 seconds each way).
   */
  readonly iatWindowSeconds?: number;
  /**
   * Server nonces. With them a proof may carry a nonce instead of relying on its `iat` (a client
   * whose clock is off is told to use one), and `requireNonce` may demand one.
   */
  readonly nonces?: DpopNonces;
  /** Proofs longer than this are refused before any decoding (default 8192). */
  readonly maxProofBytes?: number;
}

/** One request to check a proof against. */
export interface DpopRequest {
  /** The DPoP header: its value, or every value when the framework gives a list. */
  readonly proof: string | readonly string[] | undefined;
  /** The request method, as sent (`GET`, `POST`). */
  readonly method: string;
  /** The public URL of the request (query and fragment are ignored); never built from Host. */
  readonly url: string;
  /** The access token sent with the proof: `ath` must then be its hash, and must be absent otherwise. */
  readonly accessToken?: string;
  /** Demand a valid server nonce (needs the `nonces` option). */
  readonly requireNonce?: boolean;
  /** The thumbprint the proof's key must have: the `cnf.jkt` of the access token it comes with. */
  readonly boundJkt?: string;
  /**
   * Check everything but do not claim the proof yet: the result's `claim()` does, and must be
   * awaited before anything is granted. The token endpoint claims only once the grant holds, so
   * proofs sent with junk grants (anyone can sign them) never take a place in the cache.
   */
  readonly deferClaim?: boolean;
}

/** A proof that passed every check, and was claimed. */
export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint (SHA-256, base64url) of the proof's public key: the `cnf.jkt` to bind. */
  readonly jkt: string;
  readonly jti: string;
  readonly iat: number;
  readonly alg: JwsAlgorithm;
  /** What vouched for freshness: a server nonce, or `iat` within the window. */
  readonly freshness: 'nonce' | 'iat';
  /**
   * With `deferClaim`: claims the proof (single use).
   * @throws AuthError ERR_DPOP_PROOF_INVALID (reason replayed), ERR_DPOP_REPLAY_CACHE_FULL,
   *   ERR_STORE_UNAVAILABLE
   */
  readonly claim?: () => Promise<void>;
}

export interface DpopVerifier {
  /**
   * Checks a proof for one request and claims it.
   *
   * @throws AuthError ERR_DPOP_PROOF_INVALID (details.reason), ERR_DPOP_NONCE_REQUIRED,
   *   ERR_DPOP_KEY_MISMATCH, ERR_DPOP_REPLAY_CACHE_FULL, ERR_STORE_UNAVAILABLE (Redis),
   *   ERR_CONFIG_INVALID (a request URL that is not absolute http(s), or requireNonce without nonces)
   */
  verify(request: DpopRequest): Promise<VerifiedDpopProof>;
  /** The accepted algorithms: for `dpop_signing_alg_values_supported` and `algs` challenges. */
  readonly algorithms: readonly JwsAlgorithm[];
  /** The iat window in seconds, each way. */
  readonly iatWindowSeconds: number;
}

/** The parsed, checked header of a proof and its imported key (cached by header segment). */
interface ProofHeader {
  readonly alg: JwsAlgorithm;
  readonly key: JwtKey;
  readonly jkt: string;
}

const MAX_JTI_LENGTH = 128;
const MAX_RSA_MODULUS_CHARS = Math.ceil((4096 / 8) * (4 / 3));
const MAX_HTU_LENGTH = 4096;
const MAX_NONCE_LENGTH = 256;
/** RFC 9449 section 8.1: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const NQCHARS = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const HEADER_CACHE_SIZE = 1024;
/** Base64url characters and exactly two dots, none of the segments empty but the payload's. */
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** JWK members that only a private or secret key has (RFC 7518 section 6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function invalid(reason: string): AuthError {
  return new AuthError('ERR_DPOP_PROOF_INVALID', `invalid DPoP proof: ${reason}`, { reason });
}

function nonceRequired(reason: string): AuthError {
  return new AuthError('ERR_DPOP_NONCE_REQUIRED', `DPoP proof needs a server nonce: ${reason}`, {
    reason,
  });
}

function configError(problems: readonly string[]): AuthError {
  return new AuthError('ERR_CONFIG_INVALID', `invalid DPoP options: ${problems.join('; ')}`, {
    problems,
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a canonical base64url segment as a JSON object, or null. */
function segmentObject(segment: string, maxDepth: number): JsonObject | null {
  const bytes = Buffer.from(segment, 'base64url');
  if (!isUtf8(bytes)) return null;
  const parsed = parseJsonObject(utf8.decode(bytes), maxDepth);
  return parsed.ok ? parsed.value : null;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * RFC 9449 section 4.3 step 1: exactly one header. Node joins repeated headers of unknown names
 * with ", ", and a compact JWS never holds a comma.
 */
function singleProof(proof: DpopRequest['proof']): string {
  if (proof === undefined) throw invalid('missing');
  if (typeof proof !== 'string') {
    if (!Array.isArray(proof)) throw invalid('malformed');
    if (proof.length === 0) throw invalid('missing');
    if (proof.length > 1) throw invalid('multiple');
    return singleProof(proof[0] as string);
  }
  if (proof.includes(',')) throw invalid('multiple');
  return proof;
}

/**
 * Creates a verifier. Options are checked once; `verify` costs one signature check, one SHA-256
 * when an access token comes along, and one replay-cache claim (the header and its key are
 * cached by their text).
 *
 * @throws AuthError ERR_CONFIG_INVALID listing every problem
 * @example
 * const dpop = createDpopVerifier({ replay: createMemoryReplayCache({ clock }), clock });
 * const { jkt } = await dpop.verify({ proof: request.headers.dpop, method: 'POST', url: 'https://auth.example/v1/token' });
 */
export function createDpopVerifier(options: DpopVerifierOptions): DpopVerifier {
  const problems: string[] = [];
  const algorithms = options.algorithms ?? DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    problems.push('algorithms must be a non-empty list');
  else
    for (const alg of algorithms)
      if (!DPOP_ALGORITHMS.includes(alg as JwsAlgorithm))
        problems.push(
          `algorithms: "${String(alg)}" is not an asymmetric algorithm we verify (${DPOP_ALGORITHMS.join(', ')})`,
        );
  if (typeof options.replay?.claim !== 'function')
    problems.push('replay must be a replay cache (claim)');
  const clock = options.clock ?? systemClock;
  if (typeof clock?.nowMs !== 'function') problems.push('clock must have a nowMs() function');
  const iatWindowSeconds = options.iatWindowSeconds ?? 60;
  if (!Number.isInteger(iatWindowSeconds) || iatWindowSeconds < 1 || iatWindowSeconds > 3600)
    problems.push('iatWindowSeconds must be an integer from 1 to 3600');
  const maxProofBytes = options.maxProofBytes ?? 8192;
  if (!Number.isInteger(maxProofBytes) || maxProofBytes < 256 || maxProofBytes > 65_536)
    problems.push('maxProofBytes must be an integer from 256 to 65536');
  const nonces = options.nonces ?? null;
  if (
    nonces !== null &&
    (typeof nonces.validUntilMs !== 'function' || typeof nonces.current !== 'function')
  )
    problems.push('nonces must have current() and validUntilMs()');
  if (problems.length > 0) throw configError(problems);

  const allowed = new Set<JwsAlgorithm>(algorithms);
  const replay = options.replay;
  const windowMs = iatWindowSeconds * 1000;
  const headers = new Map<string, ProofHeader>();

  /** Header checks of section 4.3 steps 4 to 7 (all but the signature itself). */
  const checkHeader = (segment: string): ProofHeader => {
    const cached = headers.get(segment);
    if (cached !== undefined) return cached;
    const header = segmentObject(segment, 4);
    if (header === null) throw invalid('malformed_header');
    if (header.typ !== DPOP_PROOF_TYP) throw invalid('typ');
    const alg = header.alg;
    // RFC 8725 section 3.1 and RFC 9449 step 5: asymmetric, from our list; `none` is in no list.
    if (!isJwsAlgorithm(alg) || !allowed.has(alg)) throw invalid('alg');
    // We understand no extension parameter (RFC 7515 section 4.1.11) and no unencoded payload.
    if (header.crit !== undefined || header.b64 !== undefined) throw invalid('header');
    const jwk = header.jwk;
    if (!isObject(jwk)) throw invalid('jwk_missing');
    // Step 7: a private key in the header is refused, whatever else it holds.
    if (PRIVATE_MEMBERS.some((member) => jwk[member] !== undefined)) throw invalid('jwk_private');
    // Anyone may send a proof, so its key bounds the work: RSA moduli up to 4096 bits (683
    // base64url characters); a 16384-bit key would cost milliseconds per request.
    if (typeof jwk.n === 'string' && jwk.n.length > MAX_RSA_MODULUS_CHARS) throw invalid('jwk');
    let key: JwtKey;
    let wireThumbprint: string;
    try {
      // `kid` is left out so the key's id is the RFC 7638 thumbprint of the key itself; `use`,
      // `key_ops` and `alg` stay in and must agree with the header's alg. The import refuses a
      // key of another type, curve or size than `alg` needs: no algorithm confusion.
      const { kid: _kid, ...members } = jwk;
      key = importJwk(members, { alg });
      wireThumbprint = calculateJwkThumbprint(jwk);
    } catch {
      // Whatever the import throws (node:crypto's own errors included), a key anyone may send
      // that cannot be imported is a refused proof, never a 500.
      throw invalid('jwk');
    }
    // The thumbprint other servers compute from the header must be the one we bind to: a JWK
    // spelt differently from its key's canonical form (an RSA modulus with a leading zero) is
    // refused instead of binding two names to one key.
    if (key.kind !== 'public' || key.kid !== wireThumbprint) throw invalid('jwk');
    if (ALGORITHM_SPECS[alg].family === 'hmac') throw invalid('alg');
    const entry: ProofHeader = Object.freeze({ alg, key, jkt: key.kid });
    if (headers.size >= HEADER_CACHE_SIZE) headers.clear();
    headers.set(segment, entry);
    return entry;
  };

  return Object.freeze({
    algorithms: Object.freeze([...allowed]),
    iatWindowSeconds,
    async verify(request: DpopRequest): Promise<VerifiedDpopProof> {
      const proof = singleProof(request.proof);
      if (proof.length > maxProofBytes) throw invalid('too_large');
      if (!COMPACT.test(proof)) throw invalid('malformed');
      const firstDot = proof.indexOf('.');
      const secondDot = proof.indexOf('.', firstDot + 1);
      const headerSegment = proof.slice(0, firstDot);
      const payloadSegment = proof.slice(firstDot + 1, secondDot);
      const signatureSegment = proof.slice(secondDot + 1);
      if (
        !hasCanonicalBase64UrlEnd(headerSegment) ||
        !hasCanonicalBase64UrlEnd(payloadSegment) ||
        !hasCanonicalBase64UrlEnd(signatureSegment)
      )
        throw invalid('malformed');

      const { alg, key, jkt } = checkHeader(headerSegment);
      // Step 6, before any claim is read.
      if (!checkJwsSignature(key, proof.slice(0, secondDot), signatureSegment))
        throw invalid('signature');
      const claims = segmentObject(payloadSegment, 8);
      if (claims === null) throw invalid('malformed_payload');

      const { jti, htm, htu, ath, iat, nonce } = claims;
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
        throw invalid('jti');
      if (typeof htm !== 'string' || htm !== request.method) throw invalid('htm');
      const expectedUrl = normaliseHtu(request.url);
      if (expectedUrl === null)
        throw configError(['the request url must be an absolute http(s) URL']);
      if (
        typeof htu !== 'string' ||
        htu.length > MAX_HTU_LENGTH ||
        normaliseHtu(htu) !== expectedUrl
      )
        throw invalid('htu');
      if (request.accessToken !== undefined) {
        // RFC 9449 section 4.2: base64url SHA-256 of the ASCII access token.
        const expected = createHash('sha256').update(request.accessToken).digest('base64url');
        if (typeof ath !== 'string' || ath !== expected) throw invalid('ath');
      } else if (ath !== undefined) throw invalid('ath_unexpected');
      if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('iat');

      const nowMs = clock.nowMs();
      let freshness: VerifiedDpopProof['freshness'] = 'iat';
      let acceptedUntilMs: number;
      if (nonce !== undefined) {
        if (typeof nonce !== 'string' || nonce.length > MAX_NONCE_LENGTH || !NQCHARS.test(nonce))
          throw invalid('nonce');
      }
      if (request.requireNonce === true && nonces === null)
        throw configError(['requireNonce needs the nonces option']);
      // Step 10: a nonce we issue is checked whenever one is sent; with one, the nonce (not the
      // client's clock) vouches for freshness, so a device clock hours off still works.
      const nonceUntilMs =
        typeof nonce === 'string' && nonces !== null ? nonces.validUntilMs(nonce) : null;
      if (typeof nonce === 'string' && nonces !== null) {
        if (nonceUntilMs === null) throw nonceRequired('nonce_invalid');
        freshness = 'nonce';
        acceptedUntilMs = nonceUntilMs;
      } else {
        if (request.requireNonce === true) throw nonceRequired('nonce_missing');
        // Step 11 by iat: within the window both ways. Outside it, a server that issues nonces
        // tells the client to use one (section 8) instead of failing for good.
        const iatMs = iat * 1000;
        if (iatMs < nowMs - windowMs || iatMs > nowMs + windowMs)
          throw nonces !== null ? nonceRequired('iat_window') : invalid('iat_window');
        // Accepted while now <= iat + window: the entry must outlive that instant.
        acceptedUntilMs = iatMs + windowMs + 1;
      }
      if (request.boundJkt !== undefined && request.boundJkt !== jkt)
        throw new AuthError(
          'ERR_DPOP_KEY_MISMATCH',
          'the DPoP proof is signed by another key than the token is bound to',
          { reason: 'key_mismatch' },
        );
      // Section 11.1: single use, for exactly as long as the proof could be accepted. Keyed by
      // the key and jti, so one client's jti cannot block another's.
      const claim = async () => {
        if (!(await replay.claim(`${jkt}.${jti}`, acceptedUntilMs))) throw invalid('replayed');
      };
      if (request.deferClaim === true) return { jkt, jti, iat, alg, freshness, claim };
      await claim();
      return { jkt, jti, iat, alg, freshness };
    },
  });
}
