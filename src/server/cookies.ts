/** The session cookie: its name, and reading and writing it on HTTP messages. */
import type { FastifyReply } from 'fastify';

/** The cookie that carries a browser session (`__Host-`: Secure, Path=/, no Domain). */
export const SESSION_COOKIE = '__Host-gatehouse_session';

/** Reads one cookie by exact name from the Cookie header; null when absent or repeated. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    // A repeated session cookie (cookie tossing from a sibling domain) is refused.
    if (found !== null) return null;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

/** Sets the session cookie for `maxAgeSeconds`. */
export function setSessionCookie(reply: FastifyReply, value: string, maxAgeSeconds: number) {
  // __Host- requires Secure, Path=/ and no Domain; HttpOnly keeps it from scripts; Lax from most CSRF.
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`,
  );
}

/** Tells the browser to drop the session cookie. */
export function clearSessionCookie(reply: FastifyReply) {
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
  );
}
