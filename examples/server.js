// The example: a small Express API protected by @gatehouse/middleware, and a browser page that
// stays signed in with @gatehouse/client. `npm run example` starts Gatehouse (SQLite in a temp
// folder) on :3000 and this server on :4000; open http://localhost:4000.
//
// The page calls Gatehouse directly at its issuer URL, across origins (Gatehouse lists this
// server's origin in GATEHOUSE_CORS_ORIGINS), as an app on its own origin would. There is no
// proxy: every DPoP proof names the URL it is sent to, so the client's baseUrl must be the issuer
// itself. The API below is on the page's origin, listed in the client's `apiOrigins`, so it gets
// DPoP-bound tokens, each request with a proof of the browser's key.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { requireAccessToken } from '../dist/middleware/express.js';
import { createTokenGuard } from '../dist/middleware/index.js';

/** The Authorization scheme for the log, never the token: Bearer, DPoP, other or none. */
const schemeOf = (authorization) => {
  if (authorization === undefined) return 'none';
  const scheme = /^(\w+) /.exec(authorization)?.[1] ?? '';
  return /^(bearer|dpop)$/i.test(scheme) ? scheme : 'other';
};

const printEntry = ({ method, path, scheme, status, reason }) =>
  process.stderr.write(`${method} ${path} ${scheme} ${status}${reason ? ` ${reason}` : ''}\n`);

/**
 * The example's Express app. `issuer` is Gatehouse's GATEHOUSE_ISSUER, the URL the browser calls;
 * `publicUrl` is this server's URL as the browser calls it (DPoP proofs name it); `log` gets one entry per API request: method, path, the Authorization scheme, the status and,
 * for a refusal, the guard's reason. `app.locals.guard.close()` stops the guard's feed polling.
 */
export function createExampleApp({ issuer, publicUrl, audience = issuer, log = printEntry }) {
  const here = dirname(fileURLToPath(import.meta.url));
  const app = express();

  // The lines that protect an API. followRevocations: the guard polls Gatehouse's revocation
  // feed (every 2 s), so a logout reaches this API within seconds, not at the token's expiry.
  // DPoP: a key-bound token must come with a proof of its key for this request, whose URL must
  // be publicUrl plus the path (never built from the Host header, which the client chooses).
  const guard = createTokenGuard({ issuer, audience, publicUrl, followRevocations: true });
  app.locals.guard = guard;

  // The API's request log: how each token came, and why one was refused (never the token).
  app.use('/api', (req, res, next) => {
    res.on('finish', () =>
      log({
        method: req.method,
        path: req.originalUrl,
        scheme: schemeOf(req.headers.authorization),
        status: res.statusCode,
        reason: res.locals.gatehouseRefusal ?? null,
      }),
    );
    next();
  });
  app.get('/api/orders', requireAccessToken(guard), (_req, res) => {
    const claims = res.locals.gatehouse;
    res.json({
      user: claims.sub,
      // The key the token is bound to (cnf.jkt), which the proof of this request was made with.
      dpop_jkt: claims.cnf?.jkt ?? null,
      orders: [{ id: 1, item: 'tea' }],
    });
  });

  // What the page needs to find Gatehouse.
  app.get('/config.json', (_req, res) => {
    res.json({ issuer });
  });

  // The browser build of @gatehouse/client is the compiled ESM in dist/ (no bundler needed).
  app.use('/lib', express.static(join(here, '..', 'dist')));
  app.use(express.static(join(here, 'public')));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const issuer = process.env.GATEHOUSE_ISSUER ?? 'http://localhost:3000';
  const port = Number(process.env.EXAMPLE_PORT ?? 4000);
  const publicUrl = process.env.EXAMPLE_PUBLIC_URL ?? `http://localhost:${port}`;
  createExampleApp({ issuer, publicUrl }).listen(port, '127.0.0.1', () => {
    process.stderr.write(`example listening on ${publicUrl} (Gatehouse at ${issuer})\n`);
  });
}
