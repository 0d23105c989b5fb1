/**
 * The web pages (src/web): one document for /, /account, /inspect and /developer, the recovery
 * document, their scripts and style, the brand (brand.css, favicon, logo) and the browser build
 * of @gatehouse/client (the compiled ESM in dist/). The pages are branded once, at start
 * (pages/branding.ts). A strict Content-Security-Policy: scripts and styles from this origin
 * only, nothing inline, no framing; images also from the logo's origin when it is a URL.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { AuthError } from '../../core/index.js';
import type { ServerConfig } from '../config.js';
import {
  applyBranding,
  imageSources,
  renderBrandCss,
  renderFaviconSvg,
} from '../pages/branding.js';

const ROOT = new URL('../../../', import.meta.url);

/** The pages' policy; `images` is the img-src list (pages/branding.ts imageSources). */
export const webPagePolicy = (images: string): string =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${images}`,
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
  'session.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** The routes of the one-document pages (app.js routes between them in the browser). */
export const APP_PATHS = ['/', '/account', '/inspect', '/developer'] as const;
/** Account recovery: forgot password, and the pages the emailed links open. */
export const RECOVERY_PATHS = [
  '/forgot-password',
  '/reset-password',
  '/verify-email',
  '/confirm-email',
  '/undo-email-change',
] as const;

/**
 * Registers the pages and their assets.
 *
 * @throws AuthError ERR_CONFIG_INVALID when GATEHOUSE_LOGO names a file that cannot be read
 */
export function webRoutes(config: ServerConfig): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { branding } = config;
    const policy = webPagePolicy(imageSources(branding));
    const page = async (file: string) =>
      applyBranding(await readFile(new URL(`src/web/${file}`, ROOT), 'utf8'), branding).replaceAll(
        '{{sign-in}}',
        config.webSignIn,
      );
    const pages = { app: await page('index.html'), recovery: await page('recovery.html') };
    let logo: Buffer | null = null;
    if (branding.logo?.kind === 'file') {
      try {
        logo = await readFile(branding.logo.path);
      } catch {
        throw new AuthError(
          'ERR_CONFIG_INVALID',
          'invalid configuration:\n  - GATEHOUSE_LOGO: the file cannot be read',
          { problems: ['GATEHOUSE_LOGO: the file cannot be read'] },
        );
      }
    }
    const brandCss = renderBrandCss(branding);
    const favicon = renderFaviconSvg(branding);

    const send = (html: string) => async (_request: unknown, reply: FastifyReply) =>
      reply
        .header('content-security-policy', policy)
        .header('x-frame-options', 'DENY')
        // no-referrer: a link's token (in the fragment) is never sent, and neither is the page.
        .header('referrer-policy', 'no-referrer')
        .type('text/html; charset=utf-8')
        .send(html);
    for (const path of APP_PATHS) app.get(path, { schema: { hide: true } }, send(pages.app));
    for (const path of RECOVERY_PATHS)
      app.get(path, { schema: { hide: true } }, send(pages.recovery));

    app.get('/assets/brand.css', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/css; charset=utf-8').send(brandCss),
    );
    const icon = async (_request: unknown, reply: FastifyReply) => {
      if (logo !== null && branding.logo?.kind === 'file')
        return reply.type(branding.logo.contentType).send(logo);
      return reply.type('image/svg+xml').send(favicon);
    };
    // Browsers ask for /favicon.ico whatever the page says: the same icon as the pages' link.
    app.get('/favicon.ico', { schema: { hide: true } }, icon);
    app.get('/assets/favicon.svg', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('image/svg+xml').send(favicon),
    );
    if (logo !== null && branding.logo?.kind === 'file') {
      const { contentType } = branding.logo;
      const bytes = logo;
      app.get('/assets/logo', { schema: { hide: true } }, async (_request, reply) =>
        // An SVG logo opened on its own is a document: no script may run in it.
        reply
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
          .type(contentType)
          .send(bytes),
      );
    }

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
