/**
 * The one path from an error to HTTP: every AuthError code (mapped on purpose, one by one: the
 * compiler and a test see to it), Fastify's own bad-input errors (a schema violation named by its
 * field and rule), and the token endpoint's RFC 6749 section 5.2 dialect. Every `error` is a code
 * of the catalogue in server/http-errors.ts. Outside, authentication failures look alike; the precise code goes
 * to the log.
 */
import { AuthError, type ErrorCode } from '../core/index.js';
import type { HttpErrorCode } from './http-errors.js';

export interface HttpError {
  readonly status: number;
  /** A code of the HTTP catalogue (server/http-errors.ts). */
  readonly error: HttpErrorCode;
  readonly description: string;
}

/** An HTTP answer: status, `{error, error_description}` body, and headers. */
export interface HttpErrorResponse extends HttpError {
  readonly headers: Readonly<Record<string, string>>;
}

const TOKEN_INVALID: HttpError = {
  status: 401,
  error: 'invalid_token',
  description: 'The access token is invalid, expired or revoked.',
};
const SERVER_ERROR: HttpError = {
  status: 500,
  error: 'server_error',
  description: 'Unexpected error.',
};
const GRANT_INVALID: HttpError = {
  status: 400,
  error: 'invalid_grant',
  description: 'The refresh token is invalid or expired.',
};
/** The description is the error's own message, written for the caller (it names a parameter). */
const FROM_MESSAGE = '';

/**
 * Every code, on purpose. Token verification failures (ERR_JWT_*, ERR_JWS_*, ERR_KEY_*) reach
 * HTTP only through ERR_AUTH_UNAUTHENTICATED; should one escape, it is still an invalid token.
 * Configuration and key-ring errors are our faults, not the caller's: 500, logged.
 */
const MAP: Readonly<Record<ErrorCode, HttpError>> = {
  ERR_JWT_MALFORMED: TOKEN_INVALID,
  ERR_JWT_TOO_LARGE: TOKEN_INVALID,
  ERR_JWS_ALG_NOT_ALLOWED: TOKEN_INVALID,
  ERR_JWS_HEADER_INVALID: TOKEN_INVALID,
  ERR_JWS_CRIT_UNSUPPORTED: TOKEN_INVALID,
  ERR_JWS_KEY_NOT_FOUND: TOKEN_INVALID,
  ERR_JWS_SIGNATURE_INVALID: TOKEN_INVALID,
  ERR_JWT_EXPIRED: TOKEN_INVALID,
  ERR_JWT_NOT_YET_VALID: TOKEN_INVALID,
  ERR_JWT_CLAIM_MISSING: TOKEN_INVALID,
  ERR_JWT_CLAIM_INVALID: TOKEN_INVALID,
  ERR_KEY_INVALID: TOKEN_INVALID,
  ERR_KEY_UNSUPPORTED: TOKEN_INVALID,
  ERR_KEYRING_INVALID: SERVER_ERROR,
  ERR_CONFIG_INVALID: SERVER_ERROR,
  ERR_REQUEST_INVALID: { status: 400, error: 'invalid_request', description: FROM_MESSAGE },
  ERR_GRANT_UNSUPPORTED: {
    status: 400,
    error: 'unsupported_grant_type',
    description: FROM_MESSAGE,
  },
  ERR_STORE_UNAVAILABLE: {
    status: 503,
    error: 'temporarily_unavailable',
    description: 'Storage is unavailable; retry shortly.',
  },
  ERR_AUTH_INVALID_CREDENTIALS: {
    status: 401,
    error: 'invalid_credentials',
    description: 'Invalid email or password.',
  },
  ERR_AUTH_RATE_LIMITED: {
    status: 429,
    error: 'rate_limited',
    description: 'Too many attempts; retry after the time in Retry-After.',
  },
  ERR_AUTH_EMAIL_TAKEN: {
    status: 400,
    error: 'email_taken',
    description: 'An account with this email already exists.',
  },
  ERR_AUTH_PASSWORD_POLICY: {
    status: 400,
    error: 'invalid_password',
    description: 'Passwords must be 8 to 256 characters.',
  },
  ERR_AUTH_BUSY: {
    status: 503,
    error: 'temporarily_unavailable',
    description: 'The server is busy checking passwords; retry shortly.',
  },
  ERR_AUTH_UNAUTHENTICATED: {
    status: 401,
    error: 'invalid_token',
    description: 'The access credential is missing, invalid, expired or revoked.',
  },
  ERR_SESSION_NOT_FOUND: { status: 404, error: 'not_found', description: 'No such session.' },
  ERR_SESSION_CSRF: {
    status: 403,
    error: 'csrf_rejected',
    description:
      'Cross-site request refused: the Origin or Sec-Fetch-Site check failed. To allow a browser app on another origin, add it to GATEHOUSE_CORS_ORIGINS (it may then call the API and send cookies), or to GATEHOUSE_ALLOWED_ORIGINS (cookie requests only, no CORS).',
  },
  ERR_REFRESH_INVALID: GRANT_INVALID,
  ERR_REFRESH_REUSED: GRANT_INVALID,
  ERR_REFRESH_SESSION_MISMATCH: {
    status: 400,
    error: 'invalid_grant',
    description: 'The access token sent along does not verify or is of another session.',
  },
  // Outside, a token of another client looks like any invalid one (RFC 6749 5.2: invalid_grant).
  ERR_REFRESH_CLIENT_MISMATCH: GRANT_INVALID,
  ERR_CLIENT_INVALID: {
    status: 401,
    error: 'invalid_client',
    description:
      'Client authentication failed: a public client sends client_id alone (or Basic with an empty secret); a confidential client sends its secret with client_secret_basic or client_secret_post.',
  },
  ERR_CLIENT_UNAUTHORIZED: {
    status: 400,
    error: 'unauthorized_client',
    description: 'This client is not registered for this grant type.',
  },
  ERR_SCOPE_INVALID: { status: 400, error: 'invalid_scope', description: FROM_MESSAGE },
  ERR_SCOPE_INSUFFICIENT: { status: 403, error: 'insufficient_scope', description: FROM_MESSAGE },
  // Every reason looks alike outside (RFC 6749 5.2: invalid_grant); the precise one is logged.
  ERR_CODE_INVALID: {
    status: 400,
    error: 'invalid_grant',
    description:
      'The authorization code is invalid, expired or already used, or the redirect_uri or code_verifier does not match its request.',
  },
  ERR_INTROSPECTION_CLIENT_INVALID: {
    status: 401,
    error: 'invalid_client',
    description:
      'Introspection callers authenticate as resource-server with GATEHOUSE_INTROSPECTION_SECRET, or as a registered confidential client with its secret: HTTP Basic (client_secret_basic) or client_id and client_secret in the body (client_secret_post).',
  },
  // RFC 9449 sections 7.1 and 5: 401 at a resource, 400 at the token endpoint (its dialect).
  ERR_DPOP_PROOF_INVALID: {
    status: 401,
    error: 'invalid_dpop_proof',
    description: 'The DPoP proof is invalid: make a new one for this request.',
  },
  ERR_DPOP_NONCE_REQUIRED: {
    status: 401,
    error: 'use_dpop_nonce',
    description: 'Retry with a DPoP proof carrying the nonce of the DPoP-Nonce header.',
  },
  // A token bound to another key looks like any invalid token (at /v1/token: invalid_grant).
  ERR_DPOP_KEY_MISMATCH: {
    status: 401,
    error: 'invalid_token',
    description: 'The access credential is missing, invalid, expired or revoked.',
  },
  ERR_DPOP_REPLAY_CACHE_FULL: {
    status: 503,
    error: 'temporarily_unavailable',
    description: 'The server is busy; retry shortly.',
  },
  ERR_AUTH_EMAIL_NOT_VERIFIED: {
    status: 403,
    error: 'email_not_verified',
    description:
      'Confirm your email address first: follow the link sent to it, or ask for a new one (POST /v1/email/verification).',
  },
  ERR_AUTH_ACCOUNT_DISABLED: {
    status: 403,
    error: 'account_disabled',
    description: 'This account is disabled; ask the operator of this service.',
  },
  ERR_USER_NOT_FOUND: { status: 404, error: 'not_found', description: 'No such user.' },
  // Used, expired, altered or unknown look alike outside: the precise reason goes to the log.
  ERR_EMAIL_LINK_INVALID: {
    status: 400,
    error: 'invalid_link',
    description: 'This link is invalid, expired or already used; ask for a new one.',
  },
};

/** The HTTP form of an AuthError code (before the token endpoint's dialect). */
export function httpErrorFor(code: ErrorCode): HttpError {
  return MAP[code];
}

/** One schema violation as Fastify reports it (Ajv's error object: `error.validation[i]`). */
export interface ValidationIssue {
  /** JSON Pointer to the offending value inside the part: `/email`, or `` for the part itself. */
  readonly instancePath: string;
  /** The schema keyword that failed: `required`, `type`, `maxLength`, `additionalProperties`... */
  readonly keyword: string;
  /** The keyword's parameters: `missingProperty`, `type`, `limit`, `additionalProperty`... */
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string | undefined;
}

/** What Fastify's FST_ERR_VALIDATION carries: which part of the request, and the violations. */
export interface FastifyValidation {
  /** `body`, `params`, `querystring` or `headers` (`error.validationContext`). */
  readonly context: string | undefined;
  readonly issues: readonly ValidationIssue[];
}

function isValidationIssue(value: unknown): value is ValidationIssue {
  const issue = value as Partial<ValidationIssue> | null;
  return (
    typeof issue === 'object' &&
    issue !== null &&
    typeof issue.instancePath === 'string' &&
    typeof issue.keyword === 'string' &&
    typeof issue.params === 'object' &&
    issue.params !== null
  );
}

/** How a part of the request and the things in it are called in a description. */
const PARTS: Readonly<Record<string, readonly [part: string, item: string]>> = {
  body: ['body', 'field'],
  params: ['path', 'parameter'],
  querystring: ['query', 'parameter'],
  headers: ['request', 'header'],
};

// Names of schema properties, as our schemas spell them. A name the caller made up is named back
// only when it looks like one: a credential pasted as a key (our tokens are 66 characters, their
// secrets 43, with '.' and '-') must not come back in an answer.
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** `/a/0/b` -> `a[0].b` (JSON Pointer, RFC 6901, unescaped); `` for the part itself. */
function fieldPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else {
      const name = PLAIN_NAME.test(segment) ? segment : '(unnamed)';
      path += path === '' ? name : `.${name}`;
    }
  }
  return path;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** Allowed values from the schema (never the caller's): strings as they are, others as JSON. */
const listOf = (values: readonly unknown[]) =>
  values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

/** The rule an issue breaks, as the end of a sentence ("must be a string"); never the value. */
function ruleOf(issue: ValidationIssue, all: readonly ValidationIssue[]): string {
  const { keyword, params } = issue;
  const limit = params.limit;
  switch (keyword) {
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return `must be ${types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ')}`;
    }
    case 'maxLength':
      return `must be at most ${limit} characters long`;
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`;
    case 'maximum':
      return `must be at most ${limit}`;
    case 'minimum':
      return `must be at least ${limit}`;
    case 'exclusiveMaximum':
      return `must be less than ${limit}`;
    case 'exclusiveMinimum':
      return `must be greater than ${limit}`;
    case 'enum':
      return `must be one of ${listOf(Array.isArray(params.allowedValues) ? params.allowedValues : [])}`;
    case 'const':
      return `must be ${listOf([params.allowedValue])}`;
    case 'format':
      return `must be a valid ${String(params.format)}`;
    case 'pattern':
      return 'does not have the expected form';
    case 'anyOf':
    case 'oneOf': {
      // A union of literals (Type.Union of Type.Literal): Ajv reports each branch before the union.
      const allowed = all
        .filter((other) => other.instancePath === issue.instancePath && other.keyword === 'const')
        .map((other) => other.params.allowedValue);
      return allowed.length > 0 ? `must be one of ${listOf(allowed)}` : 'has an invalid value';
    }
    default:
      // Ajv's own wording of the other keywords names limits from the schema, never the data.
      return issue.message ?? 'is invalid';
  }
}

/**
 * A description of a schema violation that names the field and the rule, never the value:
 * "The body field email is required.", "The body field password must be a string.", "The body
 * has an unknown field foo.". With `allErrors: false` (server/http.ts) Ajv stops at the first
 * violation; in a union it reports each branch first and the union last, so the last is the one.
 *
 * @example
 * describeValidation({ context: 'body', issues: [{ instancePath: '', keyword: 'required', params: { missingProperty: 'email' } }] })
 * // 'The body field email is required.'
 */
export function describeValidation(validation: FastifyValidation | undefined): string {
  const issue = validation?.issues.at(-1);
  if (validation === undefined || issue === undefined)
    return 'The request does not match the schema.';
  const [part, item] = PARTS[validation.context ?? ''] ?? ['request', 'field'];
  const path = fieldPath(issue.instancePath);
  const subject = path === '' ? `The ${part}` : `The ${part} ${item} ${path}`;
  if (issue.keyword === 'required') {
    const missing = String(issue.params.missingProperty ?? '');
    const name = PLAIN_NAME.test(missing) ? missing : '(unnamed)';
    return `The ${part} ${item} ${path === '' ? name : `${path}.${name}`} is required.`;
  }
  if (issue.keyword === 'additionalProperties') {
    const extra = String(issue.params.additionalProperty ?? '');
    const name = PLAIN_NAME.test(extra) ? ` ${extra}` : '';
    return `${subject} has an unknown ${item}${name}.`;
  }
  return `${subject} ${ruleOf(issue, validation.issues)}.`;
}

/** Fastify's own error codes for bad input, with our status and body; null for anything else. */
export function httpErrorForFastify(
  code: string | undefined,
  statusCode: number | undefined,
  validation?: FastifyValidation,
): HttpError | null {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        error: 'invalid_request',
        description: 'The request body is too large (limit 16 KiB).',
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 415,
        error: 'invalid_request',
        description: 'Unsupported content type: send application/json.',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, error: 'invalid_request', description: 'The body is not valid JSON.' };
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        error: 'invalid_request',
        description: 'The request path is not a valid URL (a malformed %-escape).',
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 414,
        error: 'invalid_request',
        description: 'A path segment is too long.',
      };
    case 'FST_ERR_VALIDATION':
      return {
        status: 400,
        error: 'invalid_request',
        description: describeValidation(validation),
      };
    default:
      if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
        return {
          status: statusCode,
          error: 'invalid_request',
          description: 'The request is invalid.',
        };
      }
      return null;
  }
}

/**
 * No route for the request: 404, or 405 with `Allow` (RFC 9110 section 15.5.6) when the path
 * exists with other methods.
 *
 * @example
 * routeNotFound(['POST']) // 405, headers { allow: 'POST' }
 */
export function routeNotFound(
  allowedMethods: readonly string[],
  corsPreflight = false,
): HttpErrorResponse {
  if (allowedMethods.length === 0)
    return { status: 404, error: 'not_found', description: 'No such endpoint.', headers: {} };
  return {
    status: 405,
    error: 'method_not_allowed',
    // A browser's CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) reaches
    // here only when its origin is not listed: say what to set, not "see the Allow header".
    description: corsPreflight
      ? 'CORS preflight refused: this origin is not in GATEHOUSE_CORS_ORIGINS (exact origins, comma-separated, e.g. https://app.example.com).'
      : 'This endpoint does not accept this method; see the Allow header.',
    headers: { allow: allowedMethods.join(', ') },
  };
}

/**
 * RFC 6749 section 5.2: the token endpoint answers wrong credentials with invalid_grant, and
 * every other 400 with one of its own error codes.
 */
function asTokenEndpointError(http: HttpError, code: ErrorCode | null): HttpError {
  if (code === 'ERR_AUTH_INVALID_CREDENTIALS')
    return { status: 400, error: 'invalid_grant', description: 'Invalid email or password.' };
  // RFC 9449 section 5: a refresh token bound to another key is an invalid grant; the proof's
  // own errors keep their codes, with the token endpoint's 400.
  if (code === 'ERR_DPOP_KEY_MISMATCH') return GRANT_INVALID;
  if (code === 'ERR_DPOP_PROOF_INVALID' || code === 'ERR_DPOP_NONCE_REQUIRED')
    return { ...http, status: 400 };
  if (
    http.status === 400 &&
    http.error !== 'invalid_grant' &&
    http.error !== 'unsupported_grant_type' &&
    http.error !== 'unauthorized_client' &&
    http.error !== 'invalid_scope'
  )
    return { ...http, error: 'invalid_request' };
  return http;
}

const quoted = (text: string) => text.replace(/["\\]/g, '');

/** What the error path needs of the server's DPoP (server/dpop.ts ServerDpop is one). */
export interface DpopAnswers {
  readonly mode: 'allowed' | 'required';
  /** `DPoP algs="..."`, the challenge without error parameters (RFC 9449 section 7.1). */
  readonly challenge: string;
  readonly nonces: { current(): string };
}

/** An error about DPoP: the proof itself, or a token presented under the wrong scheme. */
const isDpopError = (auth: AuthError | null) =>
  auth !== null && (auth.code.startsWith('ERR_DPOP_') || auth.details?.scheme === 'dpop');

/**
 * The WWW-Authenticate of a 401 (RFC 6750 section 3, RFC 9449 sections 7.1 and 7.2): error
 * attributes only when a credential was presented, on the scheme the error is about. With DPoP
 * allowed, a Bearer challenge also names DPoP and its algorithms; with DPoP required, only DPoP.
 */
function challengeOf(auth: AuthError | null, http: HttpError, dpop: DpopAnswers | null): string {
  const presented = auth?.details?.presented === true || isDpopError(auth);
  const description = `error_description="${quoted(http.description)}"`;
  const bearer = presented
    ? `Bearer realm="gatehouse", error="invalid_token", ${description}`
    : 'Bearer realm="gatehouse"';
  if (dpop === null) return bearer;
  if (isDpopError(auth) || dpop.mode === 'required')
    return presented ? `${dpop.challenge}, error="${http.error}", ${description}` : dpop.challenge;
  return `${bearer}, ${dpop.challenge}`;
}

/**
 * The complete HTTP answer for an error, or null when it is not ours to describe (a bug: the
 * caller logs it and answers 500).
 *
 * @example
 * const http = toHttpError(error, { tokenEndpoint: true }) ?? internalError;
 */
/** What to fix for the DPoP proof checks whose failure a client can act on. */
const DPOP_REASON_DESCRIPTIONS: Readonly<Record<string, string>> = {
  htu: "The DPoP proof's htu must be the request's URL at the issuer (GATEHOUSE_ISSUER, as the metadata names its endpoints), without query or fragment: a proof for another host, scheme or port is refused.",
  htm: "The DPoP proof's htm must be this request's method.",
  ath: "The DPoP proof's ath must be the base64url SHA-256 of the access token sent with it (and absent when none is).",
  iat_window: "The DPoP proof's iat is too far from the server's clock: make a new proof now.",
  replayed: 'This DPoP proof was used already: make a new one for every request.',
};

export function toHttpError(
  error: unknown,
  options: { readonly tokenEndpoint: boolean; readonly dpop?: DpopAnswers | null },
): HttpErrorResponse | null {
  const auth = error instanceof AuthError ? error : null;
  let http: HttpError | null;
  if (auth !== null) {
    const mapped = MAP[auth.code];
    http = mapped.description === FROM_MESSAGE ? { ...mapped, description: auth.message } : mapped;
    // A refused DPoP proof says which check failed when that tells the client what to fix.
    const reason = auth.details?.reason;
    if (
      auth.code === 'ERR_DPOP_PROOF_INVALID' &&
      typeof reason === 'string' &&
      Object.hasOwn(DPOP_REASON_DESCRIPTIONS, reason)
    )
      http = { ...http, description: DPOP_REASON_DESCRIPTIONS[reason] as string };
  } else {
    const { code, statusCode, validation, validationContext } = (error ?? {}) as {
      code?: unknown;
      statusCode?: unknown;
      validation?: unknown;
      validationContext?: unknown;
    };
    http = httpErrorForFastify(
      typeof code === 'string' ? code : undefined,
      typeof statusCode === 'number' ? statusCode : undefined,
      {
        context: typeof validationContext === 'string' ? validationContext : undefined,
        issues: Array.isArray(validation) ? validation.filter(isValidationIssue) : [],
      },
    );
  }
  if (http === null) return null;
  if (options.tokenEndpoint) http = asTokenEndpointError(http, auth?.code ?? null);
  const headers: Record<string, string> = {};
  if (auth?.code === 'ERR_CLIENT_INVALID' || auth?.code === 'ERR_INTROSPECTION_CLIENT_INVALID') {
    // RFC 6749 section 5.2: invalid_client answers 401 with a challenge of the client's scheme.
    headers['www-authenticate'] = 'Basic realm="gatehouse"';
  } else if (auth?.code === 'ERR_SCOPE_INSUFFICIENT') {
    // RFC 6750 section 3.1: the scope the request needs goes with the challenge.
    headers['www-authenticate'] =
      `Bearer realm="gatehouse", error="insufficient_scope", scope="${quoted(String(auth.details?.scope ?? ''))}"`;
  } else if (http.status === 401) {
    headers['www-authenticate'] = challengeOf(auth, http, options.dpop ?? null);
  }
  // RFC 9449 sections 8 and 9: the nonce to retry with comes with the answer that asks for it.
  if (auth?.code === 'ERR_DPOP_NONCE_REQUIRED' && options.dpop)
    headers['dpop-nonce'] = options.dpop.nonces.current();
  // 429, and a 503 that knows when to come back (ERR_AUTH_BUSY).
  if (http.status === 429 || auth?.details?.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(auth?.details?.retryAfterSeconds ?? 1);
  return { ...http, headers };
}

/** The precise reason of a refused request, for its log line (never a token or secret). */
export function failureReasonOf(error: unknown): string | undefined {
  if (error instanceof AuthError) return String(error.details?.reason ?? error.code);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export { SERVER_ERROR };
