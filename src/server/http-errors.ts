/**
 * The catalogue of the `error` codes the HTTP API answers with: the status each comes with and
 * what the caller should do about it. One source for the OpenAPI `ErrorBody` enum
 * (server/schemas.ts) and for docs/http-errors.md (scripts/errors-doc.ts); a test checks that
 * every code the server sends is here (server/http-errors.test.ts). The precise AuthError code
 * behind an answer goes to the request's log line, not here (docs/errors.md).
 */

/** One HTTP error code: its statuses and a sentence for the caller. */
export interface HttpErrorEntry {
  /** Every status this code is answered with, the usual one first. */
  readonly statuses: readonly number[];
  /** What it means and what to change; docs/http-errors.md shows it. */
  readonly description: string;
}

/**
 * Every `error` value of an API answer, in the order docs/http-errors.md lists them. A released
 * code never changes meaning; statuses may be added, descriptions may be reworded.
 */
export const HTTP_ERROR_CATALOGUE = {
  invalid_request: {
    statuses: [400, 408, 413, 414, 415, 431],
    description:
      'The request is malformed, and error_description says how: a field that is missing, of the wrong type, too long or unknown (named, with the rule it breaks; never its value), a body that is not JSON or larger than 16 KiB (413), a content type other than application/json (form data too at /v1/token and /v1/revoke: 415), an Authorization or Cookie header sent twice, text that is not UTF-8 or holds a NUL, a malformed %-escape or too long a segment in the path (414), headers too large (431), or a request too slow to arrive (408). Fix the request: sent again unchanged it fails the same way.',
  },
  invalid_client: {
    statuses: [401],
    description:
      'Client authentication at /v1/token failed (RFC 6749 section 5.2): the client is not registered (gatehouse clients add), a confidential client sent no secret or a wrong one, a public client sent a secret, or the request used two methods at once. A public client sends client_id in the body (or Basic with an empty secret); a confidential client sends its secret with client_secret_basic or client_secret_post, not both; another scheme, or a body client_id other than the Basic one, is refused. At /v1/introspect: the caller is neither resource-server with GATEHOUSE_INTROSPECTION_SECRET nor a registered confidential client with its secret (HTTP Basic, or client_id and client_secret in the body, not both).',
  },
  invalid_grant: {
    statuses: [400],
    description:
      'At /v1/token: the username and password do not match an account; the refresh token is unknown, expired, already used, issued to another client, or sent with an access token of another session; or the authorization code is unknown, expired, already used (which also ends the session its first use started), of another client, or sent with another redirect_uri or a code_verifier that does not match its code_challenge. A refused refresh token or code stays refused: sign in again.',
  },
  unauthorized_client: {
    statuses: [400],
    description:
      'At /v1/token: the client authenticated but is not registered for this grant type (RFC 6749 section 5.2); new clients have the password grant only when it was enabled (gatehouse clients add --grant password).',
  },
  invalid_scope: {
    statuses: [400],
    description:
      'At /v1/token: the scope parameter is malformed, names a scope the server does not know or the client may not ask for, or on a refresh asks for more than was granted at sign-in (RFC 6749 sections 3.3 and 6). Ask for fewer scopes; scopes_supported in the metadata lists those configured.',
  },
  insufficient_scope: {
    statuses: [403],
    description:
      'The access token is valid but was not granted a scope this endpoint needs (RFC 6750 section 3.1); WWW-Authenticate names it. At /userinfo: sign in again asking for the openid scope.',
  },
  login_required: {
    statuses: [302],
    description:
      'Sent back to the redirect URI by /authorize (OpenID Connect Core 3.1.2.6): prompt=none was asked and the user is not signed in, or not recently enough for max_age. Send the user to /authorize without prompt=none.',
  },
  unsupported_response_type: {
    statuses: [302],
    description:
      'Sent back to the redirect URI by /authorize: response_type is not code (the only one supported; the implicit flow is not offered, per OAuth 2.1).',
  },
  request_not_supported: {
    statuses: [302],
    description:
      'Sent back to the redirect URI by /authorize: the request parameter (a request object) is not supported; send the parameters themselves.',
  },
  request_uri_not_supported: {
    statuses: [302],
    description:
      'Sent back to the redirect URI by /authorize: request_uri is not supported; send the parameters themselves.',
  },
  unsupported_grant_type: {
    statuses: [400],
    description:
      'At /v1/token: grant_type is not one of authorization_code, refresh_token and password.',
  },
  invalid_token: {
    statuses: [401],
    description:
      'The access token, session cookie or Basic credential is missing, malformed, expired or revoked (its session ended: logout, password change, refresh-token reuse). Refresh the access token, or sign in again, then retry.',
  },
  invalid_dpop_proof: {
    statuses: [400, 401],
    description:
      'The DPoP proof (RFC 9449) is missing where required (GATEHOUSE_DPOP=required), sent twice, malformed, not of typ dpop+jwt, signed with an algorithm not in dpop_signing_alg_values_supported or with a private or unfit jwk, for another method or URL (htm, htu: the public URL under GATEHOUSE_ISSUER, without query), too old or too far in the future (iat), with a wrong ath (the hash of the access token sent with it), or already used. 400 at /v1/token, 401 elsewhere (with WWW-Authenticate: DPoP). Make a new proof for every request.',
  },
  use_dpop_nonce: {
    statuses: [400, 401],
    description:
      'The DPoP proof must carry the server nonce: always at /v1/token, and elsewhere when its iat is too far from the server clock or its nonce expired. Retry once with a new proof whose nonce claim is the DPoP-Nonce header of this answer (RFC 9449 section 8).',
  },
  invalid_credentials: {
    statuses: [401],
    description:
      'At /v1/session: the email and password do not match an account (the same answer whichever is wrong); at /v1/password: current_password is wrong; at POST /v1/email/change and DELETE /v1/me: password is wrong. Repeated failures are throttled (rate_limited).',
  },
  invalid_password: {
    statuses: [400],
    description:
      'The password (at /v1/signup) or new_password (at /v1/password) breaks the policy: 8 to 256 characters, counted after NFKC normalisation; nothing else is required.',
  },
  email_taken: {
    statuses: [400],
    description:
      'At /v1/signup: an account with this email already exists. Sign in instead. At /v1/email/change/confirm and /v1/email/change/undo: another account took the address after the link was sent; nothing changed.',
  },
  email_not_verified: {
    statuses: [403],
    description:
      'At /v1/token, /v1/session (and with Basic): the password is right but the account has not confirmed its email address, and GATEHOUSE_REQUIRE_VERIFIED_EMAIL=true. Follow the link of the verification message, or ask for a new one at POST /v1/email/verification.',
  },
  account_disabled: {
    statuses: [403],
    description:
      'At /v1/token, /v1/session (and with Basic): the password is right but an operator disabled the account (gatehouse users disable); its sessions were ended. Only the operator can enable it again (gatehouse users enable).',
  },
  invalid_link: {
    statuses: [400],
    description:
      'At /v1/email/verify, /v1/password/reset, /v1/email/change/confirm and /v1/email/change/undo: the token of the link is malformed, unknown, altered, expired or already used (each works once). Ask for a new link (POST /v1/email/verification, POST /v1/password/forgot, POST /v1/email/change). Past 20 refused links in 15 minutes from one address, a refused link answers rate_limited instead.',
  },
  csrf_rejected: {
    statuses: [403],
    description:
      'A cookie request from a browser came from an origin that is not allowed (Origin header), or, without Origin, was not same-origin (Sec-Fetch-Site). The issuer origin (GATEHOUSE_ISSUER) is allowed; to allow a browser app on another origin, add it to GATEHOUSE_CORS_ORIGINS (CORS, and cookie requests) or GATEHOUSE_ALLOWED_ORIGINS (cookie requests only, no CORS); both comma-separated, e.g. https://app.example.com.',
  },
  not_found: {
    statuses: [404],
    description:
      'No such endpoint or asset, or (DELETE /v1/sessions/{id}) no session with that id belongs to the user, or (/v1/admin/users/{id}) no account has that id. The whole admin API answers 404 while GATEHOUSE_ADMIN_TOKEN is unset.',
  },
  method_not_allowed: {
    statuses: [405],
    description:
      "The endpoint exists but does not take this method; the Allow header lists the ones it takes. A browser's CORS preflight (OPTIONS) from an origin that is not in GATEHOUSE_CORS_ORIGINS gets this too, and its description says so.",
  },
  rate_limited: {
    statuses: [429],
    description:
      'Too many password attempts for this account or from this address, or too many sign-ups or emails asked for: this attempt was refused unchecked. At /v1/email/verify, /v1/password/reset, /v1/email/change/confirm and /v1/email/change/undo: too many refused links from this address, and this link was refused too (a link that works still works). Wait the Retry-After seconds before trying again.',
  },
  temporarily_unavailable: {
    statuses: [503],
    description:
      'Storage (the database or Redis) is unreachable, or every password worker is busy (then with Retry-After): retry shortly. GET /readyz names the backend that is down.',
  },
  server_error: {
    statuses: [500],
    description:
      'An unexpected fault of the server, not of the request; it is logged under the X-Request-Id of the answer, which is what to report.',
  },
} as const satisfies Readonly<Record<string, HttpErrorEntry>>;

/** An `error` value of the HTTP API. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_CATALOGUE;

/**
 * Every HTTP error code, in catalogue order.
 *
 * @example
 * HTTP_ERROR_CODES.includes('invalid_token') // true
 */
export const HTTP_ERROR_CODES = Object.keys(HTTP_ERROR_CATALOGUE) as readonly HttpErrorCode[];
