import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressKeyOf } from './address.js';

describe('addressKeyOf', () => {
  it.each([
    // IPv4 as it is
    ['192.0.2.55', '192.0.2.55'],
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    // IPv4-mapped IPv6: the same client as the IPv4 address
    ['::ffff:192.0.2.55', '192.0.2.55'],
    ['::FFFF:192.0.2.55', '192.0.2.55'],
    ['::ffff:c000:237', '192.0.2.55'],
    ['0:0:0:0:0:ffff:192.0.2.55', '192.0.2.55'],
    // IPv6 by its /64, expanded and lower-cased
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:ffff::2', '2001:db8:0:0::/64'],
    ['2001:DB8::ABCD', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0::/64'],
    ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:3:4:192.0.2.1', '2001:db8:1:2::/64'],
    ['2001:db8:1::', '2001:db8:1:0::/64'],
    ['::ffff:0:192.0.2.55', '0:0:0:0::/64'],
    // Zone ids name a local interface, not the client: dropped
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['fe80::2%25', 'fe80:0:0:0::/64'],
  ])('%s -> %s', (ip, key) => {
    expect(addressKeyOf(ip)).toBe(key);
  });

  it.each([
    '',
    'garbage',
    'localhost',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '2001:db8::1::2',
    ':::',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4::5:6:7:8',
    '2001:db8::g',
    '2001:db8::12345',
    '::1.2.3.4:5',
    '1.2.3.4::',
    'fe80::1%',
    '[::1]',
    '::ffff:256.0.0.1',
  ])('returns %j unchanged', (garbage) => {
    expect(addressKeyOf(garbage)).toBe(garbage);
  });

  it('two addresses share a key exactly when node:net puts them in the same /64', () => {
    const hextet = fc.integer({ min: 0, max: 0xffff });
    const address = fc.tuple(fc.array(hextet, { minLength: 8, maxLength: 8 }), fc.boolean());
    const format = ([h, upper]: [number[], boolean]) => {
      const text = h.map((x) => x.toString(16)).join(':');
      return upper ? text.toUpperCase() : text;
    };
    fc.assert(
      fc.property(address, address, fc.boolean(), (a, b, samePrefix) => {
        // Half the pairs share their first four hextets, so equal keys are really exercised.
        const second: [number[], boolean] = samePrefix
          ? [[...a[0].slice(0, 4), ...b[0].slice(4)], b[1]]
          : b;
        const [x, y] = [format(a), format(second)];
        // The IPv4-mapped range keys as IPv4 addresses; covered by the table above.
        fc.pre(!/^0:0:0:0:0:ffff:/i.test(x) && !/^0:0:0:0:0:ffff:/i.test(y));
        expect(isIP(x)).toBe(6);
        const net = new BlockList();
        net.addSubnet(x, 64, 'ipv6');
        expect(addressKeyOf(x) === addressKeyOf(y)).toBe(net.check(y, 'ipv6'));
        expect(addressKeyOf(x).endsWith('::/64')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
