/**
 * The `htu` comparison of RFC 9449 section 4.3: the proof's URL and the request's, both without
 * query and fragment, after the syntax-based and scheme-based normalisation of RFC 3986 sections
 * 6.2.2 and 6.2.3 (case of scheme and host, default port, dot segments, empty path, the case of
 * percent-escapes and escaped unreserved characters), so equal URLs spelt differently match and
 * nothing else does.
 */

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** `%7e` -> `~`, `%2f` -> `%2F`: one spelling per percent-escape (RFC 3986 section 6.2.2.1-2). */
function normalisePercentEscapes(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * The normalised form of an absolute http(s) URL, without query and fragment; null for anything
 * else (a relative or malformed URL, another scheme, or one with user information, which no
 * request URL has).
 *
 * @example
 * normaliseHtu('HTTPS://Auth.Example:443/v1/%7euser/./me?x=1#f') // 'https://auth.example/v1/~user/me'
 */
export function normaliseHtu(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  // WHATWG URL already lower-cases scheme and host, drops the default port, resolves dot segments
  // (also spelt %2e) and gives an empty path as "/".
  return `${url.origin}${normalisePercentEscapes(url.pathname)}`;
}
