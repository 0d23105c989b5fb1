/**
 * gatehouse/client in Chromium on an app origin other than the auth server's (the README's
 * "Browser apps on another origin"): the auth server lists the app in GATEHOUSE_CORS_ORIGINS, and
 * the client must read `DPoP-Nonce` across origins to log in, then call /v1/me with DPoP. An
 * API origin listed in `apiOrigins` gets the token; an origin that is not gets none.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { createTestServer, type TestServer } from '../support/server.js';

const available = chromiumGate('the cross-origin client browser test');

const listen = async (http: Server) => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return (http.address() as AddressInfo).port;
};
const closeServer = (http: Server | undefined) =>
  new Promise<void>((resolve) => (http === undefined ? resolve() : http.close(() => resolve())));

describe.runIf(available)(
  'gatehouse/client in Chromium, app and auth server on two origins',
  () => {
    let auth: TestServer;
    let authBase: string;
    let app: Server;
    let appOrigin: string;
    let api: Server;
    let apiOrigin: string;
    let browser: Browser;
    const apiSeen: { path: string; headers: IncomingHttpHeaders }[] = [];
    const appSeen: { path: string; headers: IncomingHttpHeaders }[] = [];

    beforeAll(async () => {
      const bundle = await build({
        entryPoints: ['src/client/index.ts'],
        bundle: true,
        format: 'esm',
        write: false,
        platform: 'browser',
      });
      const code = bundle.outputFiles[0]?.text ?? '';
      // The app's own server: a page and the client bundle, nothing else.
      let page = '';
      app = createServer((request, response) => {
        appSeen.push({ path: request.url ?? '', headers: request.headers });
        const isScript = request.url === '/client.js';
        response.writeHead(200, {
          'content-type': isScript ? 'text/javascript' : 'text/html; charset=utf-8',
        });
        response.end(isScript ? code : page);
      });
      appOrigin = `http://127.0.0.1:${await listen(app)}`;
      // An API on a third origin: it records what reaches it and allows the app by CORS.
      api = createServer((request, response) => {
        const cors = {
          'access-control-allow-origin': appOrigin,
          'access-control-allow-headers': 'authorization, dpop',
          'access-control-expose-headers': 'dpop-nonce, www-authenticate',
        };
        if (request.method === 'OPTIONS') {
          response.writeHead(204, cors);
          response.end();
          return;
        }
        apiSeen.push({ path: request.url ?? '', headers: request.headers });
        response.writeHead(200, { 'content-type': 'application/json', ...cors });
        response.end('{}');
      });
      apiOrigin = `http://127.0.0.1:${await listen(api)}`;

      const { createFixedClock } = await import('../../src/core/clock.js');
      // The issuer is the URL the browser calls: every proof's htu must name it.
      const probe = createServer();
      const authPort = await listen(probe);
      await closeServer(probe);
      authBase = `http://127.0.0.1:${authPort}`;
      auth = await createTestServer({
        clock: createFixedClock(Date.now()),
        env: { GATEHOUSE_ISSUER: authBase, GATEHOUSE_CORS_ORIGINS: appOrigin },
      });
      await auth.app.listen({ port: authPort, host: '127.0.0.1' });
      await auth.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: 'far@example.com', password: 'far away password' },
      });
      page = `<!doctype html><meta charset="utf-8"><title>app</title>
<script type="module">
  import { createAuthClient } from '/client.js';
  window.auth = createAuthClient({ baseUrl: '${authBase}', apiOrigins: ['${apiOrigin}'] });
  window.ready = true;
</script>`;
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await auth?.close();
      await closeServer(app);
      await closeServer(api);
    });

    it('logs in with DPoP, calls /v1/me, sends the token to the listed API and not elsewhere', async () => {
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(`${appOrigin}/`);
      await tab.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
      const result = (await tab.evaluate(`(async () => {
      await auth.login('far@example.com', 'far away password');
      const me = await auth.me();
      const token = await auth.getAccessToken();
      const claims = JSON.parse(atob(token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/')));
      await auth.fetch('${apiOrigin}/orders');
      // The app's own origin is neither the auth server nor listed: no token goes there.
      const own = await auth.fetch('/not-an-api');
      return { me, jkt: claims.cnf && claims.cnf.jkt, key: await auth.keyThumbprint(), own: own.status };
    })()`)) as { me: { email: string } | null; jkt: string | undefined; key: string; own: number };
      expect(result.me).toMatchObject({ email: 'far@example.com' });
      expect(result.jkt).toBe(result.key);
      expect(apiSeen.map((request) => request.path)).toEqual(['/orders']);
      expect(apiSeen[0]?.headers.authorization).toMatch(/^DPoP ey/);
      expect(apiSeen[0]?.headers.dpop).toMatch(/^ey/);
      expect(result.own).toBe(200);
      const own = appSeen.find((request) => request.path === '/not-an-api');
      expect(own?.headers.authorization).toBeUndefined();
      expect(own?.headers.dpop).toBeUndefined();
      await context.close();
    }, 60_000);
  },
);
