/**
 * The one error class of Gatehouse and its catalogue of stable codes.
 *
 * A released code never changes meaning; messages may. Messages and `details` never carry a
 * token, a secret, a password, a hash or key material: they name what was wrong, not the value.
 */

/** Every error code, with the sentence that `docs/errors.md` shows for it. */
export const ERROR_CATALOGUE = {
  ERR_JWT_MALFORMED:
    'The token is not a well-formed compact JWS/JWT: wrong number of segments, non-canonical base64url, header or payload not a JSON object, duplicate member names, JSON nested too deeply, or a payload that is not UTF-8.',
  ERR_JWT_TOO_LARGE:
    'The token is longer than the verifier accepts (default 8 KiB). Checked before any decoding.',
  ERR_JWS_ALG_NOT_ALLOWED:
    'The header `alg` is missing, is `none` in any spelling, is unknown, or is not one the verifier was configured to accept.',
  ERR_JWS_HEADER_INVALID:
    'A protected header parameter has the wrong type or a value we refuse (for example `b64`, or a `kid` that is not a string).',
  ERR_JWS_CRIT_UNSUPPORTED:
    'The header lists a `crit` parameter that the verifier does not understand (RFC 7515 section 4.1.11).',
  ERR_JWS_KEY_NOT_FOUND:
    'No configured key matches the token: unknown `kid`, or no key for the algorithm, or several candidates and no `kid` to choose.',
  ERR_JWS_SIGNATURE_INVALID: 'The signature does not verify with the selected key.',
  ERR_JWT_EXPIRED:
    "The token has expired (`exp`), or it is older than the verifier's maximum token age (`iat`).",
  ERR_JWT_NOT_YET_VALID: 'The token is not valid yet (`nbf` is in the future).',
  ERR_JWT_CLAIM_MISSING: 'A claim the verifier requires (by default `exp`) is absent.',
  ERR_JWT_CLAIM_INVALID:
    'A claim or the `typ` header has the wrong type or value: `iss`, `aud`, `sub`, `typ` mismatch, `iat` in the future, or a numeric date that is not a finite number.',
  ERR_KEY_INVALID:
    'Key material was refused at import: wrong type for the algorithm, too short, RSA under 2048 bits, a public key offered as an HMAC secret, wrong `use` or `key_ops`, or a malformed JWK.',
  ERR_KEY_UNSUPPORTED: 'The key type, curve or algorithm is not one Gatehouse supports.',
  ERR_KEYRING_INVALID:
    'The key ring was asked to do something that would break it: a duplicate `kid`, no signing key, or removing the active signing key.',
  ERR_CONFIG_INVALID:
    'Options or configuration failed validation; the message lists every problem.',
  ERR_REQUEST_INVALID:
    'The request lacks a required parameter or has one with an invalid value; the message says which.',
  ERR_GRANT_UNSUPPORTED:
    'The token endpoint was asked for a grant type it does not support (RFC 6749 section 5.2).',
  ERR_STORE_UNAVAILABLE:
    'The storage (database) cannot be reached or failed; the request can be retried.',
  ERR_AUTH_INVALID_CREDENTIALS:
    'The email and password do not match an account (the same answer whichever is wrong).',
  ERR_AUTH_RATE_LIMITED:
    'Too many failed logins for this account or client; retry after the given delay.',
  ERR_AUTH_EMAIL_TAKEN: 'An account with this email already exists.',
  ERR_AUTH_PASSWORD_POLICY:
    'The password breaks the policy: 8 to 256 characters (NIST SP 800-63B).',
  ERR_AUTH_BUSY:
    'Too many password checks are in progress; the request was refused at once and can be retried (503 with Retry-After).',
  ERR_AUTH_UNAUTHENTICATED:
    'The request carries no credential, or one that is invalid, expired or revoked.',
  ERR_SESSION_NOT_FOUND: 'No session with that id belongs to the user.',
  ERR_SESSION_CSRF:
    'A state-changing request authenticated by cookie failed the Origin / Sec-Fetch-Site check.',
  ERR_REFRESH_INVALID:
    'The refresh token is unknown, malformed, expired, or its session has ended.',
  ERR_REFRESH_REUSED:
    'A consumed refresh token was presented after the grace window: the session and its token family were revoked.',
  ERR_REFRESH_SESSION_MISMATCH:
    'The access token sent with a refresh does not verify or belongs to another session.',
  ERR_REFRESH_CLIENT_MISMATCH:
    'The refresh token was issued to another client (RFC 6749 section 6); nothing was changed, and the token still works for its own client.',
  ERR_CLIENT_INVALID:
    'Client authentication at the token endpoint failed (RFC 6749 section 5.2, invalid_client): an unknown client, a wrong or missing secret of a confidential client, a secret from a public client, a malformed Basic header, a secret in both Basic and the body, a body client_id other than the Basic one, or an Authorization scheme other than Basic and Bearer.',
  ERR_CLIENT_UNAUTHORIZED:
    'The client authenticated but is not registered for the grant it asked for (RFC 6749 section 5.2, unauthorized_client); `details.grant` names it.',
  ERR_SCOPE_INVALID:
    'The requested scope is malformed, unknown, not allowed for the client, or (on a refresh) wider than the original grant (RFC 6749 sections 3.3, 5.2 and 6, invalid_scope).',
  ERR_SCOPE_INSUFFICIENT:
    'The access token is valid but lacks a scope the endpoint requires (RFC 6750 section 3.1, insufficient_scope): UserInfo needs `openid`; `details.scope` names it.',
  ERR_CODE_INVALID:
    "The authorization code (RFC 6749 section 4.1.3) is malformed, unknown, of another client, expired, already exchanged (then the session its first exchange started is ended), sent with another redirect_uri than its request, or with a code_verifier whose S256 challenge is not the request's (RFC 7636), or its user was disabled since; `details.reason` says which, for the log only (invalid_grant).",
  ERR_INTROSPECTION_CLIENT_INVALID:
    'A caller of the introspection endpoint (RFC 7662 section 2.1) did not authenticate: no credentials, malformed Basic, Basic and a body secret at once, `resource-server` with a secret other than GATEHOUSE_INTROSPECTION_SECRET (or none configured), or a client id that is not a registered confidential client with that secret (invalid_client).',
  ERR_DPOP_PROOF_INVALID:
    'The DPoP proof (RFC 9449 section 4.3) is missing where required, sent twice, malformed, of the wrong `typ`, signed with an algorithm not allowed or a `jwk` that is private or unfit, badly signed, for another method or URL (`htm`, `htu`), outside its `iat` window, without a usable `jti`, with a wrong or unexpected `ath`, or already used; `details.reason` says which (invalid_dpop_proof).',
  ERR_DPOP_NONCE_REQUIRED:
    'The DPoP proof lacks the server nonce, carries an expired one, or has an `iat` too far from the server clock: retry with the nonce of the `DPoP-Nonce` answer header (RFC 9449 section 8, use_dpop_nonce).',
  ERR_DPOP_KEY_MISMATCH:
    'The token (an access token with `cnf.jkt`, or the refresh token of a DPoP-bound session) is bound to another key than the one of the DPoP proof, or was sent without a proof; nothing was changed.',
  ERR_DPOP_REPLAY_CACHE_FULL:
    'The in-memory DPoP replay cache holds its maximum of live entries: the proof is refused rather than forget a live one (503, retry shortly; use Redis for a larger shared cache).',
  ERR_AUTH_EMAIL_NOT_VERIFIED:
    'The email and password are right, but the account has not verified its address and the server requires it (GATEHOUSE_REQUIRE_VERIFIED_EMAIL); checked only after the password, so it tells nothing to whoever does not know it.',
  ERR_AUTH_ACCOUNT_DISABLED:
    'The email and password are right, but an operator disabled the account (gatehouse users disable); checked only after the password, so it tells nothing to whoever does not know it.',
  ERR_USER_NOT_FOUND: 'No account has the user id an operator named (the admin API).',
  ERR_EMAIL_LINK_INVALID:
    'An email link (verification, password reset, email change or its undo) is malformed, unknown, altered, already used, expired, or no longer matches the account (its address changed); `details.reason` says which, for the log only.',
} as const;

/** A stable machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Safe, non-secret context for an error: which claim, which parameter, which reason. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/**
 * The error thrown by every Gatehouse module when the caller asked for a guarantee.
 *
 * @example
 * try { verifier.verify(token) } catch (e) { if (e instanceof AuthError && e.code === 'ERR_JWT_EXPIRED') refresh() }
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when `value` is an AuthError, optionally with the given code. */
export function isAuthError(value: unknown, code?: ErrorCode): value is AuthError {
  return value instanceof AuthError && (code === undefined || value.code === code);
}
