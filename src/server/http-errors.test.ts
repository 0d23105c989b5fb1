import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AuthError, ERROR_CATALOGUE, type ErrorCode } from '../core/errors.js';
import { httpErrorFor, httpErrorForFastify, routeNotFound, toHttpError } from './errors.js';
import { HTTP_ERROR_CATALOGUE, HTTP_ERROR_CODES } from './http-errors.js';

const catalogue: Readonly<Record<string, { readonly statuses: readonly number[] }>> =
  HTTP_ERROR_CATALOGUE;

/** The answer is a catalogue code, with one of the statuses the catalogue gives it. */
function expectCatalogued(answer: { status: number; error: string } | null, label: string) {
  expect(answer, label).not.toBeNull();
  const { status, error } = answer as { status: number; error: string };
  expect(HTTP_ERROR_CODES, label).toContain(error);
  expect(catalogue[error]?.statuses, `${label}: ${error}`).toContain(status);
}

describe('the HTTP error catalogue', () => {
  it('gives every code a status and a sentence that ends in a full stop', () => {
    expect(HTTP_ERROR_CODES.length).toBeGreaterThanOrEqual(14);
    for (const [code, { statuses, description }] of Object.entries(HTTP_ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(statuses.length, code).toBeGreaterThan(0);
      // 302: an error the authorization endpoint sends back to the client's redirect URI.
      for (const status of statuses)
        expect(status === 302 || (status >= 400 && status < 600), code).toBe(true);
      expect(description, code).toMatch(/^[A-Z].{20,}\.$/);
    }
  });

  it('holds every answer of the AuthError mapping, at the token endpoint and elsewhere', () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
      expectCatalogued(httpErrorFor(code), code);
      for (const tokenEndpoint of [false, true])
        expectCatalogued(
          toHttpError(new AuthError(code, 'x'), { tokenEndpoint }),
          `${code} tokenEndpoint=${tokenEndpoint}`,
        );
    }
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400],
    ['FST_ERR_BAD_URL', 400],
    ['FST_ERR_MAX_PARAM_LENGTH', 414],
    ['FST_ERR_VALIDATION', 400],
  ])("holds Fastify's %s", (code, statusCode) => {
    expectCatalogued(httpErrorForFastify(code, statusCode), code);
  });

  it('holds the router answers: 404 for no such path, 405 with Allow for another method', () => {
    expectCatalogued(routeNotFound([]), 'no route');
    expectCatalogued(routeNotFound(['GET', 'HEAD']), 'other method');
    expect(routeNotFound(['POST']).headers).toEqual({ allow: 'POST' });
  });

  it('holds every error code written anywhere in the server source (routes, http.ts, errors.ts)', () => {
    // The senders outside the mappings above (an asset route's 404, /readyz's 503, node's client
    // errors in http.ts) write their code as a literal: any literal the catalogue lacks is listed.
    const root = fileURLToPath(new URL('.', import.meta.url));
    const files = (readdirSync(root, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => join(root, file));
    const unknown: string[] = [];
    let found = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\berror(?::\s*'|=")([a-z_]+)['"]/g)) {
        found++;
        if (!(HTTP_ERROR_CODES as readonly string[]).includes(match[1] as string))
          unknown.push(`${relative(root, file)}: ${match[1]}`);
      }
    }
    expect(unknown).toEqual([]);
    // The scan sees the literals it is meant to see (the mappings, the routes, http.ts).
    expect(found).toBeGreaterThan(25);
  });

  it('names GATEHOUSE_CORS_ORIGINS and GATEHOUSE_ALLOWED_ORIGINS in the csrf_rejected answer and its entry', () => {
    const http = toHttpError(new AuthError('ERR_SESSION_CSRF', 'origin not allowed'), {
      tokenEndpoint: false,
    });
    expect(http).toMatchObject({ status: 403, error: 'csrf_rejected' });
    for (const variable of ['GATEHOUSE_CORS_ORIGINS', 'GATEHOUSE_ALLOWED_ORIGINS']) {
      expect(http?.description).toContain(variable);
      expect(HTTP_ERROR_CATALOGUE.csrf_rejected.description).toContain(variable);
    }
  });
});
