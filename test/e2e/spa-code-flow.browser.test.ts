/**
 * README "Sign in from your app", the SPA: a page on another origin, using oauth4webapi 3 in the
 * browser (no server of its own beyond static files), signs in with the code flow and PKCE
 * through Gatehouse's page in Chromium, checks the ID token, calls UserInfo and refreshes, all
 * across origins through GATEHOUSE_CORS_ORIGINS; a page on an origin not listed cannot read
 * Gatehouse's answers. The page's code is the README's, with allowInsecureRequests added because
 * the test serves plain HTTP.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { createTestServer, registerTestClient, type TestServer } from '../support/server.js';

const EMAIL = 'spa@example.com';
const PASSWORD = 'single page app password';

/** The SPA: one page, as the README shows it (plus allowInsecureRequests: plain HTTP here). */
const spaPage = (issuer: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SPA</title></head>
<body><button id="signin">Sign in</button><pre id="out"></pre>
<script type="module">
import * as oauth from '/oauth4webapi.js';
const insecure = { [oauth.allowInsecureRequests]: true };
const issuer = new URL('${issuer}');
const client = { client_id: 'spa' };
const redirectUri = location.origin + '/callback';
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
const out = (value) => { document.getElementById('out').textContent = JSON.stringify(value); };

document.getElementById('signin').onclick = async () => {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem('signin', JSON.stringify({ verifier, state, nonce }));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.client_id, redirect_uri: redirectUri, response_type: 'code',
    scope: 'openid email', state, nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  location.assign(url);
};

if (location.pathname === '/callback') {
  try {
    const { verifier, state, nonce } = JSON.parse(sessionStorage.getItem('signin'));
    const params = oauth.validateAuthResponse(as, client, new URL(location.href), state);
    const response = await oauth.authorizationCodeGrantRequest(
      as, client, oauth.None(), params, redirectUri, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: nonce, requireIdToken: true });
    const { sub } = oauth.getValidatedIdTokenClaims(tokens);
    const info = await oauth.processUserInfoResponse(as, client, sub,
      await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
    const refreshed = await oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, insecure));
    out({ sub, email: info.email, refreshed: refreshed.access_token !== tokens.access_token,
      scope: refreshed.scope });
  } catch (error) {
    out({ error: String(error) });
  }
}
</script></body></html>`;

describe.runIf(chromiumGate('the SPA code-flow test'))(
  'a SPA on another origin (oauth4webapi)',
  () => {
    let server: TestServer;
    let issuer: string;
    let appBase: string;
    let otherBase: string;
    let browser: Browser;
    const statics: Server[] = [];

    const serveSpa = async (port: number) => {
      const library = readFileSync('node_modules/oauth4webapi/build/index.js');
      const http = createHttpServer((request, response) => {
        if (request.url === '/oauth4webapi.js') {
          response.writeHead(200, { 'content-type': 'text/javascript' }).end(library);
          return;
        }
        response.writeHead(200, { 'content-type': 'text/html' }).end(spaPage(issuer));
      });
      await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
      statics.push(http);
    };

    beforeAll(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      // Another origin than the issuer's: localhost, not 127.0.0.1.
      appBase = `http://localhost:${await freePort()}`;
      otherBase = `http://localhost:${await freePort()}`;
      server = await createTestServer({
        env: { GATEHOUSE_ISSUER: issuer, GATEHOUSE_CORS_ORIGINS: appBase },
        clock: createFixedClock(Date.now()),
      });
      await server.app.listen({ port, host: '127.0.0.1' });
      const signup = await fetch(`${issuer}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
      });
      expect(signup.status).toBe(201);
      await registerTestClient(server, 'spa', {
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'email'],
        redirectUris: [`${appBase}/callback`],
      });
      await serveSpa(Number(new URL(appBase).port));
      await serveSpa(Number(new URL(otherBase).port));
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      for (const http of statics) await new Promise((resolve) => http.close(resolve));
      await server?.close();
    });

    it('signs in with the code flow and PKCE, checks the ID token, calls UserInfo, refreshes', async () => {
      const page = await browser.newPage();
      await page.goto(`${appBase}/`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${issuer}/authorize**`);
      await page.locator('#email').fill(EMAIL);
      await page.locator('#password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${appBase}/callback**`);
      await page.waitForFunction("document.getElementById('out')?.textContent !== ''");
      const result = JSON.parse((await page.textContent('#out')) ?? '{}') as Record<
        string,
        unknown
      >;
      expect(result).toEqual({
        sub: expect.any(String),
        email: EMAIL,
        refreshed: true,
        scope: 'openid email',
      });
      await page.close();
    });

    it('a page on an origin not listed cannot read the answers', async () => {
      const page = await browser.newPage();
      await page.goto(`${otherBase}/`);
      // Its module fails at discovery: the browser hides the answer (no CORS header).
      const outcome = await page.evaluate(async (url) => {
        try {
          await fetch(`${url}/.well-known/openid-configuration`);
          return 'read';
        } catch (error) {
          return String(error);
        }
      }, issuer);
      expect(outcome).toMatch(/TypeError/);
      await page.close();
    });
  },
);
