/**
 * The web pages in Chromium, as a person uses them: sign up (in token mode, chosen at the
 * developer tools), the account page, ending another session, staying signed in past
 * access-token expiry, signing out everywhere, cookie sign-in (the configured mode), and the
 * token inspector's signature check. Screenshots go to test-results/ (not committed).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { importHmacSecret } from '../../src/jwt/index.js';
import { signJwt } from '../../src/jwt/sign.js';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { createTestServer, type TestServer } from '../support/server.js';

describe.runIf(chromiumGate('the web page tests'))('web pages', () => {
  let server: TestServer;
  let base: string;
  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    mkdirSync('test-results', { recursive: true });
    const port = await freePort();
    base = `http://localhost:${port}`;
    server = await createTestServer({
      env: { GATEHOUSE_ISSUER: base },
      clock: createFixedClock(Date.now()),
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(`${base}${path}`);
    return page;
  }

  it('serves the pages with a strict Content-Security-Policy', async () => {
    for (const path of ['/', '/account', '/inspect', '/developer']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).not.toMatch(/<script>(?!<\/script>)|on(click|load|submit)=/);
    }
  });

  it('sign up with tokens, see the account, end another session, stay signed in past expiry, sign out everywhere', async () => {
    // The developer tools pick token mode for this tab; the customer's form has no such choice.
    const page = await open('/developer');
    await page.getByLabel('access + refresh tokens').check();
    await page.getByText('This tab now signs in with access + refresh tokens.').waitFor();
    await page.locator('a.brand').click();
    await page.locator('#home-signed-out').waitFor();
    await page.screenshot({ path: 'test-results/web-home.png', fullPage: true });
    await page.getByText('New here? Create an account').click();
    const signup = page.locator('#signup-form');
    await signup.getByLabel('Email').fill('web@example.com');
    await signup.getByLabel(/^New password/).fill('web page password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Signed in as web@example.com').waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');

    // Another device signs in; the account page lists it, and ends it.
    const other = (
      await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: 'web@example.com',
          password: 'web page password',
        },
        headers: { 'user-agent': 'Other Device/1.0' },
      })
    ).json();
    await page.evaluate(() =>
      (
        globalThis as unknown as { gatehouse: { refreshAccount(): Promise<void> } }
      ).gatehouse.refreshAccount(),
    );
    await page.getByText('Other Device/1.0').waitFor();
    expect(await page.locator('#sessions tr').count()).toBe(2);
    await page.screenshot({ path: 'test-results/web-account.png', fullPage: true });
    await page.getByRole('button', { name: 'End this session' }).click();
    await page.getByText('Session ended.').waitFor();
    expect(await page.locator('#sessions tr').count()).toBe(1);
    expect(
      (
        await server.app.inject({
          method: 'GET',
          url: '/v1/me',
          headers: { authorization: `Bearer ${other.access_token}` },
        })
      ).statusCode,
    ).toBe(401);

    // An hour later (the server's clock), the page still works: one refresh, then the retry.
    server.clock.advanceMs(3601 * 1000);
    await page.evaluate(() =>
      (
        globalThis as unknown as { gatehouse: { refreshAccount(): Promise<void> } }
      ).gatehouse.refreshAccount(),
    );
    await page.getByText(/last refreshed at/).waitFor();
    await page.getByText('Signed in as web@example.com').waitFor();

    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByText('Signed out everywhere.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.close();
  });

  it('signs in with a session cookie, and explains a wrong password in plain words', async () => {
    const page = await open('/');
    const form = page.locator('#auth-form');
    await form.getByLabel('Email').fill('web@example.com');
    await form.getByLabel(/^Password/).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong email or password.').waitFor();
    await form.getByLabel(/^Password/).fill('web page password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in with a session cookie.').waitFor();
    // Home again: who is signed in, and the way to the account.
    await page.locator('a.brand').click();
    await page.locator('#home-who').getByText('Signed in as web@example.com').waitFor();
    expect(await page.locator('#auth-form').isVisible()).toBe(false);
    await page.getByRole('link', { name: 'Go to your account' }).click();
    await page.getByText('Signed in with a session cookie.').waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === '__Host-gatehouse_session')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
    });
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('Signed out.').waitFor();
    await page.close();
  });

  it('inspects a token: decoded claims, countdown, signature valid; one changed character: invalid', async () => {
    const token = (
      await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: 'web@example.com',
          password: 'web page password',
        },
      })
    ).json().access_token as string;
    const page = await open('/inspect');
    await page.getByLabel('Paste a JWT').fill(token);
    await page.getByText('Signature valid.').waitFor();
    expect(await page.locator('#payload').textContent()).toContain('"sid"');
    expect(await page.locator('#header').textContent()).toContain('at+jwt');
    // The server's clock ran an hour ahead in the test before: the countdown reads the real time.
    expect(await page.locator('dd[data-claim="exp"]').textContent()).toMatch(
      /\(expires in \d+ min \d+ s\)$/,
    );
    await page.screenshot({ path: 'test-results/web-inspect.png', fullPage: true });
    const at = token.length - 10;
    const changed = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    await page.getByLabel('Paste a JWT').fill(changed);
    await page.getByText(/^Signature invalid/).waitFor();
    // An HS256 token checked against a pasted secret: right secret valid, wrong secret invalid.
    const secret = 'a pasted shared secret of 32+ bytes!!';
    const hs = signJwt(
      { sub: 'hs-user', exp: Math.floor(Date.now() / 1000) + 600 },
      importHmacSecret(secret, 'HS256', { kid: 'hs' }),
    );
    await page.getByLabel('Paste a JWT').fill(hs);
    await page.getByLabel('a key or secret I paste').check();
    await page.getByLabel('Public JWK, JWKS, or HMAC secret').fill(secret);
    await page.getByText('Signature valid.').waitFor();
    await page.getByLabel('Public JWK, JWKS, or HMAC secret').fill(`${secret}x`);
    await page.getByText(/^Signature invalid/).waitFor();
    await page.getByLabel('Paste a JWT').fill('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
    await page.getByText(/alg is "none"/).waitFor();
    await page.getByText(/No exp/).waitFor();
    await page.close();
    expect(cspViolations).toEqual([]);
  });
});
