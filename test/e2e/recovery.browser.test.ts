/**
 * Password reset in Chromium, as a person does it (issue 13): the forgot-password page, the link
 * taken from the message a real SMTP server received, the reset page it opens, then signing in
 * with the new password; no CSP violation on the way, and the token leaves the address bar.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { findLink, startTestSmtp, type TestSmtp } from '../support/smtp.js';

describe.runIf(chromiumGate('the account-recovery page tests'))('account recovery pages', () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    const port = await freePort();
    base = `http://localhost:${port}`;
    server = await createTestServer({
      env: { GATEHOUSE_ISSUER: base, GATEHOUSE_SMTP_URL: smtp.url },
      clock: createFixedClock(Date.now()),
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.stop();
  });

  it('forgot password -> link from the mail -> new password -> sign in', async () => {
    const email = 'chromium@example.com';
    const signup = await fetch(`${base}/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'the old password' }),
    });
    expect(signup.status).toBe(201);
    await smtp.waitFor(1);

    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${base}/forgot-password`);
    await page.locator('#page-forgot').getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('on its way');

    const [, mail] = await smtp.waitFor(2);
    const link = findLink(mail as never, '/reset-password', base);
    await page.goto(link.url);
    // The token is taken out of the address bar at once.
    await expect.poll(() => page.url()).toBe(`${base}/reset-password`);
    const field = page.getByLabel(/New password/);
    expect(await field.getAttribute('autocomplete')).toBe('new-password');
    await field.fill('the new passphrase');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('password is changed');

    // Signing in from the page's origin with the new password works, the old one no longer.
    const signIn = (password: string) =>
      page.evaluate(
        async ([user, secret]) =>
          (
            await fetch('/v1/session', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ email: user, password: secret }),
            })
          ).status,
        [email, password] as const,
      );
    expect(await signIn('the old password')).toBe(401);
    expect(await signIn('the new passphrase')).toBe(204);
    expect(violations).toEqual([]);
  });

  it('verify: the link from the sign-up mail opens the page, one press confirms the address', async () => {
    const email = 'verify-chromium@example.com';
    const before = smtp.received.length;
    const signup = await fetch(`${base}/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a verified password' }),
    });
    expect(signup.status).toBe(201);
    const mails = await smtp.waitFor(before + 1);
    const link = findLink(mails[before] as never, '/verify-email', base);
    const page = await browser.newPage();
    await page.goto(link.url);
    await expect.poll(() => page.url()).toBe(`${base}/verify-email`);
    // Opening the page spends nothing (a mail scanner that follows links verifies nothing).
    const me = async () => {
      const token = await fetch(`${base}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'password',
          username: email,
          password: 'a verified password',
        }),
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const answer = await fetch(`${base}/v1/me`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      return ((await answer.json()) as { email_verified: boolean }).email_verified;
    };
    expect(await me()).toBe(false);
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('is confirmed');
    expect(await me()).toBe(true);
    expect(await page.locator('#resend-email').getAttribute('autocomplete')).toBe('email');
  });
});
