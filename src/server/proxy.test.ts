import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { checkProxyEntry, fastifyTrustProxyOf, parseTrustProxy } from './proxy.js';

describe('parseTrustProxy', () => {
  it.each([
    ['false', false],
    ['FALSE', false],
    ['true', true],
    [' True ', true],
    ['0', 0],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.1, 192.168.0.0/16, ::1', ['10.0.0.1', '192.168.0.0/16', '::1']],
    [' loopback ,, 10.0.0.0/8 ,', ['loopback', '10.0.0.0/8']],
    ['-1', ['-1']],
    ['1.5', ['1.5']],
  ])('%j -> %j', (text, value) => {
    expect(parseTrustProxy(text)).toEqual(value);
  });
});

const ACCEPTED = [
  '10.0.0.1',
  '192.168.0.0/16',
  '10.0.0.0/8',
  '203.0.113.7/32',
  '0.0.0.0/1',
  '::1',
  '2001:db8::/32',
  '2001:db8::1/128',
  '::ffff:10.0.0.1',
  '::ffff:10.0.0.0/104',
  'loopback',
  'linklocal',
  'uniquelocal',
];

describe('checkProxyEntry', () => {
  it.each(ACCEPTED)('accepts %s', (entry) => {
    expect(checkProxyEntry(entry)).toBeNull();
  });

  it.each([
    ['0.0.0.0/0', '"0.0.0.0/0" trusts every address'],
    ['::/0', '"::/0" trusts every address'],
    ['10.0.0.0/33', '"10.0.0.0/33" needs a prefix length from 1 to 32'],
    ['2001:db8::/129', '"2001:db8::/129" needs a prefix length from 1 to 128'],
    ['10.0.0.0/', '"10.0.0.0/" needs a prefix length from 1 to 32'],
    ['10.0.0.0/8/8', '"10.0.0.0/8/8" needs a prefix length from 1 to 32'],
    ['10.0.0.0/255.0.0.0', '"10.0.0.0/255.0.0.0" needs a prefix length from 1 to 32'],
    ['10.0.0.0/-8', '"10.0.0.0/-8" needs a prefix length from 1 to 32'],
    ['10.0.0.300', '"10.0.0.300" is not an IP address or CIDR'],
    ['010.0.0.1', '"010.0.0.1" is not an IP address or CIDR'],
    ['fe80::1%eth0', '"fe80::1%eth0" is not an IP address or CIDR'],
    ['proxy.internal', '"proxy.internal" is not an IP address or CIDR'],
    ['Loopback', '"Loopback" is not an IP address or CIDR'],
    ['*', '"*" is not an IP address or CIDR'],
    ['/8', '"/8" is not an IP address or CIDR'],
  ])('refuses %s', (entry, problem) => {
    expect(checkProxyEntry(entry)).toBe(problem);
  });
});

describe('fastifyTrustProxyOf', () => {
  const ipFrom = async (
    trustProxy: ReturnType<typeof fastifyTrustProxyOf>,
    remoteAddress: string,
    forwardedFor: string,
  ) => {
    const app = Fastify({ trustProxy });
    app.get('/', async (request) => ({ ip: request.ip }));
    const response = await app.inject({
      url: '/',
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
    });
    await app.close();
    return (response.json() as { ip: string }).ip;
  };

  it('every entry the check accepts is one that Fastify (proxy-addr) compiles and matches', async () => {
    for (const entry of ACCEPTED) {
      const peer =
        entry === 'linklocal' ? '169.254.1.1' : entry === 'uniquelocal' ? '10.9.9.9' : '';
      const address = peer || (entry === 'loopback' ? '127.0.0.1' : entry.split('/')[0]);
      expect(await ipFrom(fastifyTrustProxyOf([entry]), address as string, '1.2.3.4'), entry).toBe(
        '1.2.3.4',
      );
    }
  });

  it('a hop count skips that many hops, the peer first, and no more', async () => {
    const xff = '6.6.6.6, 1.2.3.4';
    expect(await ipFrom(fastifyTrustProxyOf(1), '127.0.0.1', xff)).toBe('1.2.3.4');
    expect(await ipFrom(fastifyTrustProxyOf(2), '127.0.0.1', xff)).toBe('6.6.6.6');
    expect(await ipFrom(fastifyTrustProxyOf(3), '127.0.0.1', xff)).toBe('6.6.6.6');
    expect(await ipFrom(fastifyTrustProxyOf(false), '127.0.0.1', xff)).toBe('127.0.0.1');
  });

  it('a list skips only hops from the listed proxies', async () => {
    const trust = fastifyTrustProxyOf(['127.0.0.1', '10.0.0.0/8']);
    expect(await ipFrom(trust, '127.0.0.1', '6.6.6.6, 1.2.3.4, 10.1.2.3')).toBe('1.2.3.4');
    expect(await ipFrom(trust, '192.0.2.9', '6.6.6.6, 1.2.3.4, 10.1.2.3')).toBe('192.0.2.9');
    expect(await ipFrom(trust, '127.0.0.1', '6.6.6.6, 10.1.2.3, 192.0.2.1')).toBe('192.0.2.1');
  });

  it('returns a fresh mutable copy of a frozen list', () => {
    const list = Object.freeze(['10.0.0.1']);
    const trust = fastifyTrustProxyOf(list);
    expect(trust).toEqual(['10.0.0.1']);
    expect(trust).not.toBe(list);
  });
});
