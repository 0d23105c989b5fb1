/**
 * X-Forwarded-For from clients and from our proxies (issue 10, item 5): the client address a
 * session records (and per-address limits count) is the first hop not appended by a trusted
 * proxy. Trusting every hop is refused at start: the client writes the first hops itself.
 */
import { describe, expect, it } from 'vitest';
import type { AuthError } from '../../src/core/errors.js';
import { configFromEnv } from '../../src/server/config.js';
import { createTestServer, type TestServer, type TokenPairBody } from '../support/server.js';

const EMAIL = 'proxied@example.com';
const PASSWORD = 'proxied password';

async function withServer(
  trustProxy: string | undefined,
  run: (server: TestServer) => Promise<void>,
) {
  const server = await createTestServer({
    env: trustProxy === undefined ? {} : { GATEHOUSE_TRUST_PROXY: trustProxy },
  });
  try {
    const signup = await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: EMAIL, password: PASSWORD },
    });
    expect(signup.statusCode).toBe(201);
    await run(server);
  } finally {
    await server.close();
  }
}

/** Logs in from `remoteAddress` with this X-Forwarded-For; the `ip` its session recorded. */
async function sessionIpOf(
  server: TestServer,
  remoteAddress: string,
  forwardedFor: string,
): Promise<string> {
  const login = await server.app.inject({
    method: 'POST',
    url: '/v1/token',
    remoteAddress,
    headers: { 'x-forwarded-for': forwardedFor },
    payload: { grant_type: 'password', username: EMAIL, password: PASSWORD },
  });
  expect(login.statusCode).toBe(200);
  const pair = login.json() as TokenPairBody;
  const list = await server.app.inject({
    method: 'GET',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${pair.access_token}` },
  });
  expect(list.statusCode).toBe(200);
  const sessions = (list.json() as { sessions: Array<{ ip: string; current: boolean }> }).sessions;
  const current = sessions.filter((s) => s.current);
  expect(current).toHaveLength(1);
  return (current[0] as { ip: string }).ip;
}

describe('X-Forwarded-For', () => {
  it('trust unset: ignored, the peer is the client', async () => {
    await withServer(undefined, async (server) => {
      expect(await sessionIpOf(server, '127.0.0.1', '6.6.6.6, 1.2.3.4')).toBe('127.0.0.1');
      expect(await sessionIpOf(server, '192.0.2.9', '1.2.3.4')).toBe('192.0.2.9');
    });
  });

  it('GATEHOUSE_TRUST_PROXY=false: ignored', async () => {
    await withServer('false', async (server) => {
      expect(await sessionIpOf(server, '127.0.0.1', '1.2.3.4')).toBe('127.0.0.1');
    });
  });

  it('one hop: the address our proxy appended, not the ones the client wrote before it', async () => {
    await withServer('1', async (server) => {
      expect(await sessionIpOf(server, '127.0.0.1', '6.6.6.6, 1.2.3.4')).toBe('1.2.3.4');
      expect(await sessionIpOf(server, '127.0.0.1', '1.2.3.4')).toBe('1.2.3.4');
    });
  });

  it('two hops: one more', async () => {
    await withServer('2', async (server) => {
      expect(await sessionIpOf(server, '127.0.0.1', '6.6.6.6, 1.2.3.4')).toBe('6.6.6.6');
      expect(await sessionIpOf(server, '127.0.0.1', '5.5.5.5, 6.6.6.6, 1.2.3.4')).toBe('6.6.6.6');
    });
  });

  it('a list: only hops from listed proxies are skipped', async () => {
    await withServer('127.0.0.1, 10.0.0.0/8', async (server) => {
      // Our edge proxy 10.1.2.3 forwarded to our local proxy 127.0.0.1: the client is 1.2.3.4.
      expect(await sessionIpOf(server, '127.0.0.1', '6.6.6.6, 1.2.3.4, 10.1.2.3')).toBe('1.2.3.4');
      // A hop the client wrote (10.9.9.9) before an unlisted one is not reached.
      expect(await sessionIpOf(server, '127.0.0.1', '10.9.9.9, 192.0.2.1')).toBe('192.0.2.1');
      // A peer that is not ours: its header is not believed at all.
      expect(await sessionIpOf(server, '192.0.2.9', '6.6.6.6, 1.2.3.4, 10.1.2.3')).toBe(
        '192.0.2.9',
      );
    });
  });

  it('a list with IPv6: ::1 and an IPv4-mapped peer', async () => {
    await withServer('::1, 127.0.0.1', async (server) => {
      expect(await sessionIpOf(server, '::1', '2001:db8::7')).toBe('2001:db8::7');
      expect(await sessionIpOf(server, '::ffff:127.0.0.1', '1.2.3.4')).toBe('1.2.3.4');
      expect(await sessionIpOf(server, '::2', '1.2.3.4')).toBe('::2');
    });
  });

  it('over a real socket: one hop, the header as a proxy sends it', async () => {
    await withServer('1', async (server) => {
      const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const login = await fetch(`${base}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '6.6.6.6, 1.2.3.4' },
        body: JSON.stringify({ grant_type: 'password', username: EMAIL, password: PASSWORD }),
      });
      expect(login.status).toBe(200);
      const pair = (await login.json()) as TokenPairBody;
      const list = await fetch(`${base}/v1/sessions`, {
        headers: { authorization: `Bearer ${pair.access_token}` },
      });
      const body = (await list.json()) as { sessions: Array<{ ip: string; current: boolean }> };
      expect(body.sessions.find((s) => s.current)?.ip).toBe('1.2.3.4');
    });
  });
});

describe('GATEHOUSE_TRUST_PROXY at start', () => {
  const problemsOf = (value: string): string[] => {
    try {
      configFromEnv({ GATEHOUSE_TRUST_PROXY: value });
    } catch (error) {
      expect((error as AuthError).code).toBe('ERR_CONFIG_INVALID');
      return (error as AuthError).details?.problems as string[];
    }
    throw new Error(`GATEHOUSE_TRUST_PROXY=${value} was accepted`);
  };

  it.each(['true', 'TRUE', ' true '])('%j is refused, saying why', (value) => {
    const problems = problemsOf(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^GATEHOUSE_TRUST_PROXY=true is refused: /);
    expect(problems[0]).toContain('every hop of X-Forwarded-For');
    expect(problems[0]).toContain('its own address');
  });

  it('lists every bad entry at once', () => {
    expect(problemsOf('10.0.0.300, 10.0.0.0/33, 0.0.0.0/0, fe80::1%eth0, 10.0.0.1')).toEqual([
      'GATEHOUSE_TRUST_PROXY: "10.0.0.300" is not an IP address or CIDR',
      'GATEHOUSE_TRUST_PROXY: "10.0.0.0/33" needs a prefix length from 1 to 32',
      'GATEHOUSE_TRUST_PROXY: "0.0.0.0/0" trusts every address',
      'GATEHOUSE_TRUST_PROXY: "fe80::1%eth0" is not an IP address or CIDR',
    ]);
  });

  it('refuses a hop count above 10, and a list of nothing', () => {
    expect(problemsOf('11')).toEqual(['GATEHOUSE_TRUST_PROXY must be a hop count from 0 to 10']);
    expect(problemsOf(',')).toEqual(['GATEHOUSE_TRUST_PROXY lists no proxy']);
  });

  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['10', 10],
    ['10.0.0.1, 192.168.0.0/16, ::1', ['10.0.0.1', '192.168.0.0/16', '::1']],
    ['loopback', ['loopback']],
  ])('%j -> %j', (value, trustProxy) => {
    const config = configFromEnv(value === undefined ? {} : { GATEHOUSE_TRUST_PROXY: value });
    expect(config.trustProxy).toEqual(trustProxy);
    if (Array.isArray(config.trustProxy)) expect(Object.isFrozen(config.trustProxy)).toBe(true);
  });
});
