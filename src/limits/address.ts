/**
 * The key under which per-address limits count a client. One IPv6 end site gets a /64 at least
 * (RFC 6177; SLAAC needs it, RFC 7421), so one client can use any of 2^64 addresses: counted per
 * full address, it would never meet a limit. An IPv4 client seen through a dual-stack socket
 * (`::ffff:192.0.2.55`, RFC 4291 2.5.5.2) is the same client as `192.0.2.55`.
 */

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** Hextets of one side of `::`; a dotted IPv4 tail counts as two when `ipv4Tail` allows it. */
function hextetsOf(part: string, ipv4Tail: boolean): number[] | null {
  if (part === '') return [];
  const items = part.split(':');
  const out: number[] = [];
  for (const [index, item] of items.entries()) {
    if (ipv4Tail && index === items.length - 1 && IPV4.test(item)) {
      const [a, b, c, d] = item.split('.').map(Number) as [number, number, number, number];
      out.push(a * 256 + b, c * 256 + d);
    } else if (HEXTET.test(item)) {
      out.push(Number.parseInt(item, 16));
    } else {
      return null;
    }
  }
  return out;
}

/** The eight hextets of an IPv6 address (a zone id such as `%eth0` dropped), or null. */
function parseIpv6(text: string): number[] | null {
  const zone = text.indexOf('%');
  if (zone === text.length - 1) return null;
  const address = zone === -1 ? text : text.slice(0, zone);
  const halves = address.split('::');
  if (halves.length > 2) return null;
  if (halves.length === 1) {
    const all = hextetsOf(address, true);
    return all !== null && all.length === 8 ? all : null;
  }
  const head = hextetsOf(halves[0] as string, false);
  const tail = hextetsOf(halves[1] as string, true);
  if (head === null || tail === null || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/**
 * The client key of an address for per-address limits: IPv4 as it is, an IPv4-mapped IPv6
 * address as its IPv4 address, any other IPv6 address as its /64 (`2001:db8:0:0::/64`).
 * Anything else (an unparsable `request.ip`) is returned unchanged, so it still counts alone.
 *
 * @example
 * addressKeyOf('2001:db8::1'); // '2001:db8:0:0::/64'
 * addressKeyOf('::ffff:192.0.2.55'); // '192.0.2.55'
 */
export function addressKeyOf(ip: string): string {
  if (IPV4.test(ip)) return ip;
  const hextets = parseIpv6(ip);
  if (hextets === null) return ip;
  const [h0, h1, h2, h3, h4, h5, h6, h7] = hextets as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (h0 === 0 && h1 === 0 && h2 === 0 && h3 === 0 && h4 === 0 && h5 === 0xffff)
    return `${h6 >> 8}.${h6 & 255}.${h7 >> 8}.${h7 & 255}`;
  return `${[h0, h1, h2, h3].map((h) => h.toString(16)).join(':')}::/64`;
}
