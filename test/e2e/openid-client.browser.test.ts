/**
 * Issue 12's "Done when", as a third party would do it: an app built on openid-client 6 (its
 * default OpenID Connect discovery, PKCE, state and nonce checks, unmodified; only
 * allowInsecureRequests, since the test serves plain HTTP on 127.0.0.1) signs a user in through
 * Gatehouse's page while Chromium types and clicks, refreshes, calls UserInfo, calls an Express
 * API guarded by Gatehouse's middleware with requiredScopes, and logs out through
 * end_session_endpoint; the refresh token is then dead.
 */

import type { AddressInfo } from 'node:net';
import express from 'express';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { requireAccessToken } from '../../src/middleware/express.js';
import { createTokenGuard } from '../../src/middleware/token-guard.js';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { createTestServer, registerTestClient, type TestServer } from '../support/server.js';

const EMAIL = 'oidc@example.com';
const PASSWORD = 'openid client password';
const CLIENT_ID = 'relying-party';
const CLIENT_SECRET = 'relying-party-secret-0123456789abcdefghijklmnop';

describe.runIf(chromiumGate('the openid-client interop test'))(
  'openid-client 6 against Gatehouse',
  () => {
    let server: TestServer;
    let issuer: string;
    let appBase: string;
    let apiBase: string;
    let browser: Browser;
    const closers: Array<() => Promise<void>> = [];
    /** What the app learned, for the test to check. */
    const seen: Record<string, unknown> = {};

    beforeAll(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      server = await createTestServer({
        env: { GATEHOUSE_ISSUER: issuer, GATEHOUSE_USER_SCOPES: 'orders:read' },
        clock: createFixedClock(Date.now()),
      });
      await server.app.listen({ port, host: '127.0.0.1' });
      const signup = await fetch(`${issuer}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
      });
      expect(signup.status).toBe(201);
      seen.userId = ((await signup.json()) as { id: string }).id;

      // The API: Gatehouse's middleware, requiring a scope.
      const api = express();
      const guard = createTokenGuard({ issuer, audience: issuer, requiredScopes: ['orders:read'] });
      api.get('/orders', requireAccessToken(guard), (_req, res) => {
        res.json({
          orders: [],
          for: res.locals.gatehouse?.sub,
        });
      });
      const apiServer = api.listen(0, '127.0.0.1');
      await new Promise((resolve) => apiServer.once('listening', resolve));
      apiBase = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
      closers.push(() => new Promise((resolve) => apiServer.close(() => resolve())));

      // The app: a server-rendered relying party, as openid-client's README writes one.
      const appPort = await freePort();
      appBase = `http://127.0.0.1:${appPort}`;
      await registerTestClient(server, CLIENT_ID, {
        secret: CLIENT_SECRET,
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'email', 'orders:read'],
        redirectUris: [`${appBase}/callback`],
        postLogoutRedirectUris: [`${appBase}/bye`],
      });
      const config = await client.discovery(new URL(issuer), CLIENT_ID, CLIENT_SECRET, undefined, {
        execute: [client.allowInsecureRequests],
      });
      const pending = new Map<string, { verifier: string; nonce: string }>();
      const app = express();
      app.get('/login', async (_req, res) => {
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const nonce = client.randomNonce();
        pending.set(state, { verifier, nonce });
        const url = client.buildAuthorizationUrl(config, {
          redirect_uri: `${appBase}/callback`,
          scope: 'openid email orders:read',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        });
        res.redirect(url.href);
      });
      app.get('/callback', async (req, res) => {
        try {
          const current = new URL(req.originalUrl, appBase);
          const state = current.searchParams.get('state') ?? '';
          const checks = pending.get(state);
          if (checks === undefined) throw new Error('unknown state');
          const tokens = await client.authorizationCodeGrant(config, current, {
            pkceCodeVerifier: checks.verifier,
            expectedState: state,
            expectedNonce: checks.nonce,
            idTokenExpected: true,
          });
          const claims = tokens.claims();
          seen.claims = claims;
          seen.scope = tokens.scope;
          const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token as string);
          seen.refreshed = refreshed.access_token !== tokens.access_token;
          seen.oldRefreshToken = tokens.refresh_token;
          seen.refreshToken = refreshed.refresh_token;
          seen.userinfo = await client.fetchUserInfo(
            config,
            refreshed.access_token,
            claims?.sub as string,
          );
          const orders = await fetch(`${apiBase}/orders`, {
            headers: { authorization: `Bearer ${refreshed.access_token}` },
          });
          seen.api = { status: orders.status, body: await orders.json() };
          seen.idToken = tokens.id_token;
          res.type('text/plain').send(`Signed in as ${(seen.userinfo as { email: string }).email}`);
        } catch (error) {
          seen.error = String(error);
          res
            .status(500)
            .type('text/plain')
            .send(`failed: ${String(error)}`);
        }
      });
      app.get('/logout', (_req, res) => {
        const url = client.buildEndSessionUrl(config, {
          id_token_hint: seen.idToken as string,
          post_logout_redirect_uri: `${appBase}/bye`,
          state: 'bye-state',
        });
        res.redirect(url.href);
      });
      app.get('/bye', (req, res) => {
        seen.byeState = req.query.state;
        res.type('text/plain').send('Signed out');
      });
      const appServer = app.listen(appPort, '127.0.0.1');
      await new Promise((resolve) => appServer.once('listening', resolve));
      closers.push(() => new Promise((resolve) => appServer.close(() => resolve())));
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      for (const close of closers) await close();
      await server?.close();
    });

    it('signs in through the page, refreshes, calls UserInfo and a scoped API, and logs out', async () => {
      const page = await browser.newPage();
      await page.goto(`${appBase}/login`);
      // Gatehouse's sign-in page, naming the app.
      expect(new URL(page.url()).origin).toBe(issuer);
      await page.getByText(`to continue to ${CLIENT_ID}`).waitFor();
      await page.locator('#email').fill(EMAIL);
      await page.locator('#password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${appBase}/callback**`);
      expect(seen.error).toBeUndefined();
      expect(await page.textContent('body')).toBe(`Signed in as ${EMAIL}`);
      expect(seen.claims).toMatchObject({ iss: issuer, aud: CLIENT_ID, sub: seen.userId });
      expect(seen.scope).toBe('openid email orders:read');
      expect(seen.refreshed).toBe(true);
      expect(seen.userinfo).toEqual({ sub: seen.userId, email: EMAIL, email_verified: false });
      expect(seen.api).toEqual({ status: 200, body: { orders: [], for: seen.userId } });

      // A second sign-in from the same browser needs no password: straight back to the app.
      await page.goto(`${appBase}/login`);
      await page.waitForURL(`${appBase}/callback**`);
      expect(seen.error).toBeUndefined();

      await page.goto(`${appBase}/logout`);
      await page.waitForURL(`${appBase}/bye**`);
      expect(seen.byeState).toBe('bye-state');
      const refresh = await fetch(`${issuer}/v1/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: seen.refreshToken as string,
        }).toString(),
      });
      expect(refresh.status).toBe(400);
      // The browser session ended too: the sign-in page asks again.
      await page.goto(`${appBase}/login`);
      await page.locator('#password').waitFor();
      await page.close();
    });
  },
);
