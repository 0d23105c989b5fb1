/**
 * The one mapping from AuthError codes (and Fastify's own errors) to HTTP: status, the RFC 6749 /
 * RFC 6750 style body `{error, error_description}`, and headers. Outside, authentication failures
 * look alike; the precise code goes to the log.
 */
import type { ErrorCode } from '../core/errors.js';

export interface HttpError {
  readonly status: number;
  readonly error: string;
  readonly description: string;
}

const MAP: Partial<Record<ErrorCode, HttpError>> = {
  ERR_AUTH_UNAUTHENTICATED: {
    status: 401,
    error: 'invalid_token',
    description: 'The access credential is missing, invalid, expired or revoked.',
  },
  ERR_AUTH_INVALID_CREDENTIALS: {
    status: 401,
    error: 'invalid_credentials',
    description: 'Invalid email or password.',
  },
  ERR_AUTH_RATE_LIMITED: {
    status: 429,
    error: 'rate_limited',
    description: 'Too many failed attempts; retry later.',
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
  ERR_CONFIG_INVALID: {
    status: 400,
    error: 'invalid_request',
    description: 'The request is invalid.',
  },
  ERR_SESSION_NOT_FOUND: { status: 404, error: 'not_found', description: 'No such session.' },
  ERR_SESSION_CSRF: {
    status: 403,
    error: 'csrf_rejected',
    description: 'Cross-site request refused: the Origin or Sec-Fetch-Site check failed.',
  },
  ERR_REFRESH_INVALID: {
    status: 400,
    error: 'invalid_grant',
    description: 'The refresh token is invalid or expired.',
  },
  ERR_REFRESH_REUSED: {
    status: 400,
    error: 'invalid_grant',
    description: 'The refresh token is invalid or expired.',
  },
  ERR_REFRESH_SESSION_MISMATCH: {
    status: 400,
    error: 'invalid_grant',
    description: 'The refresh token is invalid or expired.',
  },
  ERR_STORE_UNAVAILABLE: {
    status: 503,
    error: 'temporarily_unavailable',
    description: 'Storage is unavailable; retry shortly.',
  },
};

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

/** The HTTP form of an AuthError code. */
export function httpErrorFor(code: ErrorCode): HttpError {
  const mapped = MAP[code];
  if (mapped !== undefined) return mapped;
  // Every token verification failure (ERR_JWT_*, ERR_JWS_*, ERR_KEY_*) is one answer outside.
  if (code.startsWith('ERR_JWT_') || code.startsWith('ERR_JWS_') || code.startsWith('ERR_KEY'))
    return TOKEN_INVALID;
  return SERVER_ERROR;
}

/** Fastify's own error codes for bad input, with our status and body. */
export function httpErrorForFastify(
  code: string | undefined,
  statusCode: number | undefined,
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
    case 'FST_ERR_VALIDATION':
      return {
        status: 400,
        error: 'invalid_request',
        description: 'The request does not match the schema.',
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
