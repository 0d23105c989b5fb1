/**
 * The server on PostgreSQL: the flows whose correctness depends on the database's atomicity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import {
  createTestServer,
  signupAndLogin,
  type TestServer,
  type TokenPairBody,
} from '../support/server.js';
import { postgresReachable, serviceGate } from '../support/services.js';

const enabled = serviceGate('PostgreSQL', await postgresReachable());

describe.runIf(enabled)('server on PostgreSQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer({ postgres: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  const refresh = (token: string) =>
    server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'refresh_token', refresh_token: token },
    });

  it('signup, login, /v1/me, 50 concurrent refreshes with one winner, reuse revokes, logout', async () => {
    const { pair } = await signupAndLogin(server);
    expect(
      (
        await server.app.inject({
          method: 'GET',
          url: '/v1/me',
          headers: { authorization: `Bearer ${pair.access_token}` },
        })
      ).statusCode,
    ).toBe(200);

    const responses = await Promise.all(
      Array.from({ length: 50 }, () => refresh(pair.refresh_token)),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    const next = responses[0]?.json() as TokenPairBody;
    expect(decodeJwtUnverified(next.access_token).payload.sid).toBe(
      decodeJwtUnverified(pair.access_token).payload.sid,
    );

    server.clock.advanceMs(11_000);
    expect((await refresh(pair.refresh_token)).statusCode).toBe(400);
    expect(
      (
        await server.app.inject({
          method: 'GET',
          url: '/v1/me',
          headers: { authorization: `Bearer ${next.access_token}` },
        })
      ).statusCode,
    ).toBe(401);

    const again = (
      await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: 'user@example.com',
          password: 'correct horse battery',
        },
      })
    ).json() as TokenPairBody;
    expect(
      (
        await server.app.inject({
          method: 'POST',
          url: '/v1/logout',
          headers: { authorization: `Bearer ${again.access_token}` },
        })
      ).statusCode,
    ).toBe(204);
    expect((await refresh(again.refresh_token)).statusCode).toBe(400);
  });
});
