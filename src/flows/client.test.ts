import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/errors.js';
import { type ClientPresentation, DEFAULT_CLIENT_ID, identifyClient } from './client.js';

/** RFC 6749 2.3.1 as oauth4webapi encodes it: form-encode id and secret, join, base64. */
const formUrlEncode = (text: string) =>
  encodeURIComponent(text).replace(/[-_.!~*'()]|%20/g, (s) =>
    s === '%20' ? '+' : `%${s.charCodeAt(0).toString(16).toUpperCase()}`,
  );
const basic = (id: string, secret = '') =>
  `Basic ${Buffer.from(`${formUrlEncode(id)}:${formUrlEncode(secret)}`).toString('base64')}`;
const of = (
  authorization: string | undefined,
  clientId?: unknown,
  clientSecret?: unknown,
): ClientPresentation => ({ authorization, clientId, clientSecret });

describe('identifyClient', () => {
  it('takes the body client_id, else the default; an empty one counts as omitted', () => {
    expect(identifyClient(of(undefined))).toBe(DEFAULT_CLIENT_ID);
    expect(identifyClient(of(undefined, 'web-app'))).toBe('web-app');
    expect(identifyClient(of(undefined, ''))).toBe(DEFAULT_CLIENT_ID);
    expect(identifyClient(of(undefined, 'web-app', ''))).toBe('web-app');
  });

  it('a Bearer header (the old access token on a refresh) leaves the client to the body', () => {
    expect(identifyClient(of('Bearer abc.def.ghi', 'web-app'))).toBe('web-app');
    expect(identifyClient(of('bearer abc'))).toBe(DEFAULT_CLIENT_ID);
    // Malformed Bearer: the refresh flow refuses it as invalid_grant, as it always did.
    expect(identifyClient(of('Bearer abc def', 'web-app'))).toBe('web-app');
  });

  it('reads Basic with an empty secret, form-decoded (RFC 6749 2.3.1)', () => {
    expect(identifyClient(of(basic('my-app')))).toBe('my-app');
    expect(identifyClient(of(basic('my app (v2)!*~')))).toBe('my app (v2)!*~');
    // Encoders built on encodeURIComponent (older oauth4webapi) leave -_.!~*'() as they are.
    expect(identifyClient(of(`Basic ${Buffer.from('my-app.v2:').toString('base64')}`))).toBe(
      'my-app.v2',
    );
    expect(identifyClient(of(`BASIC ${Buffer.from('a%3Ab:').toString('base64')}`))).toBe('a:b');
    // The body may repeat the Basic id.
    expect(identifyClient(of(basic('my-app'), 'my-app'))).toBe('my-app');
  });

  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const hostile: ReadonlyArray<[string, ClientPresentation]> = [
    ['a non-empty Basic secret', of(basic('my-app', 's3cret'))],
    ['a Basic secret of one space', of(basic('my-app', ' '))],
    ['a body client_id other than the Basic one', of(basic('my-app'), 'other-app')],
    ['a body client_secret', of(undefined, 'my-app', 's3cret')],
    ['a body client_secret with Basic', of(basic('my-app'), undefined, 's3cret')],
    ['a body client_secret that is not a string', of(undefined, 'my-app', 42)],
    ['Basic without a colon', of(`Basic ${b64('my-app')}`)],
    ['Basic with an empty id', of(`Basic ${b64(':')}`)],
    ['Basic that is not base64', of('Basic my-app:')],
    ['Basic base64 without padding', of(`Basic ${b64('my-app:').replace(/=+$/, '')}`)],
    ['Basic base64url', of(`Basic ${Buffer.from('ab?>:').toString('base64url')}`)],
    ['Basic that is not UTF-8', of(`Basic ${Buffer.from([0xff, 0x3a]).toString('base64')}`)],
    ['Basic with a broken %-escape', of(`Basic ${b64('my%zzapp:')}`)],
    ['Basic with a control character in the id', of(`Basic ${b64('my%0Aapp:')}`)],
    ['Basic with an id of 129 characters', of(basic('a'.repeat(129)))],
    ['Basic with two tokens', of(`Basic ${b64('my-app:')} ${b64('x:')}`)],
    ['Basic with no credentials', of('Basic')],
    ['a body client_id with a control character', of(undefined, 'my\napp')],
    ['a body client_id that is not a string', of(undefined, 7)],
    ['Digest', of('Digest username="my-app"')],
    ['DPoP', of('DPoP abc')],
    ['an unknown scheme', of('Token abc')],
    ['a scheme that starts like Basic', of(`Basics ${b64('my-app:')}`)],
  ];
  it.each(hostile)('%s: ERR_CLIENT_INVALID, with no credential in the error', (_name, request) => {
    let message = '';
    try {
      identifyClient(request);
    } catch (error) {
      message = `${(error as Error).message} ${JSON.stringify((error as { details?: unknown }).details)}`;
    }
    expect(codeOf(() => identifyClient(request))).toBe('ERR_CLIENT_INVALID');
    expect(message).not.toContain('s3cret');
    expect(message).not.toContain(request.authorization?.split(' ')[1] ?? '\u0000');
  });
});
