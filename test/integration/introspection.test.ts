/**
 * RFC 7662 introspection over HTTP, on SQLite and on PostgreSQL + Redis: the caller must be
 * resource-server with GATEHOUSE_INTROSPECTION_SECRET; an access token is active while its
 * session is active in storage (a logout on another instance shows at once); a refresh token,
 * which no resource server has business with, and anything else is `{ active: false }` and
 * nothing more. Without the secret the endpoint does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwtKey } from '../../src/jwt/index.js';
import { signJwt } from '../../src/jwt/sign.js';
import { createDpopTestKey, makeProof } from '../support/dpop.js';
import { startSharedInstances } from '../support/instances.js';
import {
  createTestServer,
  registerTestClient,
  type TestServer,
  type TokenPairBody,
} from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();
const SECRET = 'introspection-secret-0123456789-abcdefghijklmnop';
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const CALLER = basic('resource-server', SECRET);

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  text: string;
}

async function post(
  base: string,
  path: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
  form = true,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      ...headers,
    },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
    text,
  };
}

async function login(base: string, email: string): Promise<TokenPairBody> {
  const password = 'introspection password';
  await post(base, '/v1/signup', { email, password }, {}, false);
  const answer = await post(base, '/v1/token', {
    grant_type: 'password',
    username: email,
    password,
  });
  expect(answer.status).toBe(200);
  return answer.body as unknown as TokenPairBody;
}

const introspect = (base: string, token: string, headers: Record<string, string> = {}) =>
  post(base, '/v1/introspect', { token }, { authorization: CALLER, ...headers });

describe.each(BACKENDS)('introspection on %s', (_name, backend) => {
  let server: TestServer;
  let base: string;
  let callerPair: TokenPairBody | undefined;
  beforeAll(async () => {
    server = await createTestServer({
      ...backend,
      env: { GATEHOUSE_INTROSPECTION_SECRET: SECRET, GATEHOUSE_AUDIENCE: 'https://api.test' },
    });
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is announced in the metadata with its authentication methods', async () => {
    const metadata = (await (
      await fetch(`${base}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.introspection_endpoint).toBe('https://auth.test/v1/introspect');
    expect(metadata.introspection_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
    ]);
  });

  it('an active access token: its claims, token_type Bearer; after logout active:false at once', async () => {
    const pair = await login(base, 'active@example.com');
    const answer = await introspect(base, pair.access_token);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const { body } = answer;
    expect(body).toMatchObject({
      active: true,
      iss: 'https://auth.test',
      aud: 'https://api.test',
      client_id: 'gatehouse',
      token_type: 'Bearer',
    });
    for (const claim of ['sub', 'sid', 'jti']) expect(typeof body[claim]).toBe('string');
    for (const claim of ['exp', 'iat']) expect(typeof body[claim]).toBe('number');
    expect(body).not.toHaveProperty('cnf');
    expect(body).not.toHaveProperty('scope');

    // JSON body and client_secret_post work as well.
    const posted = await post(
      base,
      '/v1/introspect',
      { token: pair.access_token, client_id: 'resource-server', client_secret: SECRET },
      {},
      false,
    );
    expect(posted.body).toEqual(body);

    const logout = await fetch(`${base}/v1/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.access_token}` },
    });
    expect(logout.status).toBe(204);
    const after = await introspect(base, pair.access_token);
    expect(after.status).toBe(200);
    expect(after.text).toBe('{"active":false}');
  });

  it('a key-bound access token (cnf): token_type DPoP and cnf copied', async () => {
    const pair = await login(base, 'bound@example.com');
    const claims = JSON.parse(
      Buffer.from(pair.access_token.split('.')[1] as string, 'base64url').toString(),
    ) as Record<string, unknown>;
    const cnf = { jkt: 'A'.repeat(43) };
    const bound = signJwt({ ...claims, cnf }, server.context.keyRing.signingKey() as never, {
      typ: 'at+jwt',
    });
    const answer = await introspect(base, bound);
    expect(answer.body).toMatchObject({ active: true, token_type: 'DPoP', cnf, sid: claims.sid });
  });

  it('a refresh token, Bearer or DPoP-bound, is active:false and nothing more, though it still works', async () => {
    // Resource servers never receive refresh tokens: an API that checked only `active` would
    // otherwise take a stolen (even DPoP-bound) refresh token as a credential.
    const pair = await login(base, 'refresh@example.com');
    expect((await introspect(base, pair.refresh_token)).text).toBe('{"active":false}');
    const hinted = await post(
      base,
      '/v1/introspect',
      { token: pair.refresh_token, token_type_hint: 'refresh_token' },
      { authorization: CALLER },
    );
    expect(hinted.text).toBe('{"active":false}');
    expect((await introspect(base, pair.access_token)).body.active).toBe(true);

    const key = await createDpopTestKey();
    const grant = {
      grant_type: 'password',
      username: 'refresh@example.com',
      password: 'introspection password',
    };
    const proof = (nonce?: string) =>
      makeProof(key, {
        htm: 'POST',
        htu: 'https://auth.test/v1/token',
        nowMs: server.clock.nowMs(),
        ...(nonce === undefined ? {} : { nonce }),
      });
    const first = await post(base, '/v1/token', grant, { dpop: await proof() });
    expect(first.body.error).toBe('use_dpop_nonce');
    const bound = await post(base, '/v1/token', grant, {
      dpop: await proof(first.headers.get('dpop-nonce') as string),
    });
    expect(bound.body.token_type).toBe('DPoP');
    expect((await introspect(base, bound.body.refresh_token as string)).text).toBe(
      '{"active":false}',
    );
    expect((await introspect(base, bound.body.access_token as string)).body).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: key.jkt },
    });

    // Not inactive because it was used up: the refresh token still refreshes.
    const rotated = await post(base, '/v1/token', {
      grant_type: 'refresh_token',
      refresh_token: pair.refresh_token,
    });
    expect(rotated.status).toBe(200);
  });

  it.each([
    ['garbage', 'garbage'],
    ['a JWT signed by another key', 'forged'],
    ['an empty-looking token', '.'],
  ])('%s is active:false and nothing more', async (_case, kind) => {
    const token =
      kind === 'forged'
        ? signJwt(
            {
              iss: 'https://auth.test',
              aud: 'https://api.test',
              sub: 'u',
              sid: 's',
              client_id: 'gatehouse',
              jti: 'j',
              iat: Math.floor(server.clock.nowMs() / 1000),
              exp: Math.floor(server.clock.nowMs() / 1000) + 60,
            },
            generateJwtKey('ES256', { kid: server.context.keyRing.signingKey()?.kid ?? 'k' }),
            { typ: 'at+jwt' },
          )
        : kind;
    const answer = await introspect(base, token);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('{"active":false}');
  });

  it.each([
    ['no credentials', {}, {}],
    ['a wrong secret', { authorization: basic('resource-server', `${SECRET}x`) }, {}],
    ['another client id', { authorization: basic('gatehouse', SECRET) }, {}],
    ['an empty secret', { authorization: basic('resource-server', '') }, {}],
    ['a Bearer header', { authorization: `Bearer ${SECRET}` }, {}],
    ['a malformed Basic', { authorization: 'Basic %%%' }, {}],
    [
      'Basic and a body secret at once',
      { authorization: CALLER },
      { client_id: 'resource-server', client_secret: SECRET },
    ],
    ['a wrong body secret', {}, { client_id: 'resource-server', client_secret: 'nope' }],
    ['a body secret without client_id', {}, { client_secret: SECRET }],
  ])(
    '%s: 401 invalid_client with a Basic challenge, the token not looked at',
    async (_c, headers, extra) => {
      // One account for the whole table: sign-ups from one address are throttled.
      callerPair ??= await login(base, 'caller@example.com');
      const pair = callerPair;
      const answer = await post(
        base,
        '/v1/introspect',
        { token: pair.access_token, ...extra },
        headers,
      );
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="gatehouse"');
      expect(answer.text).not.toContain(SECRET);
      expect(answer.text).not.toContain(pair.access_token);
    },
  );

  it('a request without token is 400 invalid_request (after the caller is authenticated)', async () => {
    const answer = await post(base, '/v1/introspect', {}, { authorization: CALLER });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });
});

describe('introspection without GATEHOUSE_INTROSPECTION_SECRET: registered confidential clients only', () => {
  let server: TestServer;
  let base: string;
  const CLIENT_SECRET = 'introspecting-client-secret-0123456789abcdef';
  beforeAll(async () => {
    server = await createTestServer();
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await registerTestClient(server, 'api-gateway', {
      secret: CLIENT_SECRET,
      grantTypes: ['password', 'refresh_token'],
    });
    await registerTestClient(server, 'other-app', {
      secret: `${CLIENT_SECRET}-other`,
      grantTypes: ['password', 'refresh_token'],
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('resource-server is refused (no secret configured); a confidential client learns of its own tokens only', async () => {
    const refused = await post(
      base,
      '/v1/introspect',
      { token: 'anything', client_id: 'resource-server', client_secret: SECRET },
      {},
      false,
    );
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');

    const password = 'introspection password';
    await post(base, '/v1/signup', { email: 'own@example.com', password }, {}, false);
    const tokenOf = async (client: string, secret: string) => {
      const answer = await post(
        base,
        '/v1/token',
        { grant_type: 'password', username: 'own@example.com', password },
        { authorization: basic(client, secret) },
      );
      expect(answer.status).toBe(200);
      return answer.body.access_token as string;
    };
    const mine = await tokenOf('api-gateway', CLIENT_SECRET);
    const theirs = await tokenOf('other-app', `${CLIENT_SECRET}-other`);
    const asGateway = (token: string, secret = CLIENT_SECRET) =>
      post(base, '/v1/introspect', { token }, { authorization: basic('api-gateway', secret) });
    const own = await asGateway(mine);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ active: true, client_id: 'api-gateway' });
    expect((await asGateway(theirs)).body).toEqual({ active: false });
    const wrong = await asGateway(mine, `${CLIENT_SECRET}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain(CLIENT_SECRET);
    // A public client cannot introspect, even naming itself.
    const publicCaller = await post(base, '/v1/introspect', {
      token: mine,
      client_id: 'gatehouse',
    });
    expect(publicCaller.status).toBe(401);

    const metadata = (await (
      await fetch(`${base}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.introspection_endpoint).toBe('https://auth.test/v1/introspect');
  });

  it('refuses a secret shorter than 32 bytes, or with spaces, at start, never repeating it', async () => {
    for (const [bad, rule] of [
      ['short-secret-sentinel', /GATEHOUSE_INTROSPECTION_SECRET must be at least 32 bytes/],
      [`${'s'.repeat(32)} sentinel`, /GATEHOUSE_INTROSPECTION_SECRET must be visible ASCII/],
    ] as const) {
      const thrown = await createTestServer({
        env: { GATEHOUSE_INTROSPECTION_SECRET: bad },
      }).then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(thrown?.message).toMatch(rule);
      expect(thrown?.message).not.toContain('sentinel');
    }
  });
});

describe.runIf(BACKENDS.length > 1)('introspection across instances (PostgreSQL + Redis)', () => {
  it('a logout on one instance makes the token inactive on the other at once', async () => {
    const shared = await startSharedInstances({ GATEHOUSE_INTROSPECTION_SECRET: SECRET });
    try {
      const [a, b] = shared.bases as [string, string];
      const pair = await login(a, 'two@example.com');
      expect((await introspect(b, pair.access_token)).body.active).toBe(true);
      const logout = await fetch(`${a}/v1/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pair.access_token}` },
      });
      expect(logout.status).toBe(204);
      expect((await introspect(b, pair.access_token)).text).toBe('{"active":false}');
    } finally {
      await shared.close();
    }
  });

  it('reads the session from storage, not only the registry: a revocation no instance was told of shows at once', async () => {
    const shared = await startSharedInstances({ GATEHOUSE_INTROSPECTION_SECRET: SECRET });
    try {
      const [a, b] = shared.bases as [string, string];
      const pair = await login(a, 'storage@example.com');
      const sid = (await introspect(b, pair.access_token)).body.sid as string;
      // As if the revoking instance's push was lost and the poll has not run yet: the row only.
      const [, other] = shared.servers;
      expect(
        await other?.context.stores.sessions.revokeSession(sid, shared.clock.nowMs(), 'test'),
      ).toBe(true);
      // B's own token check (the in-memory registry) still accepts the token...
      expect(other?.context.revocations.isRevoked(sid)).toBe(false);
      // ...introspection does not.
      expect((await introspect(b, pair.access_token)).text).toBe('{"active":false}');
    } finally {
      await shared.close();
    }
  });
});
