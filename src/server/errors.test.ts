import { describe, expect, it } from 'vitest';
import { AuthError, ERROR_CATALOGUE, type ErrorCode } from '../core/errors.js';
import { httpErrorFor, toHttpError } from './errors.js';

const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

describe('the error path to HTTP', () => {
  it('maps every catalogue code on purpose, to a status the API may answer', () => {
    for (const code of codes) {
      const http = httpErrorFor(code);
      expect(http, code).toBeTypeOf('object');
      expect([400, 401, 403, 404, 429, 500, 503], code).toContain(http.status);
      expect(http.error, code).toMatch(/^[a-z_]+$/);
    }
  });

  it('answers every token-verification failure alike: 401 invalid_token', () => {
    const tokenCodes = codes.filter((c) => /^ERR_(JWT|JWS|KEY)_/.test(c));
    expect(tokenCodes.length).toBeGreaterThan(10);
    for (const code of tokenCodes)
      expect(httpErrorFor(code)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('keeps our own faults (configuration, key ring) a 500, never a 4xx that blames the caller', () => {
    expect(httpErrorFor('ERR_CONFIG_INVALID').status).toBe(500);
    expect(httpErrorFor('ERR_KEYRING_INVALID').status).toBe(500);
  });

  it('uses the message of ERR_REQUEST_INVALID as the description, and the mapping otherwise', () => {
    const http = toHttpError(new AuthError('ERR_REQUEST_INVALID', 'token is required.'), {
      tokenEndpoint: false,
    });
    expect(http).toEqual({
      status: 400,
      error: 'invalid_request',
      description: 'token is required.',
      headers: {},
    });
    const stored = toHttpError(new AuthError('ERR_STORE_UNAVAILABLE', 'database is unavailable'), {
      tokenEndpoint: false,
    });
    expect(stored?.description).not.toContain('database');
  });

  it('speaks RFC 6749 5.2 at the token endpoint: invalid_grant for credentials, invalid_request for other 400s', () => {
    const credentials = new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'x');
    expect(toHttpError(credentials, { tokenEndpoint: false })?.status).toBe(401);
    expect(toHttpError(credentials, { tokenEndpoint: true })).toMatchObject({
      status: 400,
      error: 'invalid_grant',
    });
    const taken = new AuthError('ERR_AUTH_EMAIL_TAKEN', 'x');
    expect(toHttpError(taken, { tokenEndpoint: true })?.error).toBe('invalid_request');
    const grant = new AuthError('ERR_GRANT_UNSUPPORTED', 'Supported: password.');
    expect(toHttpError(grant, { tokenEndpoint: true })?.error).toBe('unsupported_grant_type');
  });

  it('adds WWW-Authenticate to 401s (error attributes only when a credential was presented) and Retry-After to 429s', () => {
    const absent = new AuthError('ERR_AUTH_UNAUTHENTICATED', 'x', { presented: false });
    expect(toHttpError(absent, { tokenEndpoint: false })?.headers).toEqual({
      'www-authenticate': 'Bearer realm="gatehouse"',
    });
    const presented = new AuthError('ERR_AUTH_UNAUTHENTICATED', 'x', { presented: true });
    expect(toHttpError(presented, { tokenEndpoint: false })?.headers['www-authenticate']).toMatch(
      /^Bearer realm="gatehouse", error="invalid_token", error_description="[^"]+"$/,
    );
    const limited = new AuthError('ERR_AUTH_RATE_LIMITED', 'x', { retryAfterSeconds: 17 });
    expect(toHttpError(limited, { tokenEndpoint: false })?.headers).toEqual({
      'retry-after': '17',
    });
  });

  it("maps Fastify's bad-input errors and leaves anything else to the caller (a logged 500)", () => {
    const json = Object.assign(new Error('x'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
    });
    expect(toHttpError(json, { tokenEndpoint: false })).toMatchObject({
      status: 400,
      error: 'invalid_request',
    });
    const large = Object.assign(new Error('x'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(toHttpError(large, { tokenEndpoint: false })?.status).toBe(413);
    expect(toHttpError(new TypeError('boom'), { tokenEndpoint: false })).toBeNull();
    expect(toHttpError(undefined, { tokenEndpoint: false })).toBeNull();
  });
});
