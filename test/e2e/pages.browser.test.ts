/**
 * Every page a customer sees, in Chromium at 320, 390, 768 and 1280 px, signed out and signed in
 * (issue 15): the sign-in home and the signed-in home, the account page with its sessions, the
 * recovery pages, the developer tools and the token inspector, and the server-rendered pages of
 * /authorize and /end-session. On each: no sideways scroll, every button, link and field inside
 * the viewport or below it (never beside it, never clipped by a scrolling box), axe-core finds no
 * WCAG 2.x A/AA violation, the CSP refuses nothing, and the brand set by configuration (name,
 * logo, accent, support link, favicon) is there. Screenshots at 390 and 1280 px go to
 * test-results/screenshots, or to SCREENSHOTS_DIR (docs/screenshots, for the README).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { createTestServer, registerTestClient, type TestServer } from '../support/server.js';

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WIDTHS = [320, 390, 768, 1280] as const;
const SHOT_WIDTHS: readonly number[] = [390, 1280];
const SHOTS = process.env.SCREENSHOTS_DIR ?? 'test-results/screenshots';

const PRODUCT = 'Acme Cloud';
const ACCENT = '#c2185b';
const SUPPORT = 'https://help.acme.example/contact';
const EMAIL = 'customer.with.a.rather.long.address@acme-example.com';
const PASSWORD = 'a customer password';
const CLIENT = 'acme-web';
const REDIRECT = 'https://app.acme.example/callback';
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><rect width="64" height="64" rx="12" fill="${ACCENT}"/><path d="M16 48 32 14l16 34h-9l-7-16-7 16z" fill="#fff"/></svg>\n`;

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * The axe-core violations of the page as it is now. The engine is evaluated through the DevTools
 * protocol, which the page's CSP does not govern: a script tag would be refused (shown below).
 */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // Strings: they run in the page, and the tests compile without the DOM library.
  const violations = await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } }).then((r) => r.violations)`,
  );
  return (violations as AxeViolation[]).map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

/** getComputedStyle, typed here: the tests compile without the DOM library. */
interface Styles {
  getComputedStyle(element: unknown): { display: string };
}

interface Layout {
  scrollWidth: number;
  innerWidth: number;
  controls: number;
  problems: string[];
}

/**
 * Sideways scroll, and every visible control: inside the viewport sideways, not above the page,
 * and not cut off by a box that scrolls or clips sideways. Closed <details> are opened first: what
 * they hold must fit too.
 */
const LAYOUT = `(() => {
  for (const details of document.querySelectorAll('details')) details.open = true;
  const width = window.innerWidth;
  const problems = [];
  let controls = 0;
  const selector = 'a[href], button, input:not([type="hidden"]), textarea, select, summary';
  for (const element of document.querySelectorAll(selector)) {
    if (element.closest('[hidden]') || element.getClientRects().length === 0) continue;
    if (getComputedStyle(element).visibility === 'hidden') continue;
    controls++;
    const box = element.getBoundingClientRect();
    const name = element.id || (element.textContent || '').trim().slice(0, 40) || element.outerHTML.slice(0, 60);
    if (box.left < -0.5 || box.right > width + 0.5)
      problems.push(name + ': x ' + Math.round(box.left) + '..' + Math.round(box.right) + ' beyond 0..' + width);
    if (box.top + window.scrollY < -0.5) problems.push(name + ': above the top of the page');
    for (let parent = element.parentElement; parent !== null; parent = parent.parentElement) {
      const overflow = getComputedStyle(parent).overflowX;
      if (overflow === 'visible') continue;
      const outer = parent.getBoundingClientRect();
      if (box.left < outer.left - 0.5 || box.right > outer.right + 0.5)
        problems.push(name + ': cut off sideways by ' + parent.tagName.toLowerCase() + '.' + parent.className);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, controls, problems };
})()`;

interface Brand {
  title: string;
  name: string | null;
  logoWidth: number;
  support: string | null;
  accent: string;
  icon: string | null;
}

const BRAND = `(() => ({
  title: document.title,
  name: document.querySelector('header .brand-name')?.textContent ?? null,
  logoWidth: document.querySelector('header img.logo')?.naturalWidth ?? 0,
  support: document.querySelector('footer a')?.getAttribute('href') ?? null,
  accent: getComputedStyle(document.documentElement).getPropertyValue('--accent').trim(),
  icon: document.querySelector('link[rel="icon"]')?.getAttribute('href') ?? null,
}))()`;

/** How a page is reached, and what shows it is ready. */
interface PageCase {
  readonly name: string;
  readonly path: string | (() => string);
  /** A selector that is visible once the page is in its final state. */
  readonly ready: string;
  readonly signedIn: boolean | 'both';
  /** Puts the page in the state shown (fills a field, follows a form). */
  readonly prepare?: (page: Page) => Promise<void>;
}

describe.runIf(chromiumGate('the page layout and branding tests'))(
  'every page, branded, at phone to desktop widths',
  () => {
    let server: TestServer;
    let base: string;
    let browser: Browser;
    let signedIn: BrowserContext;
    let accessToken: string;
    const dir = join(tmpdir(), `gatehouse-brand-${process.pid}`);
    const cspViolations: string[] = [];
    const pageErrors: string[] = [];

    const authorizeQuery = (extra: Record<string, string> = {}) =>
      new URLSearchParams({
        client_id: CLIENT,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'openid email',
        state: 'layout-test',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM',
        code_challenge_method: 'S256',
        ...extra,
      }).toString();

    const CASES: readonly PageCase[] = [
      { name: 'home', path: '/', ready: '#home-signed-out h1', signedIn: false },
      { name: 'home-signed-in', path: '/', ready: '#home-signed-in h1', signedIn: true },
      { name: 'account', path: '/account', ready: '#sessions tr >> nth=1', signedIn: true },
      {
        name: 'forgot-password',
        path: '/forgot-password',
        ready: '#page-forgot h1',
        signedIn: 'both',
      },
      {
        name: 'reset-password',
        path: '/reset-password',
        ready: '#page-reset h1',
        signedIn: 'both',
      },
      { name: 'verify-email', path: '/verify-email', ready: '#page-verify h1', signedIn: 'both' },
      {
        name: 'confirm-email',
        path: '/confirm-email',
        ready: '#page-confirm-email h1',
        signedIn: 'both',
      },
      {
        name: 'undo-email-change',
        path: '/undo-email-change',
        ready: '#page-undo-email h1',
        signedIn: 'both',
      },
      { name: 'developer', path: '/developer', ready: '#page-developer h1', signedIn: 'both' },
      {
        name: 'inspect',
        path: '/inspect',
        ready: '#signature.valid',
        signedIn: 'both',
        prepare: async (page) => {
          await page.getByLabel('Paste a JWT').fill(accessToken);
        },
      },
      {
        name: 'authorize',
        path: () => `/authorize?${authorizeQuery({ prompt: 'login' })}`,
        ready: 'form[action="/authorize"]',
        signedIn: 'both',
      },
      {
        name: 'authorize-error',
        path: () => `/authorize?${authorizeQuery({ client_id: 'no-such-client' })}`,
        ready: '#notice.error',
        signedIn: 'both',
      },
      {
        name: 'end-session',
        path: '/end-session',
        ready: 'form[action="/end-session"]',
        signedIn: 'both',
      },
      {
        name: 'signed-out',
        path: '/end-session',
        ready: 'text=You are signed out',
        signedIn: false,
        prepare: async (page) => {
          await page.locator('main').getByRole('button', { name: 'Sign out' }).click();
        },
      },
    ];

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'logo.svg'), LOGO);
      const port = await freePort();
      base = `http://localhost:${port}`;
      server = await createTestServer({
        env: {
          GATEHOUSE_ISSUER: base,
          GATEHOUSE_PRODUCT_NAME: PRODUCT,
          GATEHOUSE_LOGO: join(dir, 'logo.svg'),
          GATEHOUSE_ACCENT_COLOR: ACCENT,
          GATEHOUSE_SUPPORT_URL: SUPPORT,
        },
        clock: createFixedClock(Date.now()),
      });
      await server.app.listen({ port, host: '127.0.0.1' });
      await registerTestClient(server, CLIENT, {
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'email'],
        redirectUris: [REDIRECT],
      });
      const signup = await server.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: EMAIL, password: PASSWORD },
      });
      expect(signup.statusCode).toBe(201);
      // A second session from a phone app with a long user agent: the sessions list has two rows.
      const other = await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'password', username: EMAIL, password: PASSWORD },
        headers: {
          'user-agent':
            'AcmeCloudMobile/7.12.3 (com.acme.cloud; build:7120345; iOS 18.1.1) Alamofire/5.9.1',
        },
      });
      accessToken = other.json().access_token;
      browser = await launchChromium();
      // Signed in through the page itself, with the cookie the configuration chose.
      signedIn = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await signedIn.newPage();
      await page.goto(`${base}/`);
      await page.locator('#auth-form').getByLabel('Email').fill(EMAIL);
      await page.locator('#auth-form').getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByText(`Signed in as ${EMAIL}`).waitFor();
      await page.close();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    async function open(context: BrowserContext, width: number, item: PageCase): Promise<Page> {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: width < 768 ? 844 : 900 });
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text()))
          cspViolations.push(`${item.name}@${width}: ${message.text()}`);
      });
      page.on('pageerror', (error) => pageErrors.push(`${item.name}@${width}: ${error.message}`));
      const path = typeof item.path === 'function' ? item.path() : item.path;
      await page.goto(`${base}${path}`);
      if (item.prepare !== undefined) await item.prepare(page);
      await page.locator(item.ready).first().waitFor();
      // The header has heard from /v1/me (script pages), and every image has loaded.
      if (!/^(authorize|end-session|signed-out)/.test(item.name))
        await page.locator('#nav-sign-in:not([hidden]), #nav-user:not([hidden])').first().waitFor();
      await page.waitForFunction('[...document.images].every((image) => image.complete)');
      return page;
    }

    /** The checks every page passes; returns nothing, fails with the page's name and width. */
    async function checkPage(
      page: Page,
      item: PageCase,
      width: number,
      state: string,
      logo = true,
    ) {
      const where = `${item.name} (${state}) at ${width} px`;
      const brand = (await page.evaluate(BRAND)) as Brand;
      expect(brand.title, where).toContain(PRODUCT);
      expect(brand.name, where).toBe(PRODUCT);
      expect(brand.logoWidth, `${where}: the logo loads`).toBe(logo ? 64 : 0);
      expect(brand.support, where).toBe(SUPPORT);
      expect(brand.accent, where).toBe(ACCENT);
      expect(brand.icon, where).toBe(logo ? '/assets/logo' : '/assets/favicon.svg');
      if (
        SHOT_WIDTHS.includes(width) &&
        state === (item.signedIn === true ? 'signed in' : 'signed out')
      )
        await page.screenshot({ path: join(SHOTS, `${item.name}-${width}.png`), fullPage: true });
      const layout = (await page.evaluate(LAYOUT)) as Layout;
      expect(layout.scrollWidth, `${where}: sideways scroll`).toBeLessThanOrEqual(
        layout.innerWidth,
      );
      expect(layout.controls, where).toBeGreaterThan(0);
      expect(layout.problems, where).toEqual([]);
      expect(await axeViolations(page), where).toEqual([]);
    }

    for (const width of WIDTHS) {
      it(`signed out, ${width} px: no sideways scroll, every control reachable, axe clean, branded`, async () => {
        const context = await browser.newContext();
        for (const item of CASES.filter((c) => c.signedIn !== true)) {
          const page = await open(context, width, item);
          await checkPage(page, item, width, 'signed out');
          if (item.name === 'home') expect(await page.locator('#sign-out').isVisible()).toBe(false);
          await page.close();
        }
        await context.close();
        expect(cspViolations).toEqual([]);
        expect(pageErrors).toEqual([]);
      }, 240_000);

      it(`signed in, ${width} px: the same, and who is signed in with a way out on every page`, async () => {
        for (const item of CASES.filter((c) => c.signedIn !== false)) {
          const page = await open(signedIn, width, item);
          await checkPage(page, item, width, 'signed in');
          const scripted = !/^(authorize|end-session)/.test(item.name);
          if (scripted) {
            // The header says who, links to the account and signs out, whatever the page.
            await page.locator('#nav-user').getByText(EMAIL).waitFor();
            expect(await page.locator('#nav-account').isVisible()).toBe(true);
            expect(await page.locator('header #sign-out').isVisible()).toBe(true);
          } else if (item.name === 'authorize-error') {
            // No script there: a form that ends the browser's session.
            expect(
              await page.locator('header').getByRole('button', { name: 'Sign out' }).isVisible(),
            ).toBe(true);
          }
          await page.close();
        }
        expect(cspViolations).toEqual([]);
        expect(pageErrors).toEqual([]);
      }, 240_000);
    }

    it('in dark mode (prefers-color-scheme) at 390 px: dark background, axe clean on every page', async () => {
      const context = await browser.newContext({ colorScheme: 'dark' });
      for (const item of CASES.filter((c) => c.signedIn !== true)) {
        const page = await open(context, 390, item);
        const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
        expect(background, item.name).toBe('rgb(23, 25, 28)');
        expect(await axeViolations(page), `${item.name} (dark)`).toEqual([]);
        if (item.name === 'home' || item.name === 'authorize')
          await page.screenshot({ path: join(SHOTS, `${item.name}-dark-390.png`), fullPage: true });
        await page.close();
      }
      await context.close();
      expect(cspViolations).toEqual([]);
    }, 240_000);

    it('the account page lists sessions as cards on a phone, each with its action in reach', async () => {
      const page = await open(signedIn, 320, CASES.find((c) => c.name === 'account') as PageCase);
      const rows = page.locator('#sessions tr');
      expect(await rows.count()).toBe(2);
      const other = rows.filter({ hasText: 'AcmeCloudMobile' });
      // A card: the row is a block as wide as the list, its cells stacked under each other.
      const display = () =>
        other.evaluate((row) => (globalThis as unknown as Styles).getComputedStyle(row).display);
      expect(await display()).toBe('block');
      // Stacked: each value on a line of its own, under the one before.
      const top = async (label: string) =>
        ((await other.locator(`td[data-label="${label}"]`).boundingBox()) as { y: number }).y;
      expect(await top('IP')).toBeGreaterThan(await top('Device'));
      expect(await top('Last used')).toBeGreaterThan(await top('Created'));
      const button = other.getByRole('button', { name: 'End this session' });
      const box = await button.boundingBox();
      expect(box).not.toBeNull();
      expect((box as { x: number; width: number }).x).toBeGreaterThanOrEqual(0);
      expect(
        (box as { x: number; width: number }).x + (box as { width: number }).width,
      ).toBeLessThanOrEqual(320);
      // At 1280 px the same list is a table again.
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(await display()).toBe('table-row');
      await page.close();
    });

    it('the forms carry the autocomplete tokens password managers need', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/`);
      const attribute = (selector: string) => page.locator(selector).getAttribute('autocomplete');
      expect(await attribute('#email')).toBe('username');
      expect(await attribute('#password')).toBe('current-password');
      expect(await attribute('#signup-email')).toBe('username');
      expect(await attribute('#signup-password')).toBe('new-password');
      // The change-password form names its user in a hidden field, filled once signed in.
      const account = await open(
        signedIn,
        390,
        CASES.find((c) => c.name === 'account') as PageCase,
      );
      const username = account.locator('#password-form input[autocomplete="username"]');
      expect(await username.inputValue()).toBe(EMAIL);
      expect(await username.isVisible()).toBe(false);
      expect(await account.locator('#current-password').getAttribute('autocomplete')).toBe(
        'current-password',
      );
      expect(await account.locator('#new-password').getAttribute('autocomplete')).toBe(
        'new-password',
      );
      const authorize = await context.newPage();
      await authorize.goto(`${base}/authorize?${authorizeQuery()}`);
      expect(await authorize.locator('#email').getAttribute('autocomplete')).toBe('username');
      expect(await authorize.locator('#password').getAttribute('autocomplete')).toBe(
        'current-password',
      );
      expect(await authorize.locator('#signup-password').getAttribute('autocomplete')).toBe(
        'new-password',
      );
      await account.close();
      await context.close();
    });

    it('the sign-in form asks no developer question; the mode choice lives at /developer', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await page.locator('#home-signed-out').waitFor();
      expect(await page.locator('#page-home input[type="radio"]').count()).toBe(0);
      expect(
        await page
          .locator('#page-home')
          .getByText(/refresh tokens|session cookie/)
          .count(),
      ).toBe(0);
      expect(await page.locator('a[href="/inspect"]:visible').count()).toBe(0);
      await page.goto(`${base}/developer`);
      expect(await page.getByLabel('a session cookie').isChecked()).toBe(true);
      await page.getByRole('link', { name: 'Token inspector' }).click();
      await page.getByLabel('Paste a JWT').waitFor();
      await context.close();
    });

    it('the inspector says once that input is not a token, and shows no empty boxes', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/inspect`);
      for (const input of ['hello world', 'a.b', 'not.a.token', 'eyJhbGciOiJub25lIn0.WzFd.x']) {
        await page.getByLabel('Paste a JWT').fill(input);
        await page
          .locator('#inspect-error')
          .getByText(/^This is not a JWT: /)
          .waitFor();
        expect(await page.getByRole('alert').count(), input).toBe(1);
        for (const box of ['#header', '#payload', '#signature'])
          expect(await page.locator(box).isVisible(), `${input} ${box}`).toBe(false);
        expect(await page.getByRole('heading', { name: 'Header' }).isVisible()).toBe(false);
      }
      await page.getByLabel('Paste a JWT').fill(accessToken);
      await page.getByText('Signature valid.').waitFor();
      expect(await page.locator('#inspect-error').isVisible()).toBe(false);
      await page.getByLabel('Paste a JWT').fill('');
      expect(await page.locator('#inspect-result').isVisible()).toBe(false);
      expect(await page.locator('#inspect-error').isVisible()).toBe(false);
      await context.close();
    });

    it('GATEHOUSE_WEB_SIGN_IN=tokens: the same form signs in with tokens; the check-email page of /authorize is branded and fits', async () => {
      const port = await freePort();
      const tokensBase = `http://localhost:${port}`;
      const tokens = await createTestServer({
        env: {
          GATEHOUSE_ISSUER: tokensBase,
          GATEHOUSE_PRODUCT_NAME: PRODUCT,
          GATEHOUSE_ACCENT_COLOR: ACCENT,
          GATEHOUSE_SUPPORT_URL: SUPPORT,
          GATEHOUSE_WEB_SIGN_IN: 'tokens',
          GATEHOUSE_REQUIRE_VERIFIED_EMAIL: 'true',
        },
      });
      try {
        await tokens.app.listen({ port, host: '127.0.0.1' });
        await registerTestClient(tokens, CLIENT, {
          grantTypes: ['authorization_code', 'refresh_token'],
          scopes: ['openid', 'email'],
          redirectUris: [REDIRECT],
        });
        const user = (
          await tokens.app.inject({
            method: 'POST',
            url: '/v1/signup',
            payload: { email: EMAIL, password: PASSWORD },
          })
        ).json() as { id: string };
        await tokens.context.stores.accounts.markEmailVerified(user.id, EMAIL, Date.now());
        const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
        const page = await context.newPage();
        await page.goto(`${tokensBase}/`);
        expect(await page.locator('#page-home input[type="radio"]').count()).toBe(0);
        await page.locator('#auth-form').getByLabel('Email').fill(EMAIL);
        await page.locator('#auth-form').getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByText('Signed in with access + refresh tokens.').waitFor();
        // Tokens, not a cookie: nothing in the cookie jar, the tokens in this tab's storage.
        expect(await context.cookies()).toEqual([]);
        expect(await page.evaluate("sessionStorage.getItem('gatehouse.mode')")).toBe('token');

        // A sign-up on the authorization page that must confirm its address first.
        const query = new URLSearchParams({
          client_id: CLIENT,
          redirect_uri: REDIRECT,
          response_type: 'code',
          scope: 'openid',
          state: 's',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM',
          code_challenge_method: 'S256',
        });
        for (const width of WIDTHS) {
          const fresh = await browser.newContext({ viewport: { width, height: 844 } });
          const signup = await fresh.newPage();
          signup.on('console', (message) => {
            if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
          });
          await signup.goto(`${tokensBase}/authorize?${query}`);
          await signup.getByText('New here? Create an account').click();
          await signup.locator('#signup-email').fill(`new-${width}@acme-example.com`);
          await signup.locator('#signup-password').fill(PASSWORD);
          await signup.getByRole('button', { name: 'Create account' }).click();
          await signup.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
          const item: PageCase = { name: 'check-email', path: '', ready: 'h1', signedIn: false };
          await checkPage(signup, { ...item }, width, 'signed out', false);
          await fresh.close();
        }
        await context.close();
        expect(cspViolations).toEqual([]);
      } finally {
        await tokens.close();
      }
    }, 240_000);

    it('serves the favicon and the logo; the CSP refuses an injected inline script', async () => {
      const icon = await fetch(`${base}/favicon.ico`);
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
      expect(await icon.text()).toBe(LOGO);
      const logo = await fetch(`${base}/assets/logo`);
      expect(logo.headers.get('content-security-policy')).toContain("default-src 'none'");
      const css = await (await fetch(`${base}/assets/brand.css`)).text();
      expect(css).toContain(`--accent: ${ACCENT};`);
      // Why axe is evaluated through DevTools: the page's CSP refuses a script tag's content.
      const context = await browser.newContext();
      const page = await context.newPage();
      const refused: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
      });
      await page.goto(`${base}/`);
      await expect(
        page.addScriptTag({ content: 'document.documentElement.dataset.injected = "yes";' }),
      ).rejects.toThrow(/Content Security Policy/);
      expect(await page.evaluate('document.documentElement.dataset.injected ?? null')).toBeNull();
      await expect.poll(() => refused.length).toBeGreaterThan(0);
      await context.close();
    });
  },
);
