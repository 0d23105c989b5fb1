/**
 * Email change and account deletion in Chromium, as a person does them (issue 13): the account
 * page's form, the confirmation link taken from the message a real SMTP server received, the page
 * it opens; then the undo link from the notice to the old address; then deleting the account from
 * the account page. Every page passes axe-core (WCAG 2.x A and AA rules) and raises no CSP
 * violation; the tokens leave the address bar.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { findLink, type ReceivedMail, startTestSmtp, type TestSmtp } from '../support/smtp.js';

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface AxeViolation {
  id: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * The axe-core violations of the page as it is now. The engine is evaluated through the DevTools
 * protocol, which the page's CSP does not govern (a script tag would be refused, rightly).
 */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // A string: it runs in the page, and the test compiles without the DOM library.
  const violations = await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } }).then((r) => r.violations)`,
  );
  return (violations as AxeViolation[]).map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

describe.runIf(chromiumGate('the email-change page tests'))(
  'email change and deletion pages',
  () => {
    let server: TestServer;
    let smtp: TestSmtp;
    let base: string;
    let browser: Browser;

    beforeAll(async () => {
      smtp = await startTestSmtp();
      const port = await freePort();
      base = `http://localhost:${port}`;
      server = await createTestServer({
        env: {
          GATEHOUSE_ISSUER: base,
          GATEHOUSE_SMTP_URL: smtp.url,
          GATEHOUSE_REVOCATION_SYNC_INTERVAL: '1',
        },
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

    /** The one message to `to` whose subject starts with `subject`, once delivered. */
    async function mailTo(to: string, subject: string): Promise<ReceivedMail> {
      for (let i = 0; i < 50; i++) {
        await server.jobs.deliverMail();
        const found = smtp.received.filter(
          (m) => m.to.includes(to) && new RegExp(`^Subject: ${subject}`, 'm').test(m.raw),
        );
        if (found.length === 1) return found[0] as ReceivedMail;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no message "${subject}" to ${to}`);
    }

    async function signIn(page: Page, email: string, password: string) {
      await page.goto(`${base}/`);
      await page.locator('#auth-form').getByLabel('Email').fill(email);
      await page
        .locator('#auth-form')
        .getByLabel(/^Password/)
        .fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByText(`Signed in as ${email}`).waitFor();
    }

    const meFrom = (page: Page) =>
      page.evaluate(async () => {
        const answer = await fetch('/v1/me');
        return { status: answer.status, body: answer.status === 200 ? await answer.json() : null };
      });

    it('change email from the account page -> link from the mail -> confirm; then undo from the old address', async () => {
      const oldEmail = 'browser-old@example.com';
      const newEmail = 'browser-new@example.com';
      const signup = await fetch(`${base}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: oldEmail, password: 'the first password' }),
      });
      expect(signup.status).toBe(201);

      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await signIn(page, oldEmail, 'the first password');
      expect(await axeViolations(page)).toEqual([]);

      const form = page.locator('#email-form');
      await form.getByLabel('New address').fill(newEmail);
      await form.getByLabel('Current password').fill('the first password');
      await page.getByRole('button', { name: 'Send the confirmation link' }).click();
      await expect.poll(() => page.locator('#notice').textContent()).toContain('Check the inbox');

      const confirmation = await mailTo(newEmail, 'Confirm your new email address');
      const notice = await mailTo(oldEmail, 'Your email address is being changed');
      const confirmLink = findLink(confirmation, '/confirm-email', base);
      await page.goto(confirmLink.url);
      await expect.poll(() => page.url()).toBe(`${base}/confirm-email`);
      expect(await axeViolations(page)).toEqual([]);
      // Opening the page changed nothing: the press does.
      expect((await meFrom(page)).body).toMatchObject({ email: oldEmail });
      await page.getByRole('button', { name: 'Use this address' }).click();
      await expect
        .poll(() => page.locator('#notice').textContent())
        .toContain('now uses this address');
      expect((await meFrom(page)).body).toMatchObject({ email: newEmail, email_verified: true });

      // The old address's owner undoes it, with a new password.
      const undoLink = findLink(notice, '/undo-email-change', base);
      await page.goto(undoLink.url);
      await expect.poll(() => page.url()).toBe(`${base}/undo-email-change`);
      expect(await axeViolations(page)).toEqual([]);
      const field = page.locator('#page-undo-email').getByLabel(/Replace the password/);
      expect(await field.getAttribute('autocomplete')).toBe('new-password');
      await field.fill('the second password');
      await page.getByRole('button', { name: 'Undo the change' }).click();
      await expect.poll(() => page.locator('#notice').textContent()).toContain('change is undone');
      // Every session ended, this browser's cookie session too.
      expect((await meFrom(page)).status).toBe(401);
      await signIn(page, oldEmail, 'the second password');
      expect((await meFrom(page)).body).toMatchObject({ email: oldEmail, email_verified: true });
      expect(violations).toEqual([]);
    });

    it('the axe check finds what it should: an unlabelled field on a page is a violation', async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/confirm-email`);
      expect(await axeViolations(page)).toEqual([]);
      await page.evaluate(
        "document.querySelector('#confirm-email-form').append(Object.assign(document.createElement('input'), { type: 'text' }))",
      );
      expect((await axeViolations(page)).map((v) => v.split(':')[0])).toContain('label');
    });

    it('delete the account from the account page: signed out, and the account is gone', async () => {
      const email = 'browser-delete@example.com';
      const signup = await fetch(`${base}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'a password to delete' }),
      });
      expect(signup.status).toBe(201);
      const { id } = (await signup.json()) as { id: string };
      const page = await browser.newPage();
      await signIn(page, email, 'a password to delete');
      const form = page.locator('#delete-form');
      await form.getByLabel('Current password').fill('not the password');
      await form.getByLabel(/I understand/).check();
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await expect.poll(() => page.locator('#notice').textContent()).toContain('password is wrong');
      expect(await server.context.stores.accounts.findUserById(id)).not.toBeNull();

      await form.getByLabel('Current password').fill('a password to delete');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await expect
        .poll(() => page.locator('#notice').textContent(), { timeout: 10_000 })
        .toContain('account is deleted');
      expect(new URL(page.url()).pathname).toBe('/');
      expect((await meFrom(page)).status).toBe(401);
      expect(await server.context.stores.accounts.findUserById(id)).toBeNull();
    });
  },
);
