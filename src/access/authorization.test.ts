import { describe, expect, it } from 'vitest';
import {
  type AuthorizationCredentials,
  bearerTokenOf,
  parseAuthorization,
} from './authorization.js';

type Header = string | readonly string[] | undefined;

const none: AuthorizationCredentials = { kind: 'none' };
const malformed: AuthorizationCredentials = { kind: 'malformed' };
const credentials = (scheme: string, value: string): AuthorizationCredentials => ({
  kind: 'credentials',
  scheme,
  value,
});

describe('parseAuthorization', () => {
  const noCredentials: ReadonlyArray<[string, Header]> = [
    ['no header', undefined],
    ['an empty header', ''],
    ['a space', ' '],
    ['spaces and tabs', ' \t  \t'],
    ['an empty list of values', []],
  ];
  it.each(noCredentials)('%s is no credentials', (_name, header) => {
    expect(parseAuthorization(header)).toEqual(none);
    expect(bearerTokenOf(header)).toBeNull();
  });

  const wellFormed: ReadonlyArray<[string, string, AuthorizationCredentials]> = [
    ['Bearer', 'Bearer abc.def-ghi', credentials('bearer', 'abc.def-ghi')],
    ['bearer in lower case', 'bearer abc', credentials('bearer', 'abc')],
    ['BEARER in upper case', 'BEARER abc', credentials('bearer', 'abc')],
    ['bEaReR in mixed case', 'bEaReR abc', credentials('bearer', 'abc')],
    ['DPoP', 'DPoP eyJ.eyJ.sig', credentials('dpop', 'eyJ.eyJ.sig')],
    ['dpop in lower case', 'dpop xyz', credentials('dpop', 'xyz')],
    ['Basic', 'Basic dXNlcjpwYXNz', credentials('basic', 'dXNlcjpwYXNz')],
    ['BASIC in upper case', 'BASIC dXNlcjpwYXNz', credentials('basic', 'dXNlcjpwYXNz')],
    ['token68 with one = of padding', 'Basic dXNlcjpwYXM=', credentials('basic', 'dXNlcjpwYXM=')],
    ['token68 with two = of padding', 'Basic dXNlcjpw==', credentials('basic', 'dXNlcjpw==')],
    ['every token68 character', 'Bearer aZ09-._~+/=', credentials('bearer', 'aZ09-._~+/=')],
    ['the value keeps its case', 'Bearer AbC', credentials('bearer', 'AbC')],
    ['several spaces after the scheme', 'Bearer    abc', credentials('bearer', 'abc')],
    ['trailing spaces', 'Bearer abc   ', credentials('bearer', 'abc')],
    ['a trailing tab and newline', 'Bearer abc\t\r\n', credentials('bearer', 'abc')],
    ['leading spaces', '   Bearer abc', credentials('bearer', 'abc')],
  ];
  it.each(wellFormed)('%s', (_name, header, expected) => {
    expect(parseAuthorization(header)).toEqual(expected);
  });

  const hostile: ReadonlyArray<[string, Header]> = [
    ['the scheme only', 'Bearer'],
    ['the scheme and a space', 'Bearer '],
    ['a token68 without a scheme', 'dXNlcg=='],
    ['two tokens', 'Bearer abc def'],
    ['two credentials joined with a comma', 'Bearer abc, Basic dXNlcg=='],
    ['a comma in the token', 'Bearer ab,c'],
    ['a quoted token', 'Bearer "abc"'],
    ['a double quote inside the token', 'Bearer ab"c'],
    ['a non-ASCII character in the token', 'Bearer abcé'],
    ['a non-ASCII scheme', 'Bëarer abc'],
    ['a NUL in the token', 'Bearer ab\u0000c'],
    ['a NUL after the token', 'Bearer abc\u0000'],
    ['a header injection', 'Bearer abc\r\nX-Admin: 1'],
    ['a tab instead of a space (RFC 9110: 1*SP)', 'Bearer\tabc'],
    ['padding at the start of the token', 'Bearer =abc'],
    ['padding in the middle of the token', 'Bearer ab=c'],
    ['a comma in the scheme', 'Bea,rer abc'],
    ['auth-params instead of a token68', 'Digest realm="x", nonce="y"'],
    ['a repeated header (two values)', ['Bearer abc', 'Bearer def']],
    ['a repeated header with the same value', ['Bearer abc', 'Bearer abc']],
  ];
  it.each(hostile)('%s is malformed', (_name, header) => {
    expect(parseAuthorization(header)).toEqual(malformed);
    expect(bearerTokenOf(header)).toBeNull();
  });
});

describe('bearerTokenOf', () => {
  it('returns the token of a Bearer header in any case of the scheme', () => {
    expect(bearerTokenOf('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerTokenOf('bearer abc')).toBe('abc');
    expect(bearerTokenOf('BEARER abc')).toBe('abc');
    expect(bearerTokenOf('Bearer   abc==  ')).toBe('abc==');
  });

  const notBearer: ReadonlyArray<[string, string]> = [
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['DPoP', 'DPoP abc'],
    ['an unknown scheme', 'Token abc'],
    ['a scheme that starts like Bearer', 'Bearers abc'],
    ['malformed', 'Bearer abc def'],
  ];
  it.each(notBearer)('is null for %s', (_name, header) => {
    expect(bearerTokenOf(header)).toBeNull();
  });
});
