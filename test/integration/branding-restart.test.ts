/**
 * Branding across a restart with other values (issue 15's settings, the brief's "every setting
 * across a restart"): one SQLite file, three servers one after the other. Each shows only its own
 * name, logo bytes, accent and support link, on the pages, the assets and the mail it sends; the
 * accounts made under one brand sign in under the next; nothing of the previous brand lingers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MailMessage } from '../../src/mail/index.js';
import { createTestServer, type TestServer } from '../support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-brand-restart-'));
const database = join(dir, 'gatehouse.db');
const PASSWORD = 'a password for every brand';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>');
writeFileSync(join(dir, 'acme.png'), PNG);
writeFileSync(join(dir, 'beta.svg'), SVG);

interface Brand {
  readonly env: Record<string, string>;
  readonly name: string;
  /** What the mail calls the service: the name, else the issuer's host. */
  readonly mailName: string;
  readonly accent: string | null;
  readonly logo: { readonly bytes: Buffer; readonly type: string } | null;
  readonly support: string | null;
}

const BRANDS: readonly Brand[] = [
  {
    env: {
      GATEHOUSE_PRODUCT_NAME: 'Acme Login',
      GATEHOUSE_LOGO: join(dir, 'acme.png'),
      GATEHOUSE_ACCENT_COLOR: '#0055aa',
      GATEHOUSE_SUPPORT_URL: 'https://help.acme.example/',
    },
    name: 'Acme Login',
    mailName: 'Acme Login',
    accent: '#0055aa',
    logo: { bytes: PNG, type: 'image/png' },
    support: 'https://help.acme.example/',
  },
  {
    env: {
      GATEHOUSE_PRODUCT_NAME: 'Beta Portal',
      GATEHOUSE_LOGO: join(dir, 'beta.svg'),
      GATEHOUSE_ACCENT_COLOR: '#7a1fa2',
    },
    name: 'Beta Portal',
    mailName: 'Beta Portal',
    accent: '#7a1fa2',
    logo: { bytes: SVG, type: 'image/svg+xml' },
    support: null,
  },
  // No branding at all: Gatehouse's own.
  { env: {}, name: 'Gatehouse', mailName: 'auth.test', accent: null, logo: null, support: null },
];

async function start(brand: Brand, sent: MailMessage[]): Promise<TestServer> {
  return createTestServer({
    path: database,
    env: brand.env,
    mailTransport: {
      async send(message) {
        sent.push(message);
      },
      close() {},
    },
  });
}

describe('branding across restarts with other values', () => {
  it('each start shows its own brand everywhere, and only its own; accounts carry over', async () => {
    const emails: string[] = [];
    for (const [index, brand] of BRANDS.entries()) {
      const sent: MailMessage[] = [];
      const server = await start(brand, sent);
      try {
        const others = BRANDS.filter((b) => b !== brand);
        const home = await server.app.inject({ method: 'GET', url: '/' });
        expect(home.statusCode).toBe(200);
        expect(home.body).toContain(`<title>${brand.name}</title>`);
        const recovery = await server.app.inject({ method: 'GET', url: '/forgot-password' });
        expect(recovery.body).toContain(brand.name);
        for (const other of others.filter((b) => b.name !== 'Gatehouse'))
          for (const page of [home.body, recovery.body]) expect(page).not.toContain(other.name);

        const css = await server.app.inject({ method: 'GET', url: '/assets/brand.css' });
        if (brand.accent !== null) expect(css.body).toContain(brand.accent);
        for (const other of others)
          if (other.accent !== null) expect(css.body).not.toContain(other.accent);

        const logo = await server.app.inject({ method: 'GET', url: '/assets/logo' });
        if (brand.logo === null) expect(logo.statusCode).toBe(404);
        else {
          expect(logo.statusCode).toBe(200);
          expect(logo.headers['content-type']).toContain(brand.logo.type);
          expect(logo.rawPayload.equals(brand.logo.bytes)).toBe(true);
        }
        const favicon = await server.app.inject({ method: 'GET', url: '/favicon.ico' });
        if (brand.logo === null) expect(favicon.headers['content-type']).toContain('image/svg+xml');
        else expect(favicon.rawPayload.equals(brand.logo.bytes)).toBe(true);

        for (const other of others)
          if (other.support !== null && other.support !== brand.support)
            expect(home.body).not.toContain(other.support);
        if (brand.support !== null) expect(home.body).toContain(brand.support);

        // The accounts of earlier brands sign in; a new one gets mail in this brand only.
        for (const email of emails) {
          const login = await server.app.inject({
            method: 'POST',
            url: '/v1/token',
            payload: { grant_type: 'password', username: email, password: PASSWORD },
          });
          expect(login.statusCode, `${email} under ${brand.name}`).toBe(200);
        }
        const email = `user${index}@example.com`;
        const signup = await server.app.inject({
          method: 'POST',
          url: '/v1/signup',
          payload: { email, password: PASSWORD },
        });
        expect(signup.statusCode).toBe(201);
        emails.push(email);
        await server.jobs.deliverMail();
        const mail = sent.find((m) => m.to === email);
        expect(mail, `the verification mail under ${brand.name}`).toBeDefined();
        expect(mail?.subject).toContain(brand.mailName);
        expect(mail?.html).toContain(brand.mailName);
        for (const other of others.filter((b) => b.name !== 'Gatehouse')) {
          expect(mail?.subject).not.toContain(other.name);
          expect(mail?.html).not.toContain(other.name);
        }
      } finally {
        await server.close();
      }
    }
  });

  it('a logo file replaced between two starts: the new bytes are served (read at start, not cached on disk)', async () => {
    const path = join(dir, 'replaced.png');
    const brand = { ...(BRANDS[0] as Brand), env: { GATEHOUSE_LOGO: path } };
    for (const bytes of [PNG, Buffer.concat([PNG, Buffer.from('00ff', 'hex')])]) {
      writeFileSync(path, bytes);
      const server = await start(brand, []);
      try {
        const logo = await server.app.inject({ method: 'GET', url: '/assets/logo' });
        expect(logo.rawPayload.equals(bytes)).toBe(true);
      } finally {
        await server.close();
      }
    }
  });
});
