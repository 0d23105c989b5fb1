/**
 * The example (`npm run example`) in Chromium, set up as examples/run.js sets it up: Gatehouse's
 * issuer is the URL the browser calls and lists the example's origin for CORS; the page calls it
 * directly with the client SDK. Checked: the tokens are DPoP-bound to the browser's key, the
 * example API receives them as `Authorization: DPoP` with a proof and refuses the same token as
 * Bearer, and after a logout in the page the API (which follows the revocation feed) refuses the
 * old token, with a valid proof of the browser's key, within the stated bound.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { createTestServer, type TestServer } from '../support/server.js';

/** The guard's revocation poll interval (its default, which the example keeps). */
const POLL_MS = 2000;
// One read of a local feed takes milliseconds; the margin covers a loaded test machine (as in
// test/integration/middleware-revocations.test.ts).
const MARGIN_MS = 3000;

interface ApiLogEntry {
  method: string;
  path: string;
  scheme: string;
  status: number;
  reason: string | null;
}

const listen = async (http: Server) => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return (http.address() as AddressInfo).port;
};
const closeServer = (http: Server | undefined) =>
  new Promise<void>((resolve) => (http === undefined ? resolve() : http.close(() => resolve())));

const textOf = (page: Page, selector: string) =>
  page.evaluate(
    (s) =>
      (
        globalThis as unknown as {
          document: { querySelector(s: string): { textContent: string } | null };
        }
      ).document.querySelector(s)?.textContent ?? '',
    selector,
  );
const waitForText = (page: Page, selector: string, test: (text: string) => boolean) =>
  expect.poll(() => textOf(page, selector), { timeout: 20_000 }).toSatisfy(test);

/** The claims of a JWT, unverified. */
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    cnf?: { jkt?: string };
    sid?: string;
  };

describe.runIf(chromiumGate('the example browser tests'))('the example page and API', () => {
  let gatehouse: TestServer;
  let issuer: string;
  let example: Server;
  let guard: { close(): void } | undefined;
  let base: string;
  let browser: Browser;
  const apiLog: ApiLogEntry[] = [];

  beforeAll(async () => {
    const { createFixedClock } = await import('../../src/core/clock.js');
    // The issuer is the URL the browser calls (every proof's htu names it): pick its port first.
    const probe = createServer();
    const gatehousePort = await listen(probe);
    await closeServer(probe);
    issuer = `http://localhost:${gatehousePort}`;
    // The example's public URL too: its guard checks every proof against it.
    const exampleProbe = createServer();
    const examplePort = await listen(exampleProbe);
    await closeServer(exampleProbe);
    base = `http://localhost:${examplePort}`;
    // @ts-expect-error: plain JavaScript example, no declarations
    const { createExampleApp } = await import('../../examples/server.js');
    const app = createExampleApp({
      issuer,
      publicUrl: base,
      log: (entry: ApiLogEntry) => apiLog.push(entry),
    });
    guard = app.locals.guard;
    example = createServer(app);
    await new Promise<void>((resolve) => example.listen(examplePort, '127.0.0.1', resolve));
    gatehouse = await createTestServer({
      env: { GATEHOUSE_ISSUER: issuer, GATEHOUSE_CORS_ORIGINS: base },
      clock: createFixedClock(Date.now()),
    });
    await gatehouse.app.listen({ port: gatehousePort, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    guard?.close();
    await closeServer(example);
    await gatehouse?.close();
  });

  /** A DPoP proof for GET `url` with `token`, signed in the page by the client's stored key. */
  const proofInPage = (page: Page, url: string, token: string) =>
    page.evaluate(`(async () => {
      const client = await import('/lib/client/index.js');
      const key = await client
        .indexedDbKeyStore({ databaseName: 'gatehouse-auth' })
        .load(() => Promise.reject(new Error('the page has no key')));
      const random = { bytes: (n) => crypto.getRandomValues(new Uint8Array(n)) };
      return client.createDpopProof(key, await client.publicJwkOf(key), random, {
        htm: 'GET',
        url: new URL(${JSON.stringify(url)}),
        iatSeconds: Math.floor(Date.now() / 1000),
        accessToken: ${JSON.stringify(token)},
      });
    })()`) as Promise<string>;

  /** GET /api/orders from Node; the API's log entry says how it was taken. */
  const callApi = async (headers: Record<string, string>) => {
    const before = apiLog.length;
    const response = await fetch(`${base}/api/orders`, { headers });
    await response.arrayBuffer();
    await expect.poll(() => apiLog.length).toBe(before + 1);
    return {
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      reason: apiLog[before]?.reason ?? null,
    };
  };

  it('signs up and logs in at Gatehouse directly, calls the API with DPoP, and a logout reaches the API', async () => {
    const page = await browser.newPage();
    const requests: { url: string; method: string; dpop: string | undefined }[] = [];
    page.on('request', (request) =>
      requests.push({
        url: request.url(),
        method: request.method(),
        dpop: request.headers().dpop,
      }),
    );
    await page.goto(base);
    await waitForText(page, '#issuer', (text) => text === issuer);
    await page.click('button[value=signup]');
    await waitForText(page, '#status', (text) => text.startsWith('signed in'));

    // The page talked to Gatehouse itself, across origins, with proofs; nothing went through
    // the example's origin on the way.
    const tokenCalls = requests.filter((r) => r.url === `${issuer}/v1/token`);
    expect(tokenCalls.length).toBeGreaterThan(0);
    expect(
      tokenCalls.filter((r) => r.method === 'POST').every((r) => r.dpop?.startsWith('ey')),
    ).toBe(true);
    expect(requests.some((r) => r.url === `${issuer}/v1/signup` && r.method === 'POST')).toBe(true);
    expect(requests.filter((r) => r.url.startsWith(`${base}/auth`))).toEqual([]);

    // The tokens are bound to the browser's key, and the page says so.
    const token = (await page.evaluate('auth.getAccessToken()')) as string;
    const key = (await page.evaluate('auth.keyThumbprint()')) as string;
    expect(claimsOf(token).cnf).toEqual({ jkt: key });
    await waitForText(page, '#binding', (text) => text.startsWith('DPoP') && text.includes(key));

    // The API takes them as Authorization: DPoP, with a proof.
    await page.click('#orders');
    await waitForText(page, '#output', (text) => text.includes('tea'));
    expect(await textOf(page, '#output')).toMatch(/^200\n/);
    expect(JSON.parse((await textOf(page, '#output')).slice(4))).toMatchObject({
      dpop_jkt: key,
    });
    expect(apiLog.at(-1)).toEqual({
      method: 'GET',
      path: '/api/orders',
      scheme: 'DPoP',
      status: 200,
      reason: null,
    });
    await page.screenshot({ path: 'test-results/example.png' }).catch(() => undefined);

    // Copied off the page, the token alone is refused: as Bearer, and as DPoP without a proof.
    expect(await callApi({ authorization: `Bearer ${token}` })).toMatchObject({
      status: 401,
      reason: 'dpop_required',
      challenge: expect.stringMatching(/^DPoP /),
    });
    expect(await callApi({ authorization: `DPoP ${token}` })).toMatchObject({
      status: 401,
      reason: 'dpop_invalid',
    });
    // With a proof of the browser's key it is taken (so the refusal below is the logout's).
    const proof = await proofInPage(page, `${base}/api/orders`, token);
    expect(await callApi({ authorization: `DPoP ${token}`, dpop: proof })).toMatchObject({
      status: 200,
      reason: null,
    });

    // Log out in the page: the client forgets the tokens and Gatehouse revokes the session.
    await page.click('#logout');
    await waitForText(page, '#status', (text) => text === 'signed out');
    await waitForText(page, '#output', (text) => text.startsWith('logged out (revoked: true)'));
    const loggedOutAt = performance.now();
    let refused: { status: number; reason: string | null; afterMs: number } | null = null;
    while (refused === null) {
      const answer = await callApi({
        authorization: `DPoP ${token}`,
        dpop: await proofInPage(page, `${base}/api/orders`, token),
      });
      if (answer.status !== 200) refused = { ...answer, afterMs: performance.now() - loggedOutAt };
      else if (performance.now() - loggedOutAt > 30_000) throw new Error('never refused');
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused).toMatchObject({ status: 401, reason: 'revoked' });
    expect(refused.afterMs).toBeLessThan(POLL_MS + MARGIN_MS);
    expect(await textOf(page, '#binding')).toBe('');

    // Signed out, the page sends no token at all.
    await page.click('#orders');
    await waitForText(page, '#output', (text) => text.startsWith('401'));
    expect(apiLog.at(-1)).toMatchObject({ scheme: 'none', status: 401, reason: 'no_token' });
    await page.close();
  }, 60_000);
});
