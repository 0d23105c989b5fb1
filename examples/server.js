// The example: a small Express API protected by gatehouse/middleware, and a browser page that
// stays signed in with gatehouse/client. `npm run example` starts Gatehouse (SQLite in a temp
// folder) on :3000 and this server on :4000; open http://localhost:4000.
//
// The page talks to Gatehouse through /auth/* on this server (a plain proxy), so everything the
// browser sees is one origin and no CORS is needed.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { requireAccessToken } from '../dist/middleware/express.js';
import { createTokenGuard } from '../dist/middleware/index.js';

export function createExampleApp({
  gatehouseUrl,
  issuer = gatehouseUrl,
  audience = issuer,
  fetch: fetchImpl = fetch,
}) {
  const here = dirname(fileURLToPath(import.meta.url));
  const app = express();

  // The three lines that protect an API:
  const guard = createTokenGuard({
    issuer,
    audience,
    fetch: (url, init) => fetchImpl(String(url).replace(issuer, gatehouseUrl), init),
  });
  app.get('/api/orders', requireAccessToken(guard), (_req, res) => {
    res.json({ user: res.locals.gatehouse.sub, orders: [{ id: 1, item: 'tea' }] });
  });

  // Gatehouse behind /auth (same origin for the page).
  app.use('/auth', express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    const headers = {};
    for (const name of ['content-type', 'authorization', 'origin'])
      if (req.headers[name]) headers[name] = req.headers[name];
    const upstream = await fetchImpl(`${gatehouseUrl}${req.url}`, {
      method: req.method,
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: req.body }),
    }).catch(() => null);
    if (upstream === null)
      return res.status(503).json({
        error: 'temporarily_unavailable',
        error_description: 'Gatehouse is not reachable.',
      });
    res.status(upstream.status);
    for (const name of ['content-type', 'www-authenticate', 'retry-after', 'cache-control']) {
      const value = upstream.headers.get(name);
      if (value) res.set(name, value);
    }
    res.send(Buffer.from(await upstream.arrayBuffer()));
  });

  // The browser build of gatehouse/client is the compiled ESM in dist/ (no bundler needed).
  app.use('/lib', express.static(join(here, '..', 'dist')));
  app.use(express.static(join(here, 'public')));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const gatehouseUrl = process.env.GATEHOUSE_URL ?? 'http://localhost:3000';
  const port = Number(process.env.EXAMPLE_PORT ?? 4000);
  createExampleApp({ gatehouseUrl }).listen(port, '127.0.0.1', () => {
    process.stderr.write(
      `example listening on http://localhost:${port} (Gatehouse at ${gatehouseUrl})\n`,
    );
  });
}
