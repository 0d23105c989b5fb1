/**
 * gatehouse/client in Chromium, bundled from src/client with esbuild and served by a real
 * Gatehouse server on the same origin: the DPoP key in IndexedDB (not extractable, the same after
 * a reload and in every tab), and one refresh for two tabs.
 */
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { createTestServer, type TestServer } from '../support/server.js';

const available = chromiumGate('the client browser tests');

const PAGE = `<!doctype html><meta charset="utf-8"><title>client test</title>
<script type="module">
  import { createAuthClient } from '/test/client.js';
  window.offsetMs = 0;
  window.auth = createAuthClient({
    baseUrl: location.origin,
    clock: { nowMs: () => Date.now() + window.offsetMs },
  });
  window.ready = true;
</script>`;

interface PageAuth {
  login(email: string, password: string): Promise<void>;
  fetch(url: string): Promise<Response>;
  getAccessToken(): Promise<string | null>;
  keyThumbprint(): Promise<string | null>;
  me(): Promise<{ id: string; email: string } | null>;
}
type PageGlobals = typeof globalThis & { auth: PageAuth; ready?: boolean; offsetMs: number };

const EMAIL = 'tabs@example.com';
const PASSWORD = 'two tabs password';

/** The `cnf.jkt` of an access token (a JWT the test only reads). */
const jktOf = (token: string | null) =>
  (
    JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString()) as {
      cnf?: { jkt?: string };
    }
  ).cnf?.jkt;

describe.runIf(available)('gatehouse/client in Chromium', () => {
  let server: TestServer;
  let base: string;
  let browser: Browser;
  /** Token requests and their answers' status (a 400 use_dpop_nonce is part of one refresh). */
  let tokenRequests: { grant: string; status: number }[] = [];

  beforeAll(async () => {
    // The server's clock starts at the wall clock: the browser's proofs and tokens use real time.
    const { createFixedClock } = await import('../../src/core/clock.js');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await createTestServer({
      clock: createFixedClock(Date.now()),
      env: { GATEHOUSE_ISSUER: base },
    });
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
    server.app.addHook('onResponse', async (request, reply) => {
      if (request.method === 'POST' && request.url === '/v1/token')
        tokenRequests.push({
          grant: String((request.body as { grant_type?: unknown } | undefined)?.grant_type),
          status: reply.statusCode,
        });
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: EMAIL, password: PASSWORD },
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${base}/test/page`);
    await page.waitForFunction(() => (globalThis as PageGlobals).ready === true);
    return page;
  }

  it('the private key cannot be exported by the page; the public key is the one the tokens are bound to', async () => {
    const context = await browser.newContext();
    const page = await open(context);
    await page.evaluate(
      ([email, password]) =>
        (globalThis as PageGlobals).auth.login(email as string, password as string),
      [EMAIL, PASSWORD],
    );
    // What any script on the page can reach: the stored pair itself, read from IndexedDB. Plain
    // JavaScript (the test compiles without DOM types).
    const seen = (await page.evaluate(`(async () => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('gatehouse-auth');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const pair = await new Promise((resolve, reject) => {
        const request = db.transaction('state').objectStore('state').get('dpop-key');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const refusals = [];
      for (const format of ['jwk', 'pkcs8'])
        await crypto.subtle.exportKey(format, pair.privateKey).then(
          () => refusals.push(format + ': exported'),
          (error) => refusals.push(format + ': ' + error.name),
        );
      const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
      const members = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
      const digest = new Uint8Array(
        await crypto.subtle.digest('SHA-256', new TextEncoder().encode(members)),
      );
      const thumbprint = btoa(String.fromCharCode(...digest))
        .replaceAll('+', '-')
        .replaceAll('/', '_')
        .replaceAll('=', '');
      return {
        extractable: pair.privateKey.extractable,
        refusals,
        thumbprint,
        clientThumbprint: await auth.keyThumbprint(),
        token: await auth.getAccessToken(),
      };
    })()`)) as {
      extractable: boolean;
      refusals: string[];
      thumbprint: string;
      clientThumbprint: string | null;
      token: string | null;
    };
    expect(seen.extractable).toBe(false);
    expect(seen.refusals).toEqual(['jwk: InvalidAccessError', 'pkcs8: InvalidAccessError']);
    expect(seen.clientThumbprint).toBe(seen.thumbprint);
    expect(jktOf(seen.token)).toBe(seen.thumbprint);
    await context.close();
  }, 60_000);

  it('a reload keeps the same key and stays signed in', async () => {
    const context = await browser.newContext();
    const page = await open(context);
    await page.evaluate(
      ([email, password]) =>
        (globalThis as PageGlobals).auth.login(email as string, password as string),
      [EMAIL, PASSWORD],
    );
    const before = await page.evaluate(async () => ({
      jkt: await (globalThis as PageGlobals).auth.keyThumbprint(),
      token: await (globalThis as PageGlobals).auth.getAccessToken(),
    }));
    tokenRequests = [];
    await page.reload();
    await page.waitForFunction(() => (globalThis as PageGlobals).ready === true);
    const after = await page.evaluate(async () => {
      const auth = (globalThis as PageGlobals).auth;
      return {
        jkt: await auth.keyThumbprint(),
        token: await auth.getAccessToken(),
        me: await auth.me(),
      };
    });
    expect(after.jkt).toBe(before.jkt);
    expect(after.token).toBe(before.token);
    expect(after.me).toMatchObject({ email: EMAIL });
    expect(tokenRequests).toEqual([]);
    await context.close();
  }, 60_000);

  it('two tabs share one key; with an expired token they make one refresh and end with the same new token', async () => {
    const context = await browser.newContext();
    const [tab1, tab2] = [await open(context), await open(context)];
    await tab1.evaluate(
      ([email, password]) =>
        (globalThis as PageGlobals).auth.login(email as string, password as string),
      [EMAIL, PASSWORD],
    );
    const before = await tab2.evaluate(() => (globalThis as PageGlobals).auth.getAccessToken());
    expect(before).toMatch(/^ey/);
    const jkts = await Promise.all(
      [tab1, tab2].map((tab) =>
        tab.evaluate(() => (globalThis as PageGlobals).auth.keyThumbprint()),
      ),
    );
    expect(jkts[0]).toBe(jkts[1]);
    tokenRequests = [];

    // An hour later for both tabs and the server.
    server.clock.advanceMs(3600 * 1000);
    for (const tab of [tab1, tab2])
      await tab.evaluate(() => {
        (globalThis as PageGlobals).offsetMs = 3600 * 1000;
      });
    const fire = (tab: Page) =>
      tab.evaluate(async () => {
        const auth = (globalThis as PageGlobals).auth;
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
    // One refresh granted; no second one with the same refresh token (a tab that did not wait).
    expect(
      tokenRequests.filter(
        (request) => request.grant === 'refresh_token' && request.status === 200,
      ),
    ).toHaveLength(1);
    // At most the one more that met use_dpop_nonce (the nonce of an hour ago had expired).
    expect(
      tokenRequests.filter((request) => request.grant === 'refresh_token').length,
    ).toBeLessThanOrEqual(2);
    expect(one.token).toBe(two.token);
    expect(one.token).not.toBe(before);
    expect(jktOf(one.token)).toBe(jkts[0]);
    await context.close();
  }, 60_000);
});
