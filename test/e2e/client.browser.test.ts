import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { createTestServer, type TestServer } from '../support/server.js';

const available = chromiumGate('the client browser tests');

const PAGE = `<!doctype html><meta charset="utf-8"><title>client test</title>
<script type="module">
  import { createAuthClient, localStorageTokenStore } from '/test/client.js';
  window.offsetMs = 0;
  window.auth = createAuthClient({
    baseUrl: location.origin,
    storage: localStorageTokenStore(),
    clock: { nowMs: () => Date.now() + window.offsetMs },
  });
  window.ready = true;
</script>`;

describe.runIf(available)('gatehouse/client in Chromium', () => {
  let server: TestServer;
  let base: string;
  let browser: Browser;
  let refreshRequests = 0;

  beforeAll(async () => {
    // The server's clock follows the wall clock here: the browser's tokens use real time.
    const { createFixedClock } = await import('../../src/core/clock.js');
    const clock = createFixedClock(Date.now());
    server = await createTestServer({ clock });
    const bundle = await build({
      entryPoints: ['src/client/index.ts'],
      bundle: true,
      format: 'esm',
      write: false,
      platform: 'browser',
    });
    const code = bundle.outputFiles[0]?.text ?? '';
    server.app.get('/test/page', async (_request, reply) => reply.type('text/html').send(PAGE));
    server.app.get('/test/client.js', async (_request, reply) =>
      reply.type('text/javascript').send(code),
    );
    server.app.addHook('onRequest', async (request) => {
      if (request.method === 'POST' && request.url === '/v1/token') refreshRequests++;
    });
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: 'tabs@example.com', password: 'two tabs password' },
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('two tabs, expired token: one refresh on the wire, both tabs end with the same new token', async () => {
    const context = await browser.newContext();
    const [tab1, tab2] = [await context.newPage(), await context.newPage()];
    for (const tab of [tab1, tab2]) {
      await tab.goto(`${base}/test/page`);
      await tab.waitForFunction(
        () => (globalThis as unknown as { ready?: boolean }).ready === true,
      );
    }
    await tab1.evaluate(() =>
      (
        globalThis as unknown as { auth: { login(e: string, p: string): Promise<void> } }
      ).auth.login('tabs@example.com', 'two tabs password'),
    );
    const before = await tab2.evaluate(() =>
      (
        globalThis as unknown as { auth: { getAccessToken(): Promise<string> } }
      ).auth.getAccessToken(),
    );
    expect(before).toMatch(/^ey/);
    refreshRequests = 0;

    // An hour later for both tabs and the server.
    server.clock.advanceMs(3600 * 1000);
    for (const tab of [tab1, tab2])
      await tab.evaluate(
        () => ((globalThis as unknown as { offsetMs: number }).offsetMs = 3600 * 1000),
      );
    const fire = (tab: typeof tab1) =>
      tab.evaluate(async () => {
        const auth = (
          globalThis as unknown as {
            auth: { fetch(u: string): Promise<Response>; getAccessToken(): Promise<string> };
          }
        ).auth;
        const responses = await Promise.all([
          auth.fetch('/v1/me'),
          auth.fetch('/v1/me'),
          auth.fetch('/v1/me'),
        ]);
        return { statuses: responses.map((r) => r.status), token: await auth.getAccessToken() };
      });
    const [one, two] = await Promise.all([fire(tab1), fire(tab2)]);
    expect(one.statuses).toEqual([200, 200, 200]);
    expect(two.statuses).toEqual([200, 200, 200]);
    expect(refreshRequests).toBe(1);
    expect(one.token).toBe(two.token);
    expect(one.token).not.toBe(before);
    await context.close();
  }, 60_000);
});
