import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/errors.js';
import {
  authenticateClient,
  type ClientPresentation,
  checkGrantAllowed,
  readClientCredentials,
} from './credentials.js';
import { type ClientRecord, type ClientStore, DEFAULT_CLIENT_ID } from './registry.js';

const identifyClient = (request: ClientPresentation) => readClientCredentials(request).id;

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

describe('readClientCredentials', () => {
  it('takes the body client_id, else the default; an empty one counts as omitted', () => {
    expect(identifyClient(of(undefined))).toBe(DEFAULT_CLIENT_ID);
    expect(identifyClient(of(undefined, 'web-app'))).toBe('web-app');
    expect(identifyClient(of(undefined, ''))).toBe(DEFAULT_CLIENT_ID);
    expect(identifyClient(of(undefined, 'web-app', ''))).toBe('web-app');
  });

  it('tells the method: none, client_secret_basic, client_secret_post', () => {
    expect(readClientCredentials(of(undefined, 'app'))).toEqual({
      id: 'app',
      secret: null,
      method: 'none',
    });
    expect(readClientCredentials(of(basic('app')))).toEqual({
      id: 'app',
      secret: null,
      method: 'none',
    });
    expect(readClientCredentials(of(basic('app', 's3 cret:x')))).toEqual({
      id: 'app',
      secret: 's3 cret:x',
      method: 'client_secret_basic',
    });
    expect(readClientCredentials(of(undefined, 'app', 's3cret'))).toEqual({
      id: 'app',
      secret: 's3cret',
      method: 'client_secret_post',
    });
    // The body may repeat the Basic id alongside a Basic secret.
    expect(readClientCredentials(of(basic('app', 's3cret'), 'app')).method).toBe(
      'client_secret_basic',
    );
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
    ['a body client_id other than the Basic one', of(basic('my-app'), 'other-app')],
    [
      'a body client_id other than the Basic one, with a secret',
      of(basic('my-app', 's3cret'), 'other'),
    ],
    ['a body client_secret without client_id', of(undefined, undefined, 's3cret')],
    ['a body client_secret with Basic', of(basic('my-app'), undefined, 's3cret')],
    ['secrets in both Basic and the body', of(basic('my-app', 's3cret'), 'my-app', 's3cret')],
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

const sha = (text: string) => createHash('sha256').update(text).digest('base64url');
const SECRET = 'c'.repeat(43);
const registered = (type: 'public' | 'confidential'): ClientRecord => ({
  id: `${type}-app`,
  name: type,
  type,
  secretHash: type === 'confidential' ? sha(SECRET) : null,
  redirectUris: [],
  postLogoutRedirectUris: [],
  grantTypes: ['refresh_token'],
  scopes: [],
  createdAtMs: 0,
  updatedAtMs: 0,
});
const store: ClientStore = {
  createClient: async () => false,
  findClient: async (id) =>
    id === 'public-app'
      ? registered('public')
      : id === 'confidential-app'
        ? registered('confidential')
        : null,
  listClients: async () => [],
  updateClientSecret: async () => false,
  deleteClient: async () => false,
};
const failure = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { code?: string; message?: string; details?: unknown }) =>
      `${error.code} ${error.message} ${JSON.stringify(error.details)}`,
  );

describe('authenticateClient', () => {
  it('knows the built-in public clients without a row', async () => {
    for (const id of ['gatehouse', 'gatehouse-client']) {
      const client = await authenticateClient({ id, secret: null, method: 'none' }, store);
      expect(client).toMatchObject({ id, type: 'public', builtIn: true });
      expect(client.grantTypes).toEqual(['password', 'refresh_token']);
    }
  });

  it('a confidential client with its secret (basic or post) passes; a public one with none', async () => {
    for (const method of ['client_secret_basic', 'client_secret_post'] as const)
      expect(
        (await authenticateClient({ id: 'confidential-app', secret: SECRET, method }, store)).id,
      ).toBe('confidential-app');
    expect(
      (await authenticateClient({ id: 'public-app', secret: null, method: 'none' }, store)).id,
    ).toBe('public-app');
  });

  it.each([
    ['an unknown client', { id: 'nobody', secret: null, method: 'none' as const }],
    [
      'a wrong secret',
      { id: 'confidential-app', secret: `${SECRET}x`, method: 'client_secret_post' as const },
    ],
    [
      'no secret from a confidential client',
      { id: 'confidential-app', secret: null, method: 'none' as const },
    ],
    [
      'a secret from a public client',
      { id: 'public-app', secret: SECRET, method: 'client_secret_basic' as const },
    ],
    [
      'a secret from a built-in client',
      { id: 'gatehouse', secret: SECRET, method: 'client_secret_post' as const },
    ],
  ])('%s: ERR_CLIENT_INVALID, no secret in the error', async (_name, presented) => {
    const text = await failure(authenticateClient(presented, store));
    expect(text).toMatch(/^ERR_CLIENT_INVALID /);
    expect(text).not.toContain(SECRET);
  });

  it('a grant the client is not registered for: ERR_CLIENT_UNAUTHORIZED', () => {
    expect(codeOf(() => checkGrantAllowed(registered('public'), 'password'))).toBe(
      'ERR_CLIENT_UNAUTHORIZED',
    );
    expect(() => checkGrantAllowed(registered('public'), 'refresh_token')).not.toThrow();
  });
});
