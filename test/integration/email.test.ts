/**
 * Email verification and password reset over HTTP, with a real SMTP server receiving the
 * messages (issue 13): every link is taken from a received message and followed; used, expired
 * and altered links are refused; a reset ends every session; asking for a reset answers the same
 * for known and unknown addresses; an SMTP outage delays messages and loses none; the embedded
 * default writes .eml files; two instances never send one message twice. On SQLite and on
 * PostgreSQL + Redis.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/core/index.js';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import { createMailDelivery, type MailMessage, type MailTransport } from '../../src/mail/index.js';
import type { ServerConfig } from '../../src/server/config.js';
import { openPostgres } from '../../src/storage/postgres/database.js';
import { createSqliteStores, createSqlStores } from '../../src/storage/sql/index.js';
import { openSqlite } from '../../src/storage/sqlite/database.js';
import { createTestServer, signupAndLogin, type TestServer } from '../support/server.js';
import { dropSchema, POSTGRES_URL, serverBackends, uniqueSchema } from '../support/services.js';
import { linkToken, startTestSmtp, type TestSmtp } from '../support/smtp.js';

const backends = await serverBackends();
const withPostgres = backends.length > 1;
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function setup(
  backend: { postgres?: boolean; redisUrl?: string },
  env: Record<string, string> = {},
  claims?: ServerConfig['claims'],
): Promise<{ server: TestServer; smtp: TestSmtp }> {
  const smtp = await startTestSmtp();
  const server = await createTestServer({
    ...backend,
    env: { GATEHOUSE_SMTP_URL: smtp.url, ...env },
    ...(claims === undefined ? {} : { claims }),
  });
  cleanups.push(async () => {
    await server.close();
    await smtp.stop();
  });
  return { server, smtp };
}

const post = (server: TestServer, url: string, payload: unknown, ip = '198.51.100.7') =>
  server.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress: ip });

const login = (server: TestServer, email: string, password: string) =>
  post(server, '/v1/token', { grant_type: 'password', username: email, password });

const me = (server: TestServer, accessToken: string) =>
  server.app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { authorization: `Bearer ${accessToken}` },
  });

describe.each(backends)('email links over HTTP (%s)', (_name, backend) => {
  it('sign-up sends a verification link; following it verifies the address, once', async () => {
    const { server, smtp } = await setup(backend);
    const { pair, email } = await signupAndLogin(server, 'verify@example.com');
    expect((await me(server, pair.access_token)).json()).toMatchObject({ email_verified: false });
    const [mail] = await smtp.waitFor(1);
    expect(mail?.to).toEqual([email]);
    expect(mail?.raw).toMatch(/^Subject: Confirm your email address \(auth\.test\)/m);
    const token = linkToken(mail as never, '/verify-email');

    // The link opens a page (no token reaches the server in the URL: it is in the fragment).
    const page = await server.app.inject({ method: 'GET', url: '/verify-email' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");

    const verified = await post(server, '/v1/email/verify', { token });
    expect(verified.statusCode).toBe(204);
    expect((await me(server, pair.access_token)).json()).toMatchObject({ email_verified: true });
    const again = await post(server, '/v1/email/verify', { token });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ error: 'invalid_link', error_description: expect.any(String) });
    const events = await server.context.stores.events.listEvents({
      type: 'email_verified',
      limit: 5,
    });
    expect(events).toHaveLength(1);
  });

  it('the custom-claims hook sees emailVerified: a claim once verified, from the next refresh', async () => {
    const { server, smtp } = await setup(backend, {}, ({ user }) => ({
      email_verified: user.emailVerified,
    }));
    const { pair } = await signupAndLogin(server, 'claims@example.com');
    expect(decodeJwtUnverified(pair.access_token).payload.email_verified).toBe(false);
    const [mail] = await smtp.waitFor(1);
    const token = linkToken(mail as never, '/verify-email');
    expect((await post(server, '/v1/email/verify', { token })).statusCode).toBe(204);
    const refreshed = await post(server, '/v1/token', {
      grant_type: 'refresh_token',
      refresh_token: pair.refresh_token,
    });
    expect(refreshed.statusCode).toBe(200);
    const next = refreshed.json() as typeof pair;
    expect(decodeJwtUnverified(next.access_token).payload.email_verified).toBe(true);
  });

  it('GATEHOUSE_REQUIRE_VERIFIED_EMAIL refuses sign-in until verified, and only with the right password', async () => {
    const { server, smtp } = await setup(backend, { GATEHOUSE_REQUIRE_VERIFIED_EMAIL: 'true' });
    const email = 'strict@example.com';
    expect((await post(server, '/v1/signup', { email, password: PASSWORD })).statusCode).toBe(201);
    const refused = await login(server, email, PASSWORD);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'email_not_verified' });
    expect(refused.json()).not.toHaveProperty('access_token');
    // A wrong password learns nothing about the address.
    expect((await login(server, email, 'not the password')).json()).toMatchObject({
      error: 'invalid_grant',
    });
    const cookie = await server.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email, password: PASSWORD },
      headers: { origin: 'https://auth.test' },
    });
    expect(cookie.statusCode).toBe(403);
    expect(cookie.headers['set-cookie']).toBeUndefined();

    // A new link can be asked for without signing in (the same answer for any address).
    const resend = await post(server, '/v1/email/verification', { email });
    expect(resend.statusCode).toBe(202);
    const mails = await smtp.waitFor(2);
    const first = linkToken(mails[0] as never, '/verify-email');
    const second = linkToken(mails[1] as never, '/verify-email');
    expect(second).not.toBe(first);
    expect((await post(server, '/v1/email/verify', { token: second })).statusCode).toBe(204);
    expect((await login(server, email, PASSWORD)).statusCode).toBe(200);
  });

  it('password reset: link from the mail, new password, every old session ended', async () => {
    const { server, smtp } = await setup(backend);
    const { pair, email, user } = await signupAndLogin(server, 'reset@example.com', PASSWORD);
    const other = (await login(server, email, PASSWORD)).json() as typeof pair;
    await smtp.waitFor(1); // the verification message

    const asked = await post(server, '/v1/password/forgot', { email });
    expect(asked.statusCode).toBe(202);
    const mails = await smtp.waitFor(2);
    const mail = mails[1] as never;
    expect((mail as { raw: string }).raw).toMatch(/^Subject: Reset your password/m);
    const token = linkToken(mail, '/reset-password');
    expect((await server.app.inject({ method: 'GET', url: '/reset-password' })).statusCode).toBe(
      200,
    );

    // A refused password leaves the link usable.
    const weak = await post(server, '/v1/password/reset', { token, new_password: 'short' });
    expect(weak.json()).toMatchObject({ error: 'invalid_password' });
    // An altered link is refused and changes nothing.
    const altered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const refused = await post(server, '/v1/password/reset', {
      token: altered,
      new_password: NEW_PASSWORD,
    });
    expect(refused.json()).toMatchObject({ error: 'invalid_link' });

    const reset = await post(server, '/v1/password/reset', { token, new_password: NEW_PASSWORD });
    expect(reset.statusCode).toBe(204);
    // Every session ended: access tokens refused at once, refresh tokens refused.
    expect((await me(server, pair.access_token)).statusCode).toBe(401);
    expect((await me(server, other.access_token)).statusCode).toBe(401);
    const refresh = await post(server, '/v1/token', {
      grant_type: 'refresh_token',
      refresh_token: other.refresh_token,
    });
    expect(refresh.statusCode).toBe(400);
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
    // The old password no longer works, the new one does; the link works once.
    expect((await login(server, email, PASSWORD)).statusCode).toBe(400);
    const fresh = await login(server, email, NEW_PASSWORD);
    expect(fresh.statusCode).toBe(200);
    expect((await me(server, (fresh.json() as typeof pair).access_token)).json()).toMatchObject({
      email_verified: true,
    });
    const reused = await post(server, '/v1/password/reset', {
      token,
      new_password: 'x'.repeat(12),
    });
    expect(reused.json()).toMatchObject({ error: 'invalid_link' });
    const events = await server.context.stores.events.listEvents({
      type: 'password_reset',
      limit: 5,
    });
    expect(events.map((e) => e.userId)).toEqual([user.id]);
  });

  it('one link used twice at once: exactly one reset passes', async () => {
    const { server, smtp } = await setup(backend);
    const { email } = await signupAndLogin(server, 'race@example.com', PASSWORD);
    await post(server, '/v1/password/forgot', { email });
    const mails = await smtp.waitFor(2);
    const token = linkToken(mails[1] as never, '/reset-password');
    const answers = await Promise.all(
      ['first new passphrase', 'second new passphrase', 'third new passphrase'].map((p) =>
        post(server, '/v1/password/reset', { token, new_password: p }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([204, 400, 400]);
    const winner = ['first new passphrase', 'second new passphrase', 'third new passphrase'][
      answers.findIndex((a) => a.statusCode === 204)
    ] as string;
    expect((await login(server, email, winner)).statusCode).toBe(200);
    const resets = await server.context.stores.events.listEvents({
      type: 'password_reset',
      limit: 5,
    });
    expect(resets).toHaveLength(1);
  });

  it('hostile links: malformed, unknown, altered, of the other purpose; refused alike, never echoed', async () => {
    const lines: string[] = [];
    const smtp = await startTestSmtp();
    const server = await createTestServer({
      ...backend,
      env: { GATEHOUSE_SMTP_URL: smtp.url },
      logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
    });
    cleanups.push(async () => {
      await server.close();
      await smtp.stop();
    });
    const { email } = await signupAndLogin(server, 'hostile@example.com', PASSWORD);
    await post(server, '/v1/password/forgot', { email });
    const mails = await smtp.waitFor(2);
    const verify = linkToken(mails[0] as never, '/verify-email');
    const reset = linkToken(mails[1] as never, '/reset-password');
    const [id, secret] = reset.split('.') as [string, string];
    const sentinel = `${id}.SENTINEL${secret.slice(8)}`;
    const cases: Array<[string, string, string]> = [
      ['/v1/password/reset', 'not-a-token', 'malformed'],
      ['/v1/password/reset', `${'A'.repeat(22)}.${secret}`, 'unknown'],
      ['/v1/password/reset', sentinel, 'altered'],
      ['/v1/password/reset', verify, 'verification link at reset'],
      ['/v1/email/verify', reset, 'reset link at verification'],
    ];
    for (const [url, token, what] of cases) {
      const payload =
        url === '/v1/password/reset' ? { token, new_password: NEW_PASSWORD } : { token };
      const answer = await post(server, url, payload);
      expect(answer.statusCode, what).toBe(400);
      expect(answer.json(), what).toEqual({
        error: 'invalid_link',
        error_description: 'This link is invalid, expired or already used; ask for a new one.',
      });
    }
    expect(lines.join('\n')).not.toContain('SENTINEL');
    expect(lines.join('\n')).not.toContain(secret);
    const refused = await server.context.stores.events.listEvents({
      type: 'email_link_refused',
      limit: 10,
    });
    expect(refused).toHaveLength(cases.length);
    // Nothing was spent: both real links still work.
    expect((await post(server, '/v1/email/verify', { token: verify })).statusCode).toBe(204);
    expect(
      (await post(server, '/v1/password/reset', { token: reset, new_password: NEW_PASSWORD }))
        .statusCode,
    ).toBe(204);
  });

  it('resend: the same answer for unknown, unverified and verified addresses; a link only to the unverified; throttled', async () => {
    const { server, smtp } = await setup(backend);
    await signupAndLogin(server, 'unverified@example.com', PASSWORD);
    await signupAndLogin(server, 'verified@example.com', PASSWORD);
    const mails = await smtp.waitFor(2);
    const done = mails.find((m) => m.to[0] === 'verified@example.com');
    const token = linkToken(done as never, '/verify-email');
    expect((await post(server, '/v1/email/verify', { token })).statusCode).toBe(204);
    const answers = [];
    for (const email of ['unverified@example.com', 'verified@example.com', 'nobody@example.com'])
      answers.push(await post(server, '/v1/email/verification', { email }, '203.0.113.50'));
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    await server.jobs.deliverMail();
    expect(smtp.received.map((m) => m.to[0])).toHaveLength(3);
    expect(smtp.received[2]?.to).toEqual(['unverified@example.com']);
    // Per recipient: a few, then 429 with Retry-After, for any address alike.
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (
          await post(
            server,
            '/v1/email/verification',
            { email: 'nobody@example.com' },
            `203.0.113.${60 + i}`,
          )
        ).statusCode,
      );
    expect(statuses).toEqual([202, 202, 202, 429]);
  });

  it('an expired reset link is refused (30 minutes by default)', async () => {
    const { server, smtp } = await setup(backend);
    const { email } = await signupAndLogin(server, 'late@example.com', PASSWORD);
    await post(server, '/v1/password/forgot', { email });
    const mails = await smtp.waitFor(2);
    const token = linkToken(mails[1] as never, '/reset-password');
    server.clock.advanceMs(30 * 60_000);
    const late = await post(server, '/v1/password/reset', { token, new_password: NEW_PASSWORD });
    expect(late.statusCode).toBe(400);
    expect(late.json()).toMatchObject({ error: 'invalid_link' });
    expect((await login(server, email, PASSWORD)).statusCode).toBe(200);
  });

  it('a reset link still works in its last millisecond', async () => {
    const { server, smtp } = await setup(backend);
    const { email } = await signupAndLogin(server, 'edge@example.com', PASSWORD);
    await post(server, '/v1/password/forgot', { email });
    const mails = await smtp.waitFor(2);
    const token = linkToken(mails[1] as never, '/reset-password');
    server.clock.advanceMs(30 * 60_000 - 1);
    const reset = await post(server, '/v1/password/reset', { token, new_password: NEW_PASSWORD });
    expect(reset.statusCode).toBe(204);
    expect((await login(server, email, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('a reset asked for a known and an unknown address: the same status and body', async () => {
    const { server, smtp } = await setup(backend);
    await signupAndLogin(server, 'known@example.com', PASSWORD);
    await smtp.waitFor(1);
    const known = await post(
      server,
      '/v1/password/forgot',
      { email: 'known@example.com' },
      '203.0.113.1',
    );
    const unknown = await post(
      server,
      '/v1/password/forgot',
      { email: 'nobody@example.com' },
      '203.0.113.2',
    );
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.body).toBe(known.body);
    expect(known.statusCode).toBe(202);
    const mails = await smtp.waitFor(3);
    const notice = mails.find((m) => m.to[0] === 'nobody@example.com');
    expect(notice?.decoded).toContain('no account uses it');
    expect(notice?.decoded).not.toContain('#token=');
    // The same work: each request stored a link (the unknown one, of no account) with its message.
    const far = server.clock.nowMs() + 400 * 86_400_000;
    expect(await server.context.stores.emailTokens.pruneTokens(far)).toBe(3);
    // Throttled per recipient, from any client address, the same way for both: 4 an hour.
    for (const email of ['known@example.com', 'nobody@example.com']) {
      const answers = [];
      for (let i = 0; i < 4; i++)
        answers.push(
          (await post(server, '/v1/password/forgot', { email }, `203.0.113.${10 + i}`)).statusCode,
        );
      expect(answers).toEqual([202, 202, 202, 429]);
    }
  });

  it('SMTP down: the request succeeds, the message goes out once SMTP is back', async () => {
    const { server, smtp } = await setup(backend);
    await signupAndLogin(server, 'outage@example.com', PASSWORD);
    await smtp.waitFor(1);
    await smtp.stop();
    const asked = await post(server, '/v1/password/forgot', { email: 'outage@example.com' });
    expect(asked.statusCode).toBe(202);
    await server.jobs.deliverMail();
    expect(await server.context.stores.outbox.countPending()).toBe(1);
    await smtp.start();
    // Not due yet (5 s backoff on the injected clock): nothing is sent.
    await server.jobs.deliverMail();
    expect(smtp.received).toHaveLength(1);
    server.clock.advanceMs(5_000);
    await server.jobs.deliverMail();
    const mails = await smtp.waitFor(2);
    expect(linkToken(mails[1] as never, '/reset-password')).toMatch(/\./);
    expect(await server.context.stores.outbox.countPending()).toBe(0);
  });
});

describe('the embedded default: .eml files', () => {
  it('writes each message as an .eml file in GATEHOUSE_MAIL_OUTBOX and logs the file, not the link', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-outbox-'));
    const lines: string[] = [];
    const server = await createTestServer({
      env: { GATEHOUSE_MAIL_OUTBOX: dir },
      logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
    });
    cleanups.push(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    await signupAndLogin(server, 'eml@example.com', PASSWORD);
    await server.jobs.deliverMail();
    const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const raw = await readFile(join(dir, files[0] as string), 'utf8');
    expect(raw).toMatch(/^To: eml@example\.com/m);
    const token = linkToken(
      { decoded: raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=') },
      '/verify-email',
    );
    const logged = lines.filter((line) => line.includes('outbox'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(files[0]);
    expect(lines.join('\n')).not.toContain(token.split('.')[1]);
    expect((await post(server, '/v1/email/verify', { token })).statusCode).toBe(204);
  });
});

describe('two instances never send one message twice', () => {
  const counting = () => {
    const sent: string[] = [];
    const transport: MailTransport = {
      async send(message: MailMessage) {
        // Hand the event loop over, as a network write would: the other instance runs meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        sent.push(message.id);
      },
      close() {},
    };
    return { sent, transport };
  };
  const message = (i: number): MailMessage => ({
    id: `m${i}`,
    to: `r${i}@example.com`,
    subject: 's',
    text: 't',
    html: '<p>h</p>',
  });

  const run = async (storesA: ReturnType<typeof createSqliteStores>, storesB: typeof storesA) => {
    for (let i = 0; i < 40; i++) await storesA.outbox.enqueue(message(i), 1000);
    const clock = { nowMs: () => 2000 };
    const a = counting();
    const b = counting();
    const one = createMailDelivery({
      outbox: storesA.outbox,
      transport: a.transport,
      clock,
      random: systemRandom,
      batchSize: 7,
    });
    const two = createMailDelivery({
      outbox: storesB.outbox,
      transport: b.transport,
      clock,
      random: systemRandom,
      batchSize: 7,
    });
    for (let round = 0; round < 8; round++) await Promise.all([one.deliverDue(), two.deliverDue()]);
    const all = [...a.sent, ...b.sent].sort();
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`).sort());
    expect(await storesA.outbox.countPending()).toBe(0);
  };

  it('SQLite: two handles on one file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-two-'));
    const first = await openSqlite(join(dir, 'g.db'));
    const second = await openSqlite(join(dir, 'g.db'));
    cleanups.push(async () => {
      await first.close();
      await second.close();
      await rm(dir, { recursive: true, force: true });
    });
    await run(createSqliteStores(first.db), createSqliteStores(second.db));
  });

  it.runIf(withPostgres)('PostgreSQL: two pools on one schema', async () => {
    const schema = uniqueSchema('gh_outbox');
    const first = await openPostgres(POSTGRES_URL, { schema });
    const second = await openPostgres(POSTGRES_URL, { schema });
    cleanups.push(async () => {
      await first.close();
      await second.close();
      await dropSchema(schema);
    });
    await run(createSqlStores(first.db, 'postgres'), createSqlStores(second.db, 'postgres'));
  });
});
