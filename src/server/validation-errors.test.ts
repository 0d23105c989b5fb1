/**
 * The description of a schema violation (server/errors.ts describeValidation): the part, the
 * field and the rule, from Ajv's error objects as Fastify hands them over; never the value.
 */
import { describe, expect, it } from 'vitest';
import { describeValidation, toHttpError, type ValidationIssue } from './errors.js';

const issue = (
  instancePath: string,
  keyword: string,
  params: Record<string, unknown>,
  message?: string,
): ValidationIssue => ({ instancePath, keyword, params, message });

describe('describeValidation', () => {
  it.each([
    [
      'a missing field',
      'body',
      [issue('', 'required', { missingProperty: 'email' })],
      'The body field email is required.',
    ],
    [
      'a field of the wrong type',
      'body',
      [issue('/password', 'type', { type: 'string' })],
      'The body field password must be a string.',
    ],
    [
      'a body that is not an object',
      'body',
      [issue('', 'type', { type: 'object' })],
      'The body must be an object.',
    ],
    [
      'a nullable type',
      'body',
      [issue('/a', 'type', { type: 'string,null' })],
      'The body field a must be a string or null.',
    ],
    [
      'too long a field',
      'body',
      [issue('/password', 'maxLength', { limit: 1024 })],
      'The body field password must be at most 1024 characters long.',
    ],
    [
      'an empty field',
      'body',
      [issue('/password', 'minLength', { limit: 1 })],
      'The body field password must not be empty.',
    ],
    [
      'too short a field',
      'body',
      [issue('/email', 'minLength', { limit: 3 })],
      'The body field email must be at least 3 characters long.',
    ],
    [
      'an unknown field',
      'body',
      [issue('', 'additionalProperties', { additionalProperty: 'foo' })],
      'The body has an unknown field foo.',
    ],
    [
      'a value outside a union of literals (Ajv: each branch, then the union)',
      'body',
      [
        issue('/scope', 'const', { allowedValue: 'global' }),
        issue('/scope', 'const', { allowedValue: 'session' }),
        issue('/scope', 'anyOf', {}),
      ],
      'The body field scope must be one of global, session.',
    ],
    [
      'an enum',
      'body',
      [issue('/kind', 'enum', { allowedValues: ['cookie', 'token'] })],
      'The body field kind must be one of cookie, token.',
    ],
    [
      'too long a path parameter',
      'params',
      [issue('/id', 'maxLength', { limit: 64 })],
      'The path parameter id must be at most 64 characters long.',
    ],
    [
      'a nested field and an array index',
      'body',
      [issue('/a/list/0', 'type', { type: 'integer' })],
      'The body field a.list[0] must be an integer.',
    ],
    [
      'a missing nested field',
      'body',
      [issue('/a', 'required', { missingProperty: 'b' })],
      'The body field a.b is required.',
    ],
    [
      'another keyword, in Ajv words',
      'querystring',
      [issue('/ids', 'maxItems', { limit: 3 }, 'must NOT have more than 3 items')],
      'The query parameter ids must NOT have more than 3 items.',
    ],
    ['no detail at all', 'body', [], 'The request does not match the schema.'],
  ])('%s', (_name, context, issues, expected) => {
    expect(describeValidation({ context, issues })).toBe(expected);
  });

  it.each([
    ['a credential pasted as a key', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0'],
    ['a refresh token secret', 'A'.repeat(43)],
    ['a name with spaces', 'drop table'],
    ['a name with a dash', 'x-secret'],
  ])('does not name an unknown field that is not a plain name: %s', (_name, key) => {
    const text = describeValidation({
      context: 'body',
      issues: [issue('', 'additionalProperties', { additionalProperty: key })],
    });
    expect(text).toBe('The body has an unknown field.');
    expect(text).not.toContain(key);
  });

  it('is what toHttpError answers for FST_ERR_VALIDATION, never the value that failed', () => {
    const sentinel = 'SENTINEL-secret-value';
    const error = Object.assign(new Error(`body/password ${sentinel}`), {
      code: 'FST_ERR_VALIDATION',
      statusCode: 400,
      validationContext: 'body',
      validation: [
        { instancePath: '/password', keyword: 'maxLength', params: { limit: 4 }, data: sentinel },
      ],
    });
    const http = toHttpError(error, { tokenEndpoint: true });
    expect(http).toEqual({
      status: 400,
      error: 'invalid_request',
      description: 'The body field password must be at most 4 characters long.',
      headers: {},
    });
    expect(JSON.stringify(http)).not.toContain(sentinel);
  });

  it('falls back to the general sentence when Fastify gives no usable detail', () => {
    for (const validation of [undefined, 'text', [{ keyword: 'type' }], [null]]) {
      const error = Object.assign(new Error('x'), {
        code: 'FST_ERR_VALIDATION',
        statusCode: 400,
        validation,
      });
      expect(toHttpError(error, { tokenEndpoint: false })?.description).toBe(
        'The request does not match the schema.',
      );
    }
  });
});
