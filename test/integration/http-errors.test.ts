/**
 * Errors that say what to fix (issue 14, item 4), through the real app: a request that breaks a
 * schema is answered naming the field and the rule, never the value, and writes nothing; every
 * error code in an answer and in the OpenAPI document is one of the catalogue's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HTTP_ERROR_CATALOGUE, HTTP_ERROR_CODES } from '../../src/server/http-errors.js';
import { createTestServer, type TestServer } from '../support/server.js';

const SENTINEL = 'sentinel-Zq8vX3';
const PASSWORD = 'correct horse battery';

let server: TestServer;
beforeEach(async () => {
  server = await createTestServer();
});
afterEach(async () => {
  await server.close();
});

const countRows = (table: string) =>
  (server.sqlite.raw.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
const post = (url: string, payload: unknown) =>
  server.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

describe('POST /v1/signup with a body that breaks the schema', () => {
  it.each([
    ['a missing field', { email: 'ada@example.com' }, 'The body field password is required.'],
    [
      'a missing email',
      { password: `${SENTINEL} ${PASSWORD}` },
      'The body field email is required.',
    ],
    [
      'a number for the password',
      { email: 'ada@example.com', password: 91_234_567 },
      'The body field password must be a string.',
    ],
    [
      'an object for the email',
      { email: { $ne: SENTINEL }, password: PASSWORD },
      'The body field email must be a string.',
    ],
    [
      'too long a password',
      { email: 'ada@example.com', password: SENTINEL.repeat(100) },
      'The body field password must be at most 1024 characters long.',
    ],
    [
      'too long an email',
      { email: `${SENTINEL.repeat(60)}@example.com`, password: PASSWORD },
      'The body field email must be at most 320 characters long.',
    ],
    [
      'an empty password',
      { email: 'ada@example.com', password: '' },
      'The body field password must not be empty.',
    ],
    [
      'an unknown field',
      { email: 'ada@example.com', password: PASSWORD, foo: SENTINEL },
      'The body has an unknown field foo.',
    ],
    ['an array for a body', [SENTINEL], 'The body must be an object.'],
  ])(
    '%s: 400 invalid_request naming it, no value echoed, nothing written',
    async (_name, payload, description) => {
      const answer = await post('/v1/signup', payload);
      expect({ status: answer.statusCode, body: answer.json() }).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: description },
      });
      expect(answer.body).not.toContain(SENTINEL);
      expect(answer.body).not.toContain('91234567');
      expect(countRows('users')).toBe(0);
      expect(countRows('rate_limits')).toBe(0);
    },
  );

  it('does not name an unknown field whose name looks like a credential', async () => {
    const key = `${'k'.repeat(22)}.${SENTINEL}${'s'.repeat(28)}`;
    const answer = await post('/v1/signup', {
      email: 'ada@example.com',
      password: PASSWORD,
      [key]: 1,
    });
    expect(answer.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The body has an unknown field.',
    });
    expect(answer.body).not.toContain(SENTINEL);
  });
});

describe('POST /v1/token with a body that breaks the schema', () => {
  it.each([
    ['no grant_type', { username: 'ada@example.com' }, 'grant_type is required.'],
    ['a number for grant_type', { grant_type: 7 }, 'The body field grant_type must be a string.'],
    [
      'an array for the password',
      { grant_type: 'password', username: 'ada@example.com', password: [SENTINEL] },
      'The body field password must be a string.',
    ],
    [
      'too long a username',
      { grant_type: 'password', username: SENTINEL.repeat(40), password: PASSWORD },
      'The body field username must be at most 320 characters long.',
    ],
    [
      'too long a refresh token',
      { grant_type: 'refresh_token', refresh_token: SENTINEL.repeat(60) },
      'The body field refresh_token must be at most 512 characters long.',
    ],
  ])(
    '%s: 400 invalid_request naming it, no value echoed, nothing written',
    async (_name, payload, description) => {
      const answer = await post('/v1/token', payload);
      expect({ status: answer.statusCode, body: answer.json() }).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: description },
      });
      expect(answer.body).not.toContain(SENTINEL);
      expect(countRows('sessions')).toBe(0);
      expect(countRows('rate_limits')).toBe(0);
    },
  );

  it('ignores an unknown parameter (RFC 6749 section 3.2): the grant goes through', async () => {
    expect(
      (await post('/v1/signup', { email: 'ada@example.com', password: PASSWORD })).statusCode,
    ).toBe(201);
    const answer = await post('/v1/token', {
      grant_type: 'password',
      username: 'ada@example.com',
      password: PASSWORD,
      foo: SENTINEL,
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ token_type: 'Bearer' });
  });

  it('names the field of a form body too', async () => {
    const answer = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=password&username=${SENTINEL.repeat(40)}&password=x`,
    });
    expect(answer.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The body field username must be at most 320 characters long.',
    });
  });
});

describe('other parts and endpoints', () => {
  it('a path parameter: DELETE /v1/sessions/{id} with too long an id', async () => {
    const answer = await server.app.inject({
      method: 'DELETE',
      url: `/v1/sessions/${'a'.repeat(65)}`,
    });
    expect(answer.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The path parameter id must be at most 64 characters long.',
    });
  });

  it('a union of literals: POST /v1/logout with an unknown scope', async () => {
    const answer = await post('/v1/logout', { scope: SENTINEL });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The body field scope must be one of global, session.',
    });
  });
});

describe('the catalogue in answers and in OpenAPI', () => {
  it('lists the catalogue as the enum of ErrorBody.error in every error response of /openapi.json', async () => {
    const answer = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(answer.statusCode).toBe(200);
    const doc = answer.json() as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    let errorResponses = 0;
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(methods))
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (Number(status) < 400) continue;
          errorResponses++;
          const schema = (
            response as {
              content: { 'application/json': { schema: { properties: Record<string, unknown> } } };
            }
          ).content['application/json'].schema;
          expect(schema.properties.error, `${method} ${path} ${status}`).toEqual({
            type: 'string',
            enum: [...HTTP_ERROR_CODES],
            description: expect.any(String),
          });
        }
    expect(errorResponses).toBeGreaterThan(20);
  });

  it('answers /readyz with a catalogued code when a backend is down', async () => {
    server.context.stores.health = async () => ({ database: 'down' });
    const answer = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(answer.statusCode).toBe(503);
    const body = answer.json() as { error: keyof typeof HTTP_ERROR_CATALOGUE };
    expect(body.error).toBe('temporarily_unavailable');
    expect(HTTP_ERROR_CATALOGUE[body.error].statuses).toContain(503);
  });

  it('answers an unknown asset and an unknown path with not_found, another method with method_not_allowed', async () => {
    const asset = await server.app.inject({ method: 'GET', url: '/assets/nope.js' });
    // Names of Object.prototype members are no assets either (once a 500).
    const proto = await server.app.inject({ method: 'GET', url: '/assets/constructor' });
    const path = await server.app.inject({ method: 'GET', url: '/v1/nope' });
    const method = await server.app.inject({ method: 'PUT', url: '/v1/token' });
    expect([asset, proto, path, method].map((a) => [a.statusCode, a.json().error])).toEqual([
      [404, 'not_found'],
      [404, 'not_found'],
      [404, 'not_found'],
      [405, 'method_not_allowed'],
    ]);
  });
});
