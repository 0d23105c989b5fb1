/**
 * JWT claim checks (RFC 7519 section 4.1, RFC 8725 section 3.11, RFC 9068 section 4). Pure: the
 * time is an argument. They run only after the signature has been verified.
 */

import type { JsonObject } from '../core/index.js';
import { AuthError } from '../core/index.js';

/** Registered claims, plus whatever else the issuer put in. */
export interface JwtPayload extends JsonObject {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
}

export interface ClaimsConfig {
  readonly issuers: ReadonlySet<string> | null;
  readonly audiences: ReadonlySet<string> | null;
  readonly subject: string | null;
  /** Normalised expected `typ` (lower case, no `application/` prefix), or null to not check. */
  readonly typ: string | null;
  readonly requireExpiration: boolean;
  /** Skip only the `exp` comparison (the claim is still required and type-checked). */
  readonly ignoreExpiration: boolean;
  readonly requiredClaims: readonly string[];
  readonly maxTokenAgeSeconds: number | null;
  readonly clockToleranceSeconds: number;
}

function claimInvalid(claim: string, reason: string): AuthError {
  return new AuthError('ERR_JWT_CLAIM_INVALID', `claim ${claim} is invalid: ${reason}`, {
    claim,
    reason,
  });
}

/** RFC 7515 section 4.1.9: `typ` compares case-insensitively and may omit `application/`. */
export function normaliseTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function numericDate(payload: JwtPayload, claim: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  // RFC 7519 section 2: a JSON number; `1e400` parses to Infinity and is refused here.
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw claimInvalid(claim, 'not a finite number');
  return value;
}

/**
 * Checks the claims of a verified token at time `nowMs`.
 *
 * Boundaries: the token is expired when now >= exp + tolerance (RFC 7519 4.1.4: "on or after");
 * not yet valid when now + tolerance < nbf; issued in the future when iat > now + tolerance.
 *
 * @throws AuthError ERR_JWT_EXPIRED, ERR_JWT_NOT_YET_VALID, ERR_JWT_CLAIM_MISSING, ERR_JWT_CLAIM_INVALID
 */
export function checkClaims(
  header: JsonObject,
  payload: JwtPayload,
  config: ClaimsConfig,
  nowMs: number,
): void {
  const now = nowMs / 1000;
  const tolerance = config.clockToleranceSeconds;

  if (config.typ !== null) {
    const typ = header.typ;
    if (typeof typ !== 'string' || normaliseTyp(typ) !== config.typ)
      throw claimInvalid('typ', 'unexpected token type');
  }
  if (config.requireExpiration && payload.exp === undefined) {
    throw new AuthError('ERR_JWT_CLAIM_MISSING', 'claim exp is required', { claim: 'exp' });
  }
  for (const claim of config.requiredClaims) {
    if (payload[claim] === undefined) {
      throw new AuthError('ERR_JWT_CLAIM_MISSING', `claim ${claim} is required`, { claim });
    }
  }

  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');
  if (exp !== undefined && !config.ignoreExpiration && now >= exp + tolerance) {
    throw new AuthError('ERR_JWT_EXPIRED', 'token has expired', { claim: 'exp' });
  }
  if (nbf !== undefined && now + tolerance < nbf) {
    throw new AuthError('ERR_JWT_NOT_YET_VALID', 'token is not valid yet', { claim: 'nbf' });
  }
  if (iat !== undefined && iat > now + tolerance) throw claimInvalid('iat', 'issued in the future');
  if (config.maxTokenAgeSeconds !== null) {
    if (iat === undefined)
      throw new AuthError('ERR_JWT_CLAIM_MISSING', 'claim iat is required', { claim: 'iat' });
    if (now - iat > config.maxTokenAgeSeconds + tolerance) {
      throw new AuthError('ERR_JWT_EXPIRED', 'token is older than the maximum age', {
        claim: 'iat',
      });
    }
  }

  const iss = payload.iss;
  if (iss !== undefined && typeof iss !== 'string') throw claimInvalid('iss', 'not a string');
  if (config.issuers !== null && (iss === undefined || !config.issuers.has(iss))) {
    throw claimInvalid('iss', 'unexpected issuer');
  }
  const sub = payload.sub;
  if (sub !== undefined && typeof sub !== 'string') throw claimInvalid('sub', 'not a string');
  if (config.subject !== null && sub !== config.subject)
    throw claimInvalid('sub', 'unexpected subject');
  const jti = payload.jti;
  if (jti !== undefined && typeof jti !== 'string') throw claimInvalid('jti', 'not a string');

  const aud = payload.aud;
  if (aud !== undefined) {
    const valid =
      typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string'));
    if (!valid) throw claimInvalid('aud', 'not a string or an array of strings');
  }
  if (config.audiences !== null) {
    const audiences = config.audiences;
    const match =
      typeof aud === 'string'
        ? audiences.has(aud)
        : Array.isArray(aud) && aud.some((a) => audiences.has(a));
    if (!match) throw claimInvalid('aud', 'unexpected audience');
  }
}
