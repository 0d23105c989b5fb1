/**
 * Which redirect URIs a client may register (RFC 6749 section 3.1.2, RFC 9700 section 2.1,
 * RFC 8252 sections 7.1 and 7.3, OAuth 2.1 section 2.3.1): absolute, no fragment, no userinfo;
 * https; http only for a loopback host (a native app's local listener); or a private-use scheme
 * in reverse-domain form (`com.example.app:/callback`) for a native app. Registered URIs are
 * compared exactly, character for character: nothing here normalises.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** RFC 8252 7.1: a reverse domain name, so at least one dot. */
const PRIVATE_SCHEME = /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+$/;
/** Schemes that are not a native app's, whatever their shape. */
const REFUSED_SCHEMES = new Set(['javascript', 'data', 'file', 'vbscript', 'blob', 'about']);

/**
 * Null when `uri` may be registered; otherwise why not (for the CLI to show).
 *
 * @example
 * checkRedirectUri('https://app.example.com/callback'); // null
 * checkRedirectUri('http://app.example.com/cb'); // 'http is allowed only for loopback hosts ...'
 */
export function checkRedirectUri(uri: string): string | null {
  if (uri.length > 2000) return 'longer than 2000 characters';
  if (/[\p{Cc}\s]/u.test(uri)) return 'contains spaces or control characters';
  if (uri.includes('#')) return 'has a fragment (RFC 6749 3.1.2)';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (url.username !== '' || url.password !== '') return 'has userinfo';
  // The URL parser would read `https:///cb` or `https:cb` as host "cb": say what is meant.
  if ((scheme === 'https' || scheme === 'http') && !/^https?:\/\/[^/?#]/i.test(uri))
    return 'has no host';
  if (scheme === 'https') return null;
  if (scheme === 'http')
    return LOOPBACK.has(url.hostname)
      ? null
      : 'http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1]); use https';
  if (REFUSED_SCHEMES.has(scheme)) return `the ${scheme}: scheme is not allowed`;
  if (!PRIVATE_SCHEME.test(scheme))
    return 'a private-use scheme must be a reverse domain name, e.g. com.example.app:/callback (RFC 8252 7.1)';
  return null;
}
