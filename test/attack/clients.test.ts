/**
 * Clients at the token endpoint (RFC 6749, issue 10 item 9): a refresh token works only for the
 * client it was issued to, and a client shown another's token changes nothing; HTTP Basic with a
 * client id and an empty secret (the default of OAuth client libraries) works like client_id in
 * the body on both grants; anything else in Basic, or another scheme, is 401 invalid_client with
 * a Basic challenge, before the grant is looked at. The clients used here are registered public
 * clients (issue 12: an id the registry does not know is invalid_client).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import {
  createTestServer,
  registerTestClient,
  type TestServer,
  type TokenPairBody,
} from '../support/server.js';

const EMAIL = 'client@example.com';
const PASSWORD = 'client password 1';

/** RFC 6749 2.3.1 as oauth4webapi's ClientSecretBasic encodes it (simple-oauth2 alike). */
const formUrlEncode = (text: string) =>
  encodeURIComponent(text).replace(/[-_.!~*'()]|%20/g, (s) =>
    s === '%20' ? '+' : `%${s.charCodeAt(0).toString(16).toUpperCase()}`,
  );
const basic = (id: string, secret = '') =>
  `Basic ${btoa(`${formUrlEncode(id)}:${formUrlEncode(secret)}`)}`;

let server: TestServer;
beforeEach(async () => {
  server = await createTestServer();
  // Registered public clients with the password grant (issue 12: unknown ids are invalid_client).
  for (const id of ['web-app', 'mobile-app', 'my-app', 'your-app', "app (v2) ~*'!:+"])
    await registerTestClient(server, id);
  const signup = await server.app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: { email: EMAIL, password: PASSWORD },
  });
  expect(signup.statusCode).toBe(201);
});
afterEach(() => server.close());

/** A form POST to the token endpoint, as OAuth client libraries send it. */
const token = (params: Record<string, string>, authorization?: string) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
    payload: new URLSearchParams(params).toString(),
  });
const login = async (params: Record<string, string> = {}, authorization?: string) => {
  const response = await token(
    { grant_type: 'password', username: EMAIL, password: PASSWORD, ...params },
    authorization,
  );
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as TokenPairBody;
};
const refresh = (
  refreshToken: string,
  params: Record<string, string> = {},
  authorization?: string,
) => token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...params }, authorization);
const me = async (accessToken: string) =>
  (
    await server.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${accessToken}` },
    })
  ).statusCode;
const rows = (sql: string) =>
  server.sqlite.raw.prepare(sql).all() as Array<Record<string, unknown>>;
/**
 * Everything a token request could change: refresh tokens (consumed or not), sessions (revoked
 * or not), security events, and the login limiter's counters.
 */
const state = () => ({
  tokens: rows('select id, consumed_at from refresh_tokens order by id'),
  sessions: rows('select id, revoked_at, client_id from sessions order by id'),
  // Sign-ups and logins are the set-up's; what a token request adds is the question.
  events: rows("select type from security_events where type not in ('signup', 'login')"),
  limits: rows('select * from rate_limits order by key'),
});

describe('a refresh token is bound to its client', () => {
  it('another client_id gets 400 invalid_grant and changes nothing; its own client still refreshes', async () => {
    const pair = await login({ client_id: 'web-app' });
    expect(state().sessions).toEqual([
      expect.objectContaining({ client_id: 'web-app', revoked_at: null }),
    ]);
    const before = state();
    for (const params of [{ client_id: 'mobile-app' }, {}, { client_id: 'gatehouse' }]) {
      const response = await refresh(pair.refresh_token, params);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'The refresh token is invalid or expired.',
      });
    }
    expect(state()).toEqual(before);
    expect(await me(pair.access_token)).toBe(200);

    const next = await refresh(pair.refresh_token, { client_id: 'web-app' });
    expect(next.statusCode).toBe(200);
    const claims = decodeJwtUnverified((next.json() as TokenPairBody).access_token).payload;
    expect(claims.client_id).toBe('web-app');
  });

  it('a consumed token shown by another client after the grace window is no reuse: the family lives', async () => {
    const pair = await login({ client_id: 'web-app' });
    const next = (
      await refresh(pair.refresh_token, { client_id: 'web-app' })
    ).json() as TokenPairBody;
    server.clock.advanceMs(11_000);
    const before = state();
    expect((await refresh(pair.refresh_token, { client_id: 'mobile-app' })).statusCode).toBe(400);
    expect(state()).toEqual(before);
    expect(await me(next.access_token)).toBe(200);
    // Its own client presenting it again is reuse, as before: the family is revoked.
    expect((await refresh(pair.refresh_token, { client_id: 'web-app' })).statusCode).toBe(400);
    expect(await me(next.access_token)).toBe(401);
    expect(state().events).toEqual([{ type: 'refresh_reuse' }]);
  });

  it('within the grace window another client does not get the replayed pair', async () => {
    const pair = await login({ client_id: 'web-app' });
    expect((await refresh(pair.refresh_token, { client_id: 'web-app' })).statusCode).toBe(200);
    expect((await refresh(pair.refresh_token, { client_id: 'mobile-app' })).statusCode).toBe(400);
    expect((await refresh(pair.refresh_token, { client_id: 'web-app' })).statusCode).toBe(200);
  });

  it('a session from before migration 0003 (no client recorded) refreshes for any client', async () => {
    const pair = await login({ client_id: 'web-app' });
    server.sqlite.raw.prepare('update sessions set client_id = null').run();
    expect((await refresh(pair.refresh_token, { client_id: 'mobile-app' })).statusCode).toBe(200);
  });
});

describe('client authentication with HTTP Basic (id, empty secret)', () => {
  it('works on the password grant and the refresh grant, and equals client_id in the body', async () => {
    const pair = await login({}, basic('my-app'));
    expect(decodeJwtUnverified(pair.access_token).payload.client_id).toBe('my-app');
    const viaBasic = await refresh(pair.refresh_token, {}, basic('my-app'));
    expect(viaBasic.statusCode).toBe(200);
    const next = viaBasic.json() as TokenPairBody;
    expect(decodeJwtUnverified(next.access_token).payload.client_id).toBe('my-app');
    // The same client named in the body instead, or in both.
    const viaBody = await refresh(next.refresh_token, { client_id: 'my-app' });
    expect(viaBody.statusCode).toBe(200);
    const both = await refresh(
      (viaBody.json() as TokenPairBody).refresh_token,
      { client_id: 'my-app' },
      basic('my-app'),
    );
    expect(both.statusCode).toBe(200);
    // Another client in Basic is another client.
    const other = await refresh(
      (both.json() as TokenPairBody).refresh_token,
      {},
      basic('your-app'),
    );
    expect(other.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('form-encoded ids round-trip (RFC 6749 2.3.1, Appendix B)', async () => {
    const id = "app (v2) ~*'!:+";
    const pair = await login({}, basic(id));
    expect(decodeJwtUnverified(pair.access_token).payload.client_id).toBe(id);
    expect((await refresh(pair.refresh_token, { client_id: id })).statusCode).toBe(200);
  });

  it('with Basic on a refresh, the old access token cannot come along and is not needed', async () => {
    const pair = await login({}, basic('my-app'));
    server.clock.advanceMs(3601 * 1000);
    expect((await refresh(pair.refresh_token, {}, basic('my-app'))).statusCode).toBe(200);
  });

  const refusals: ReadonlyArray<[string, string, Record<string, string>]> = [
    ['a body client_id other than the Basic one', basic('my-app'), { client_id: 'other-app' }],
    ['a non-empty secret', basic('my-app', 'sentinel-secret'), {}],
    ['a client_secret in the body', basic('my-app'), { client_secret: 'sentinel-secret' }],
    ['malformed Basic', `Basic ${btoa('my-app')}`, {}],
    ['Basic that is not base64', 'Basic my-app:', {}],
    ['Digest', 'Digest username="my-app"', {}],
    ['DPoP', 'DPoP eyJhbGciOiJFUzI1NiJ9', {}],
  ];

  it.each(refusals)(
    '%s: 401 invalid_client with a Basic challenge, on both grants, and nothing happens',
    async (_name, authorization, params) => {
      const pair = await login({ client_id: 'my-app' });
      const before = state();
      const answers = [
        await token(
          { grant_type: 'password', username: EMAIL, password: 'wrong password', ...params },
          authorization,
        ),
        await refresh(pair.refresh_token, params, authorization),
      ];
      for (const response of answers) {
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Basic realm="gatehouse"');
        expect(response.json()).toEqual({
          error: 'invalid_client',
          error_description:
            'Client authentication failed: a public client sends client_id alone (or Basic with an empty secret); a confidential client sends its secret with client_secret_basic or client_secret_post.',
        });
        expect(response.body).not.toContain('sentinel-secret');
      }
      // Refused before the grant was looked at: no failed login counted, no token consumed.
      expect(state()).toEqual(before);
      expect((await refresh(pair.refresh_token, { client_id: 'my-app' })).statusCode).toBe(200);
    },
  );

  it('a malformed Bearer on a refresh stays invalid_grant (it is the old access token, not a client)', async () => {
    const pair = await login({ client_id: 'my-app' });
    const response = await refresh(pair.refresh_token, { client_id: 'my-app' }, 'Bearer a b');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('the metadata lists what the token endpoint accepts', async () => {
    const meta = await server.app.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
    });
    expect(meta.json()).toMatchObject({
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    });
  });
});
