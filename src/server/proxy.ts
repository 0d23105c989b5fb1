/**
 * Which peers are our own proxies (GATEHOUSE_TRUST_PROXY): a hop count or a list of proxy
 * addresses and CIDRs. Each hop of X-Forwarded-For that a trusted proxy appended is skipped; the
 * first one that is not ours is the client (`request.ip`). Trusting every hop is refused by the
 * configuration: the client writes the header's first entries, so it would pick its own address.
 */
import { isIP } from 'node:net';

/** The validated setting: no proxy, a number of proxies in front, or the proxies' addresses. */
export type TrustProxy = false | number | readonly string[];

/** More proxies than this in front of one server is a mistake, not a deployment. */
export const MAX_PROXY_HOPS = 10;

/** Ranges that @fastify/proxy-addr knows by name (`loopback` is 127.0.0.1/8 and ::1/128). */
const NAMED_RANGES: readonly string[] = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Reads the GATEHOUSE_TRUST_PROXY text: `false`, `true` (kept, for the configuration to refuse
 * with its reason), a hop count, or a comma-separated list of addresses and CIDRs.
 *
 * @example
 * parseTrustProxy('10.0.0.1, 192.168.0.0/16'); // ['10.0.0.1', '192.168.0.0/16']
 */
export function parseTrustProxy(text: string): boolean | number | string[] {
  const lower = text.trim().toLowerCase();
  if (lower === 'false') return false;
  if (lower === 'true') return true;
  if (/^\d{1,9}$/.test(lower)) return Number(lower);
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * The problem with one entry of a proxy list, or null when it is an IP address, a CIDR with a
 * prefix length from 1 to 32 (IPv4) or 128 (IPv6), or a named range. Zone ids and dotted netmasks
 * are refused: proxy-addr would read them differently or not at all.
 *
 * @example
 * checkProxyEntry('192.168.0.0/16'); // null
 * checkProxyEntry('0.0.0.0/0'); // '"0.0.0.0/0" trusts every address'
 */
export function checkProxyEntry(entry: string): string | null {
  if (NAMED_RANGES.includes(entry)) return null;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) return `"${entry}" is not an IP address or CIDR`;
  if (slash === -1) return null;
  const prefix = entry.slice(slash + 1);
  const max = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max)
    return `"${entry}" needs a prefix length from 1 to ${max}`;
  // A /0 is `true` by another name: every peer a proxy, every hop skipped.
  if (Number(prefix) === 0) return `"${entry}" trusts every address`;
  return null;
}

/**
 * Fastify's `trustProxy` for a validated setting. Fastify 5 ignores a bare hop count (it cannot
 * check the immediate peer), so a count becomes the function proxy-addr used to build from one:
 * the peer and the next `hops - 1` hops are proxies. That is right only when the server can be
 * reached through those proxies alone (README, Configuration); otherwise list their addresses.
 *
 * @example
 * Fastify({ trustProxy: fastifyTrustProxyOf(config.trustProxy) });
 */
export function fastifyTrustProxyOf(
  trust: TrustProxy,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}
