import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/errors.js';
import { checkRedirectUri } from './redirect-uris.js';
import { BUILT_IN_CLIENTS, type ClientRecord, planClient } from './registry.js';
import { decideScopes, parseScopeParameter, type ScopePolicy, supportedScopes } from './scopes.js';

/** Counts up: every draw differs, and the output is known. */
const counting = () => {
  let n = 0;
  return { bytes: (length: number) => new Uint8Array(length).fill(++n) };
};

describe('checkRedirectUri (RFC 6749 3.1.2, RFC 8252)', () => {
  it.each([
    'https://app.example.com/callback',
    'https://app.example.com/cb?tenant=a',
    'https://app.example.com:8443/cb',
    'http://localhost:8080/cb',
    'http://127.0.0.1/cb',
    'http://[::1]:3000/cb',
    'com.example.app:/oauth2redirect',
    'com.example.app:/cb',
  ])('accepts %s', (uri) => expect(checkRedirectUri(uri)).toBeNull());

  it.each([
    ['relative', '/callback'],
    ['a fragment', 'https://app.example.com/cb#x'],
    ['an empty fragment', 'https://app.example.com/cb#'],
    ['http to a public host', 'http://app.example.com/cb'],
    ['http to a host that starts like loopback', 'http://localhost.evil.com/cb'],
    ['userinfo', 'https://user:pw@app.example.com/cb'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/html,hi'],
    ['file', 'file:///etc/passwd'],
    ['a private scheme without a dot', 'myapp:/cb'],
    ['a space', 'https://app.example.com/c b'],
    ['a newline', 'https://app.example.com/cb\n'],
    ['no host', 'https:///cb'],
  ])('refuses %s', (_name, uri) => expect(checkRedirectUri(uri)).not.toBeNull());
});

describe('planClient', () => {
  it('a confidential client gets a 256-bit secret, stored only as its SHA-256', () => {
    const { client, secret } = planClient(
      { name: 'Shop', type: 'confidential', redirectUris: ['https://shop.example/cb'] },
      counting(),
      1000,
    );
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(client.id).toMatch(/^[0-9a-f]{32}$/);
    expect(client.secretHash).toBe(
      createHash('sha256')
        .update(secret as string)
        .digest('base64url'),
    );
    expect(JSON.stringify(client)).not.toContain(secret);
    expect(client.id).not.toBe(secret?.slice(0, client.id.length));
    expect(client).toMatchObject({
      name: 'Shop',
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token'],
      // A client of the code flow may ask for the OpenID Connect scopes unless told otherwise.
      scopes: ['openid', 'email'],
      createdAtMs: 1000,
    });
  });

  it('a public client has no secret; the password grant only when named', () => {
    const { client, secret } = planClient(
      { name: 'CLI', type: 'public', grantTypes: ['password', 'refresh_token', 'password'] },
      counting(),
      0,
    );
    expect(secret).toBeNull();
    expect(client.secretHash).toBeNull();
    expect(client.grantTypes).toEqual(['password', 'refresh_token']);
  });

  it('lists every problem at once', () => {
    let problems: string[] = [];
    try {
      planClient(
        {
          name: '',
          type: 'secret' as never,
          redirectUris: ['http://evil.example/cb', 'https://ok.example/cb#f'],
          postLogoutRedirectUris: ['nope'],
          grantTypes: ['implicit'],
          scopes: ['a"b', 'unknown'],
        },
        counting(),
        0,
        ['known'],
      );
    } catch (error) {
      problems = (error as { details: { problems: string[] } }).details.problems;
    }
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/implicit/);
    expect(problems.join('\n')).toMatch(/"unknown" is not configured/);
  });

  it('the code grant needs a redirect URI', () => {
    expect(codeOf(() => planClient({ name: 'x', type: 'public' }, counting(), 0))).toBe(
      'ERR_CONFIG_INVALID',
    );
  });
});

const policy: ScopePolicy = {
  userScopes: ['profile'],
  roleScopes: { editor: ['orders:read', 'orders:write'], admin: ['admin'] },
};
const client = (scopes: string[] | null): ClientRecord => ({
  ...(BUILT_IN_CLIENTS.get('gatehouse') as ClientRecord),
  scopes,
});

describe('scopes', () => {
  it('supportedScopes is every configured scope and the OpenID Connect ones, sorted', () => {
    expect(supportedScopes(policy)).toEqual([
      'admin',
      'email',
      'openid',
      'orders:read',
      'orders:write',
      'profile',
    ]);
  });

  it('the OpenID Connect scopes are open to every user, but granted only when asked for', () => {
    const client = { ...BUILT_IN_CLIENTS.get('gatehouse'), scopes: null } as ClientRecord;
    expect(decideScopes({ requested: null, client, policy, roles: [] })).not.toContain('openid');
    expect(decideScopes({ requested: ['openid', 'email'], client, policy, roles: [] })).toEqual([
      'openid',
      'email',
    ]);
    const registered = { ...client, scopes: ['openid', 'orders:read'] } as ClientRecord;
    expect(
      decideScopes({ requested: null, client: registered, policy, roles: ['editor'] }),
    ).toEqual(['orders:read']);
    expect(() =>
      decideScopes({ requested: ['email'], client: registered, policy, roles: [] }),
    ).toThrow(/not allowed for this client/);
  });

  it('parseScopeParameter: absent or empty is null; duplicates go; a bad token or double space is invalid_scope', () => {
    expect(parseScopeParameter(undefined)).toBeNull();
    expect(parseScopeParameter('')).toBeNull();
    expect(parseScopeParameter('a b a')).toEqual(['a', 'b']);
    for (const bad of ['a  b', ' a', 'a"b', 'a\\b', 7])
      expect(codeOf(() => parseScopeParameter(bad))).toBe('ERR_SCOPE_INVALID');
  });

  it('granted = requested (or the client default) within the client and the roles', () => {
    const decide = (requested: string[] | null, scopes: string[] | null, roles: string[]) =>
      decideScopes({ requested, client: client(scopes), policy, roles });
    expect(decide(null, null, [])).toEqual(['profile']);
    expect(decide(null, null, ['editor'])).toEqual(['orders:read', 'orders:write', 'profile']);
    expect(decide(null, ['orders:read', 'profile'], ['editor', 'admin'])).toEqual([
      'orders:read',
      'profile',
    ]);
    expect(decide(['orders:write', 'profile'], null, [])).toEqual(['profile']);
    expect(decide(['admin'], null, ['admin'])).toEqual(['admin']);
    expect(decide(null, null, ['no-such-role'])).toEqual(['profile']);
    // Roles named after Object.prototype members are plain unknown roles, not a TypeError.
    expect(decide(null, null, ['constructor', 'toString', '__proto__'])).toEqual(['profile']);
    for (const [requested, scopes] of [
      [['admin'], ['profile']],
      [['unknown'], null],
    ] as const)
      expect(
        codeOf(() =>
          decideScopes({
            requested: [...requested],
            client: client(scopes && [...scopes]),
            policy,
            roles: ['admin'],
          }),
        ),
      ).toBe('ERR_SCOPE_INVALID');
  });

  it('a refresh is bounded by the original grant: narrower is fine, wider is invalid_scope', () => {
    const refresh = (requested: string[] | null, roles: string[]) =>
      decideScopes({
        requested,
        client: client(null),
        policy,
        roles,
        ceiling: ['profile', 'orders:read'],
      });
    expect(refresh(null, ['editor'])).toEqual(['profile', 'orders:read']);
    expect(refresh(['orders:read'], ['editor'])).toEqual(['orders:read']);
    expect(refresh(null, [])).toEqual(['profile']);
    expect(codeOf(() => refresh(['orders:write'], ['editor']))).toBe('ERR_SCOPE_INVALID');
  });
});
