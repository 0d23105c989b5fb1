/**
 * Security signals in the request log: a refresh-token reuse (the family is revoked) is a
 * warning, not an info line, so it is written at the default level and stands out; an ordinary
 * refused refresh stays at info. No token is in either line.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

describe('request log levels', () => {
  let server: TestServer;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    server = await createTestServer({ logger: { stream } });
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

  it('logs a refresh-token reuse at warn (pino level 40), an unknown token at info (30)', async () => {
    const credentials = { email: 'reuse-log@example.com', password: 'reuse log password' };
    await server.app.inject({ method: 'POST', url: '/v1/signup', payload: credentials });
    const login = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: {
        grant_type: 'password',
        username: credentials.email,
        password: credentials.password,
      },
    });
    const first = login.json().refresh_token as string;
    expect((await refresh(first)).statusCode).toBe(200);
    // Past the grace window, the consumed token is a reuse: the session is revoked.
    server.clock.advanceMs(10 * 60_000);
    lines.length = 0;
    const reuse = await refresh(first);
    expect(reuse.statusCode).toBe(400);
    const reuseLine = lines.find((line) => line.msg === 'request');
    expect(reuseLine).toMatchObject({ level: 40, code: 'ERR_REFRESH_REUSED' });

    lines.length = 0;
    const unknown = await refresh('not-a-token.at-all');
    expect(unknown.statusCode).toBe(400);
    const unknownLine = lines.find((line) => line.msg === 'request');
    expect(unknownLine?.level).toBe(30);
    expect(JSON.stringify(lines)).not.toContain(first.split('.')[1] as string);
  });
});
