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

  it('DPoP (RFC 9449): 400 at the token endpoint, 401 elsewhere; a bound refresh is invalid_grant there', () => {
    const proof = new AuthError('ERR_DPOP_PROOF_INVALID', 'x', { reason: 'htm' });
    expect(toHttpError(proof, { tokenEndpoint: true })).toMatchObject({
      status: 400,
      error: 'invalid_dpop_proof',
    });
    expect(toHttpError(proof, { tokenEndpoint: false })).toMatchObject({
      status: 401,
      error: 'invalid_dpop_proof',
    });
    const nonce = new AuthError('ERR_DPOP_NONCE_REQUIRED', 'x', { reason: 'nonce_missing' });
    expect(toHttpError(nonce, { tokenEndpoint: true })).toMatchObject({
      status: 400,
      error: 'use_dpop_nonce',
    });
    const mismatch = new AuthError('ERR_DPOP_KEY_MISMATCH', 'x', { reason: 'key_mismatch' });
    expect(toHttpError(mismatch, { tokenEndpoint: true })).toMatchObject({
      status: 400,
      error: 'invalid_grant',
    });
    expect(toHttpError(mismatch, { tokenEndpoint: false })).toMatchObject({
      status: 401,
      error: 'invalid_token',
    });
    const full = new AuthError('ERR_DPOP_REPLAY_CACHE_FULL', 'x', { retryAfterSeconds: 3 });
    expect(toHttpError(full, { tokenEndpoint: false })).toMatchObject({
      status: 503,
      headers: { 'retry-after': '3' },
    });
  });

  it('DPoP challenges: on the scheme the error is about, both schemes offered when DPoP is allowed', () => {
    const dpop = (mode: 'allowed' | 'required') => ({
      mode,
      challenge: 'DPoP algs="ES256 EdDSA"',
      nonces: { current: () => 'the-nonce' },
    });
    const absent = new AuthError('ERR_AUTH_UNAUTHENTICATED', 'x', { presented: false });
    expect(toHttpError(absent, { tokenEndpoint: false, dpop: dpop('allowed') })?.headers).toEqual({
      'www-authenticate': 'Bearer realm="gatehouse", DPoP algs="ES256 EdDSA"',
    });
    expect(toHttpError(absent, { tokenEndpoint: false, dpop: dpop('required') })?.headers).toEqual({
      'www-authenticate': 'DPoP algs="ES256 EdDSA"',
    });
    const bearer = new AuthError('ERR_AUTH_UNAUTHENTICATED', 'x', { presented: true });
    expect(
      toHttpError(bearer, { tokenEndpoint: false, dpop: dpop('allowed') })?.headers[
        'www-authenticate'
      ],
    ).toMatch(
      /^Bearer realm="gatehouse", error="invalid_token", error_description="[^"]+", DPoP algs="ES256 EdDSA"$/,
    );
    const asBearer = new AuthError('ERR_AUTH_UNAUTHENTICATED', 'x', {
      presented: true,
      scheme: 'dpop',
    });
    expect(
      toHttpError(asBearer, { tokenEndpoint: false, dpop: dpop('allowed') })?.headers[
        'www-authenticate'
      ],
    ).toMatch(/^DPoP algs="ES256 EdDSA", error="invalid_token", error_description="[^"]+"$/);
    const proof = new AuthError('ERR_DPOP_PROOF_INVALID', 'x', { reason: 'ath' });
    expect(
      toHttpError(proof, { tokenEndpoint: false, dpop: dpop('allowed') })?.headers[
        'www-authenticate'
      ],
    ).toMatch(/^DPoP algs="ES256 EdDSA", error="invalid_dpop_proof", error_description="[^"]+"$/);
  });

  it('use_dpop_nonce carries the nonce to retry with, at the token endpoint and elsewhere', () => {
    const dpop = {
      mode: 'allowed' as const,
      challenge: 'DPoP algs="ES256"',
      nonces: { current: () => 'n-1' },
    };
    const nonce = new AuthError('ERR_DPOP_NONCE_REQUIRED', 'x', { reason: 'iat_window' });
    const resource = toHttpError(nonce, { tokenEndpoint: false, dpop });
    expect(resource?.headers['dpop-nonce']).toBe('n-1');
    expect(resource?.headers['www-authenticate']).toMatch(
      /^DPoP algs="ES256", error="use_dpop_nonce"/,
    );
    const tokenEndpoint = toHttpError(nonce, { tokenEndpoint: true, dpop });
    expect(tokenEndpoint).toMatchObject({ status: 400, headers: { 'dpop-nonce': 'n-1' } });
    expect(tokenEndpoint?.headers).not.toHaveProperty('www-authenticate');
  });
});
