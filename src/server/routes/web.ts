/**
 * The web pages (src/web): one document for /, /account and /inspect, its script and style, and
 * the browser build of @gatehouse/client (the compiled ESM in dist/). A strict Content-Security-
 * Policy: scripts and styles from this origin only, nothing inline, no framing.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const ROOT = new URL('../../../', import.meta.url);

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'inspect.js': 'text/javascript; charset=utf-8',
  'recovery.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

export function webRoutes(): FastifyPluginAsyncTypebox {
  return async (app) => {
    const serve =
      (file: string) =>
      async (
        _request: unknown,
        reply: {
          header(n: string, v: string): unknown;
          type(t: string): { send(b: unknown): unknown };
        },
      ) => {
        reply.header('content-security-policy', CSP);
        reply.header('x-frame-options', 'DENY');
        // no-referrer: a link's token (in the fragment) is never sent, and neither is the page.
        reply.header('referrer-policy', 'no-referrer');
        return reply
          .type('text/html; charset=utf-8')
          .send(await readFile(new URL(`src/web/${file}`, ROOT)));
      };
    const page = serve('index.html');
    for (const path of ['/', '/account', '/inspect'])
      app.get(path, { schema: { hide: true } }, page);
    // Account recovery: forgot password, and the pages the emailed links open.
    const recovery = serve('recovery.html');
    for (const path of [
      '/forgot-password',
      '/reset-password',
      '/verify-email',
      '/confirm-email',
      '/undo-email-change',
    ])
      app.get(path, { schema: { hide: true } }, recovery);

    app.get('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
      const { name } = request.params as { name: string };
      // Object.hasOwn: /assets/constructor must not find Object.prototype's constructor.
      const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
      if (type === undefined)
        return reply.status(404).send({ error: 'not_found', error_description: 'No such asset.' });
      return reply.type(type).send(await readFile(new URL(`src/web/${name}`, ROOT)));
    });

    // Only the browser-safe modules: the client and the core it imports.
    app.get('/assets/lib/:module/:file', { schema: { hide: true } }, async (request, reply) => {
      const { module, file } = request.params as { module: string; file: string };
      if ((module !== 'client' && module !== 'core') || !/^[a-z-]+\.js$/.test(file)) {
        return reply.status(404).send({ error: 'not_found', error_description: 'No such asset.' });
      }
      try {
        return reply
          .type('text/javascript; charset=utf-8')
          .send(await readFile(new URL(`dist/${module}/${file}`, ROOT)));
      } catch {
        return reply
          .status(404)
          .send({ error: 'not_found', error_description: 'Not built: run npm run build.' });
      }
    });
  };
}
