/**
 * Issue 12, items 1, 3 and 6, over HTTP against a real server on SQLite and on PostgreSQL + Redis:
 * registered clients at the token endpoint (a confidential client with client_secret_basic and
 * with client_secret_post, a wrong secret, a secret from a public client, an unknown client, a
 * grant the client may not use, the password grant off for a new client); scopes requested,
 * narrowed by the client and by the user's roles, kept and narrowed by a refresh, never widened,
 * invalid_scope; the custom-claims hook; truthful metadata; and an Express API whose
 * `requiredScopes` answers 403 insufficient_scope until the user is given the role.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { planClient } from '../../src/clients/index.js';
import { systemRandom } from '../../src/core/index.js';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import { requireAccessToken } from '../../src/middleware/express.js';
import { createTokenGuard } from '../../src/middleware/token-guard.js';
import type { ServerConfig } from '../../src/server/config.js';
import { createTestServer, registerTestClient, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();
const ISSUER = 'https://auth.test';
const EMAIL = 'scopes@example.com';
const PASSWORD = 'scopes password 1';
const SECRET = 'confidential-sentinel-secret-0123456789abcdefghij';
const ENV = {
  GATEHOUSE_USER_SCOPES: 'profile',
  GATEHOUSE_ROLE_SCOPES: 'admin=orders:read admin;editor=orders:read orders:write',
};

interface Live {
  server: TestServer;
  base: string;
  userId: string;
}

let live: Live | null = null;
afterEach(async () => {
  await live?.server.close();
  live = null;
});

async function start(
  backend: { postgres?: boolean; redisUrl?: string },
  env = {},
  claims?: ServerConfig['claims'],
) {
  const server = await createTestServer({
    ...backend,
    env: { ...ENV, ...env },
    ...(claims === undefined ? {} : { claims }),
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  const signup = await fetch(`${base}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  expect(signup.status).toBe(201);
  const userId = ((await signup.json()) as { id: string }).id;
  live = { server, base, userId };
  return live;
}

const basicOf = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function token(
  base: string,
  params: Record<string, string>,
  authorization?: string,
): Promise<{ status: number; body: Record<string, unknown>; challenge: string | null }> {
  const response = await fetch(`${base}/v1/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: new URLSearchParams(params).toString(),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    challenge: response.headers.get('www-authenticate'),
  };
}

const password = (extra: Record<string, string> = {}) => ({
  grant_type: 'password',
  username: EMAIL,
  password: PASSWORD,
  ...extra,
});
const claimsOf = (body: Record<string, unknown>) =>
  decodeJwtUnverified(body.access_token as string).payload;

describe.each(BACKENDS)('clients and scopes (%s)', (_name, backend) => {
  it('a confidential client authenticates with client_secret_basic and with client_secret_post', async () => {
    const { base, server } = await start(backend);
    await registerTestClient(server, 'shop', { secret: SECRET });
    const viaBasic = await token(base, password(), basicOf('shop', SECRET));
    expect(viaBasic.status).toBe(200);
    expect(claimsOf(viaBasic.body).client_id).toBe('shop');
    const viaPost = await token(base, password({ client_id: 'shop', client_secret: SECRET }));
    expect(viaPost.status).toBe(200);
    // Its refresh token works for it, with either method, and not without its secret.
    const refreshed = await token(
      base,
      { grant_type: 'refresh_token', refresh_token: viaPost.body.refresh_token as string },
      basicOf('shop', SECRET),
    );
    expect(refreshed.status).toBe(200);
    const noSecret = await token(base, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token as string,
      client_id: 'shop',
    });
    expect(noSecret.status).toBe(401);
    expect(noSecret.body.error).toBe('invalid_client');
  });

  it.each([
    ['a wrong secret (basic)', password(), basicOf('shop', `${SECRET}x`)],
    ['a wrong secret (post)', password({ client_id: 'shop', client_secret: 'nope' }), undefined],
    ['a confidential client without its secret', password({ client_id: 'shop' }), undefined],
    [
      'a secret from a public client',
      password({ client_id: 'spa', client_secret: SECRET }),
      undefined,
    ],
    ['a secret from a built-in client', password(), basicOf('gatehouse', SECRET)],
    ['an unknown client', password({ client_id: 'made-up' }), undefined],
    [
      'both methods at once',
      password({ client_id: 'shop', client_secret: SECRET }),
      basicOf('shop', SECRET),
    ],
  ] as const)(
    '%s: 401 invalid_client with a Basic challenge, no password checked',
    async (_case, params, authorization) => {
      const { base, server } = await start(backend);
      await registerTestClient(server, 'shop', { secret: SECRET });
      await registerTestClient(server, 'spa');
      const answer = await token(base, { ...params }, authorization);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
      expect(answer.challenge).toBe('Basic realm="gatehouse"');
      expect(JSON.stringify(answer.body)).not.toContain(SECRET);
      // Refused before the grant: no login event was recorded.
      const events = await server.context.stores.events.listEvents({ limit: 10 });
      expect(events.filter((e) => e.type === 'login' || e.type === 'login_failed')).toEqual([]);
    },
  );

  it('a grant the client is not registered for is 400 unauthorized_client; a new client has no password grant', async () => {
    const { base, server } = await start(backend);
    // As `gatehouse clients add` makes it with no --grant: authorization_code and refresh_token.
    const { client } = planClient(
      { name: 'New app', type: 'public', redirectUris: ['https://app.example/cb'] },
      systemRandom,
      0,
    );
    await server.context.stores.clients.createClient(client);
    expect(client.grantTypes).not.toContain('password');
    const refused = await token(base, password({ client_id: client.id }));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'This client is not registered for this grant type.',
    });
    // Only the password grant: its refresh tokens are refused at refresh.
    await registerTestClient(server, 'once', { grantTypes: ['password'] });
    const pair = await token(base, password({ client_id: 'once' }));
    expect(pair.status).toBe(200);
    const refresh = await token(base, {
      grant_type: 'refresh_token',
      refresh_token: pair.body.refresh_token as string,
      client_id: 'once',
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('unauthorized_client');
  });

  it('scopes: the client default, narrowed by the client and by the roles; invalid_scope', async () => {
    const { base, server, userId } = await start(backend);
    await registerTestClient(server, 'orders-app', {
      scopes: ['profile', 'orders:read', 'orders:write'],
    });
    // No roles: of the client's scopes only those open to every user.
    const plain = await token(base, password({ client_id: 'orders-app' }));
    expect(plain.body.scope).toBe('profile');
    expect(claimsOf(plain.body).scope).toBe('profile');

    await server.context.stores.roles.addUserRole(userId, 'editor', 0);
    const editor = await token(base, password({ client_id: 'orders-app' }));
    expect(editor.body.scope).toBe('profile orders:read orders:write');
    // Asked for less, given that.
    const asked = await token(base, password({ client_id: 'orders-app', scope: 'orders:read' }));
    expect(asked.body.scope).toBe('orders:read');
    expect(claimsOf(asked.body).scope).toBe('orders:read');
    // A scope the roles do not open is left out (RFC 6749 3.3), and the response says so.
    await server.context.stores.roles.removeUserRole(userId, 'editor');
    const partly = await token(
      base,
      password({ client_id: 'orders-app', scope: 'profile orders:write' }),
    );
    expect(partly.status).toBe(200);
    expect(partly.body.scope).toBe('profile');

    // A scope the client may not ask for, or that nothing configures: invalid_scope, no login;
    // the description says which of the two it is.
    const notAllowed = /not allowed for this client/;
    const notConfigured = /not configured on this server/;
    const admin = await token(base, password({ client_id: 'orders-app', scope: 'admin' }));
    const unknown = await token(
      base,
      password({ client_id: 'orders-app', scope: 'no-such-scope' }),
    );
    for (const answer of [admin, unknown]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_scope');
    }
    expect(admin.body.error_description).toMatch(notAllowed);
    expect(admin.body.error_description).not.toMatch(notConfigured);
    expect(unknown.body.error_description).toMatch(notConfigured);
    expect(unknown.body.error_description).not.toMatch(notAllowed);
    const malformed = await token(base, password({ client_id: 'orders-app', scope: 'bad"scope' }));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('invalid_scope');
    // The built-in clients may ask for any configured scope the user may have.
    await server.context.stores.roles.addUserRole(userId, 'admin', 0);
    const firstParty = await token(base, password());
    expect(firstParty.body.scope).toBe('admin orders:read profile');
  });

  it('a refresh keeps the granted scopes, may narrow them, never widens them, and drops a removed role', async () => {
    const { base, server, userId } = await start(backend);
    await server.context.stores.roles.addUserRole(userId, 'editor', 0);
    const login = await token(base, password({ scope: 'profile orders:read' }));
    expect(login.body.scope).toBe('profile orders:read');
    const refresh = (refreshToken: unknown, scope?: string) =>
      token(base, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken as string,
        ...(scope === undefined ? {} : { scope }),
      });
    const kept = await refresh(login.body.refresh_token);
    expect(kept.status).toBe(200);
    expect(kept.body.scope).toBe('profile orders:read');
    const narrowed = await refresh(kept.body.refresh_token, 'orders:read');
    expect(narrowed.body.scope).toBe('orders:read');
    expect(claimsOf(narrowed.body).scope).toBe('orders:read');
    // Narrowing one token does not shrink the session's grant (RFC 6749 section 6).
    const back = await refresh(narrowed.body.refresh_token);
    expect(back.body.scope).toBe('profile orders:read');
    // Wider than the sign-in grant (though the role opens it): invalid_scope, nothing rotated.
    const wider = await refresh(back.body.refresh_token, 'orders:write');
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
    // Role taken away: its scopes go at the next refresh.
    await server.context.stores.roles.removeUserRole(userId, 'editor');
    const after = await refresh(back.body.refresh_token);
    expect(after.status).toBe(200);
    expect(after.body.scope).toBe('profile');
  });

  it('the custom-claims hook adds claims at sign-in and refresh, never replacing the profile claims', async () => {
    const seen: unknown[] = [];
    const { base } = await start(backend, {}, async (context) => {
      seen.push(context);
      return { tenant: `t-${context.user.email.split('@')[1]}`, sub: 'forged', scope: 'admin' };
    });
    const login = await token(base, password());
    expect(login.status).toBe(200);
    const claims = claimsOf(login.body);
    expect(claims.tenant).toBe('t-example.com');
    expect(claims.sub).not.toBe('forged');
    expect(claims.scope).toBe('profile');
    expect(seen[0]).toMatchObject({
      user: { email: EMAIL, roles: [] },
      client: { id: 'gatehouse', type: 'public' },
      scopes: ['profile'],
    });
    const refreshed = await token(base, {
      grant_type: 'refresh_token',
      refresh_token: login.body.refresh_token as string,
    });
    expect(claimsOf(refreshed.body).tenant).toBe('t-example.com');
    expect(claimsOf(refreshed.body).scope).toBe('profile');
    expect(seen).toHaveLength(2);
  });

  it('removing a client revokes its sessions at once (refresh and access tokens), and no other', async () => {
    const { base, server } = await start(backend);
    await registerTestClient(server, 'doomed');
    const doomed = await token(base, password({ client_id: 'doomed' }));
    const own = await token(base, password());
    const me = (accessToken: unknown) =>
      fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await me(doomed.body.access_token)).status).toBe(200);
    const removed = await server.context.stores.clients.removeClient(
      'doomed',
      server.clock.nowMs(),
    );
    expect(removed?.revokedSessionIds).toHaveLength(1);
    expect(await server.context.stores.clients.findClient('doomed')).toBeNull();
    expect(await server.context.stores.clients.removeClient('doomed', 0)).toBeNull();
    // The instance learns of the revocation at its next sync (here: at once).
    await server.context.revocations.sync();
    expect((await me(doomed.body.access_token)).status).toBe(401);
    expect((await me(own.body.access_token)).status).toBe(200);
  });

  it('the metadata tells what is supported', async () => {
    const { base } = await start(backend);
    const meta = (await (
      await fetch(`${base}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      grant_types_supported: ['authorization_code', 'refresh_token', 'password'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      // The configured scopes and the OpenID Connect ones (the server signs with ES256).
      scopes_supported: ['admin', 'email', 'openid', 'orders:read', 'orders:write', 'profile'],
      code_challenge_methods_supported: ['S256'],
    });
  });

  it("the middleware's requiredScopes: 403 insufficient_scope without the role, 200 after it and a new sign-in", async () => {
    const { base, server, userId } = await start(backend);
    const guard = createTokenGuard({
      issuer: ISSUER,
      audience: ISSUER,
      fetch: (input, init) => fetch(String(input).replace(ISSUER, base), init),
      clock: server.clock,
      requiredScopes: ['orders:write'],
    });
    const api = express();
    let handled = 0;
    api.get('/orders', requireAccessToken(guard), (_req, res) => {
      handled++;
      res.json({ ok: true });
    });
    const listening = api.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    const apiBase = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    try {
      const call = async (accessToken: unknown) =>
        fetch(`${apiBase}/orders`, { headers: { authorization: `Bearer ${accessToken}` } });
      const before = await token(base, password());
      const refused = await call(before.body.access_token);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: string }).error).toBe('insufficient_scope');
      expect(refused.headers.get('www-authenticate')).toContain('scope="orders:write"');
      expect(handled).toBe(0);

      await server.context.stores.roles.addUserRole(userId, 'editor', 0);
      const after = await token(base, password());
      const allowed = await call(after.body.access_token);
      expect(allowed.status).toBe(200);
      expect(handled).toBe(1);
    } finally {
      await new Promise((resolve) => listening.close(() => resolve(null)));
    }
  });
});

describe('client secrets stay out of the log', () => {
  it('each refused client authentication logs its code, never the secret sent', async () => {
    let log = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += String(chunk);
        done();
      },
    });
    const server = await createTestServer({ env: ENV, logger: { stream } });
    try {
      await registerTestClient(server, 'shop', { secret: SECRET });
      await registerTestClient(server, 'spa');
      const sent = `${SECRET}-sent`;
      const attempts = [
        { headers: { authorization: basicOf('shop', sent) }, payload: password() },
        { headers: {}, payload: password({ client_id: 'shop', client_secret: sent }) },
        { headers: {}, payload: password({ client_id: 'spa', client_secret: sent }) },
        { headers: { authorization: basicOf('nobody', sent) }, payload: password() },
      ];
      for (const attempt of attempts) {
        const answer = await server.app.inject({
          method: 'POST',
          url: '/v1/token',
          headers: attempt.headers,
          payload: attempt.payload,
        });
        expect(answer.statusCode).toBe(401);
        expect(answer.body).not.toContain(sent);
      }
      const lines = log
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      expect(lines.filter((line) => line.msg === 'request').map((line) => line.code)).toEqual([
        'wrong client secret',
        'wrong client secret',
        'a public client sent a secret',
        'unknown client',
      ]);
      expect(log).not.toContain(sent);
      expect(log).not.toContain(PASSWORD);
    } finally {
      await server.close();
    }
  });
});
