/**
 * gatehouse/dpop: DPoP proofs (RFC 9449) checked strictly, their single use, and server nonces.
 * No HTTP, no database: the caller passes the header, the method and the public URL; storage
 * provides the shared replay cache (Redis) and the nonce secret.
 */
export { normaliseHtu } from './htu.js';
export { createDpopNonces, type DpopNonces, type DpopNoncesOptions } from './nonces.js';
export {
  createMemoryReplayCache,
  type MemoryReplayCache,
  type MemoryReplayCacheOptions,
  type ReplayCache,
} from './replay.js';
export type { NonceSecretStore } from './store.js';
export {
  createDpopVerifier,
  DPOP_ALGORITHMS,
  DPOP_PROOF_TYP,
  type DpopRequest,
  type DpopVerifier,
  type DpopVerifierOptions,
  type VerifiedDpopProof,
} from './verify.js';
