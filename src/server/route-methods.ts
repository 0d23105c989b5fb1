/**
 * Which methods each route path accepts, so that a known path asked with another method answers
 * 405 with an `Allow` header (RFC 9110 section 15.5.6) instead of 404. Fastify's router sends
 * both cases to the not-found handler; this index tells them apart.
 */

/** The methods known for route paths, filled from Fastify's onRoute hook. */
export interface RouteMethods {
  /** Records a route, e.g. `add('GET', '/v1/sessions/:id')`. */
  add(method: string | readonly string[], url: string): void;
  /** The methods of the routes whose pattern matches `path` (query ignored), sorted; [] when none. */
  allowedFor(path: string): readonly string[];
}

interface Pattern {
  /** A literal segment, or null for a `:param` segment (any non-empty text). */
  readonly segments: readonly (string | null)[];
  /** True when the pattern ends in `*` (any rest, possibly empty). */
  readonly rest: boolean;
  readonly methods: Set<string>;
}

const compile = (url: string): Omit<Pattern, 'methods'> => {
  const parts = url.split('/');
  const rest = parts.at(-1) === '*';
  if (rest) parts.pop();
  return { segments: parts.map((part) => (part.startsWith(':') ? null : part)), rest };
};

const matches = (pattern: Pattern, parts: readonly string[]) => {
  const { segments, rest } = pattern;
  // `/files/*` matches `/files/` and below, not `/files`.
  if (rest ? parts.length <= segments.length : parts.length !== segments.length) return false;
  return segments.every((segment, i) =>
    segment === null ? (parts[i] ?? '') !== '' : segment === parts[i],
  );
};

/**
 * Creates an empty index. Patterns are Fastify's simple forms (literal, `:param` and trailing `*`
 * segments), which are all our routes use.
 *
 * @example
 * const methods = createRouteMethods();
 * app.addHook('onRoute', (route) => methods.add(route.method, route.url));
 * methods.allowedFor('/v1/token'); // ['POST']
 */
export function createRouteMethods(): RouteMethods {
  const patterns = new Map<string, Pattern>();
  return {
    add(method, url) {
      let pattern = patterns.get(url);
      if (pattern === undefined) {
        pattern = { ...compile(url), methods: new Set() };
        patterns.set(url, pattern);
      }
      for (const m of typeof method === 'string' ? [method] : method)
        pattern.methods.add(m.toUpperCase());
    },
    allowedFor(path) {
      const parts = (path.split('?')[0] ?? '').split('/');
      const allowed = new Set<string>();
      for (const pattern of patterns.values())
        if (matches(pattern, parts)) for (const m of pattern.methods) allowed.add(m);
      return [...allowed].sort();
    },
  };
}
