/** htu normalisation (RFC 9449 section 4.3, RFC 3986 sections 6.2.2 and 6.2.3). */
import { describe, expect, it } from 'vitest';
import { normaliseHtu } from './htu.js';

describe('normaliseHtu', () => {
  it.each([
    ['https://auth.example/v1/me', 'https://auth.example/v1/me'],
    ['HTTPS://AUTH.EXAMPLE/v1/me', 'https://auth.example/v1/me'],
    ['https://auth.example:443/v1/me', 'https://auth.example/v1/me'],
    ['http://auth.example:80/v1/me', 'http://auth.example/v1/me'],
    ['https://auth.example:8443/v1/me', 'https://auth.example:8443/v1/me'],
    ['https://auth.example', 'https://auth.example/'],
    ['https://auth.example/v1/../v1/./me', 'https://auth.example/v1/me'],
    ['https://auth.example/v1/%2e%2e/v1/me', 'https://auth.example/v1/me'],
    ['https://auth.example/v1/%6de', 'https://auth.example/v1/me'],
    ['https://auth.example/a%2fb', 'https://auth.example/a%2Fb'],
    ['https://auth.example/v1/me?x=1#y', 'https://auth.example/v1/me'],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseHtu(input)).toBe(expected);
  });

  it('keeps apart what differs: path case, an escaped slash, a trailing slash', () => {
    expect(normaliseHtu('https://a.example/V1/me')).not.toBe(
      normaliseHtu('https://a.example/v1/me'),
    );
    expect(normaliseHtu('https://a.example/a%2Fb')).not.toBe(normaliseHtu('https://a.example/a/b'));
    expect(normaliseHtu('https://a.example/v1/me/')).not.toBe(
      normaliseHtu('https://a.example/v1/me'),
    );
  });

  it.each([
    'ftp://auth.example/x',
    'javascript:alert(1)',
    '/v1/me',
    'auth.example/v1/me',
    'https://user:pass@auth.example/v1/me',
    'https://user@auth.example/v1/me',
    '',
  ])('refuses %s', (input) => {
    expect(normaliseHtu(input)).toBeNull();
  });
});
