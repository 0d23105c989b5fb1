/**
 * Floods of email links (verify, reset, email change confirm and undo), driven over a real socket
 * the way an attacker would: bursts of 100 garbage tokens in parallel, from one address and from
 * many (X-Forwarded-For through one trusted proxy hop), on SQLite and (when the services run;
 * always in CI) on PostgreSQL + Redis and on PostgreSQL alone (each limiter's atomic step). Every refused link writes an `email_link_refused` row: the
 * budget per client address (20 in 15 minutes, then waits from 1 minute) bounds those rows, and a
 * link that works still works.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';
import { linkToken, startTestSmtp, type TestSmtp } from '../support/smtp.js';

const SERVER_BACKENDS = await serverBackends();
// The limiter lives in Redis when there is one: PostgreSQL alone runs its own atomic reserve.
const BACKENDS = [
  ...SERVER_BACKENDS,
  ...(SERVER_BACKENDS.length > 1 ? [['PostgreSQL alone', { postgres: true }] as const] : []),
];
const PASSWORD = 'the account password';
const MINUTE = 60_000;

/** A well-formed link of no one (`<id>.<secret>`, base64url) and a malformed one, per index. */
const garbage = (i: number) =>
  i % 2 === 0 ? `${'A'.repeat(21)}${i % 10}.${'B'.repeat(43)}` : `not-a-link-${i}`;

/** The four endpoints that follow a link, with the body each takes. */
const LINK_ENDPOINTS: ReadonlyArray<readonly [string, (token: string) => unknown]> = [
  ['/v1/email/verify', (token) => ({ token })],
  ['/v1/password/reset', (token) => ({ token, new_password: 'a new passphrase' })],
  ['/v1/email/change/confirm', (token) => ({ token })],
  ['/v1/email/change/undo', (token) => ({ token })],
];

interface Answer {
  readonly status: number;
  readonly error: unknown;
  readonly retryAfter: string | null;
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe.each(BACKENDS)('refused email links on %s', (_name, backend) => {
  let server: TestServer;
  let smtp: TestSmtp;
  let base: string;

  const start = async () => {
    smtp = await startTestSmtp();
    // One trusted proxy hop: the client address is the last X-Forwarded-For entry.
    server = await createTestServer({
      ...backend,
      env: { GATEHOUSE_SMTP_URL: smtp.url, GATEHOUSE_TRUST_PROXY: '1' },
    });
    const opened = { server, smtp };
    cleanups.push(async () => {
      await opened.server.close();
      await opened.smtp.stop();
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  };

  const post = async (path: string, payload: unknown, address: string): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify(payload),
    });
    const text = await response.text();
    const body = text === '' ? null : (JSON.parse(text) as { error?: unknown });
    return {
      status: response.status,
      error: body?.error,
      retryAfter: response.headers.get('retry-after'),
    };
  };

  /** Presents garbage link `i` at one of the four endpoints (in turn). */
  const present = (i: number, address: string) => {
    const [path, body] = LINK_ENDPOINTS[i % LINK_ENDPOINTS.length] as (typeof LINK_ENDPOINTS)[0];
    return post(path, body(garbage(i)), address);
  };

  const burst = (n: number, address: (i: number) => string) =>
    Promise.all(Array.from({ length: n }, (_, i) => present(i, address(i))));

  const count = (answers: readonly Answer[], status: number) =>
    answers.filter((a) => a.status === status).length;

  const events = async (type: 'email_link_refused' | 'email_link_rate_limited') =>
    server.context.stores.events.listEvents({ type, limit: 1000 });

  /** Signs up `email` and returns the token of its verification link. */
  const verificationLink = async (email: string) => {
    const signup = await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email, password: PASSWORD },
      remoteAddress: '192.0.2.200',
    });
    expect(signup.statusCode).toBe(201);
    const mails = await smtp.waitFor(smtp.received.length + 1);
    const mail = mails.find((m) => m.to.includes(email));
    return linkToken(mail as never, '/verify-email');
  };

  it('100 parallel garbage links from one address: 21 refused and recorded, 79 answer 429 with Retry-After, one event for the block', async () => {
    await start();
    const answers = await burst(100, () => '203.0.113.9');
    // 20 free, and the 21st, which starts the block of 1 minute.
    expect(count(answers, 400)).toBe(21);
    expect(answers.filter((a) => a.status === 400).every((a) => a.error === 'invalid_link')).toBe(
      true,
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(79);
    expect(limited.every((a) => a.error === 'rate_limited' && a.retryAfter === '60')).toBe(true);
    expect(await events('email_link_refused')).toHaveLength(21);
    const blocks = await events('email_link_rate_limited');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ ip: '203.0.113.9', userId: null });

    // Another 100 from the blocked address write nothing more.
    const again = await burst(100, () => '203.0.113.9');
    expect(count(again, 429)).toBe(100);
    expect(await events('email_link_refused')).toHaveLength(21);
    expect(await events('email_link_rate_limited')).toHaveLength(1);

    // A real link still works from there: the flood locks no one's link out.
    const token = await verificationLink('owner@example.com');
    expect((await post('/v1/email/verify', { token }, '203.0.113.9')).status).toBe(204);
    // Used now: refused, but past the budget it is a 429 that writes nothing.
    const reused = await post('/v1/email/verify', { token }, '203.0.113.9');
    expect(reused).toMatchObject({ status: 429, error: 'rate_limited', retryAfter: '60' });
    expect(await events('email_link_refused')).toHaveLength(21);
  });

  it('one address floods while 100 others present one link each, in parallel: only the flood is throttled', async () => {
    await start();
    const [flood, others] = await Promise.all([
      burst(100, () => '203.0.113.9'),
      burst(100, (i) => `198.51.100.${i + 1}`),
    ]);
    expect(count(flood, 400)).toBe(21);
    expect(count(flood, 429)).toBe(79);
    expect(count(others, 400)).toBe(100);
    expect(await events('email_link_refused')).toHaveLength(121);
    expect(await events('email_link_rate_limited')).toHaveLength(1);
  });

  it('IPv6 addresses of one /64 share a budget; 100 different /64s do not', async () => {
    await start();
    const oneSite = await burst(100, (i) => `2001:db8:0:7::${(i + 1).toString(16)}`);
    expect(count(oneSite, 400)).toBe(21);
    expect(count(oneSite, 429)).toBe(79);
    const manySites = await burst(100, (i) => `2001:db8:${(i + 1).toString(16)}::1`);
    expect(count(manySites, 400)).toBe(100);
  });

  it('a mistyped link costs one slot; a link that works (or a refused password) gives its slot back', async () => {
    await start();
    const address = '192.0.2.77';
    for (let i = 0; i < 5; i++) expect((await present(i, address)).status).toBe(400);
    const token = await verificationLink('typo@example.com');
    expect((await post('/v1/email/verify', { token }, address)).status).toBe(204);

    // A reset link with too short a password: 400 invalid_password, the link stays usable, and
    // the attempt is not a refused link: 30 of them count nothing.
    const forgot = await post('/v1/password/forgot', { email: 'typo@example.com' }, '192.0.2.200');
    expect(forgot.status).toBe(202);
    const mails = await smtp.waitFor(smtp.received.length + 1);
    const reset = linkToken(mails.at(-1) as never, '/reset-password');
    for (let i = 0; i < 30; i++)
      expect(
        (await post('/v1/password/reset', { token: reset, new_password: 'short' }, address)).error,
      ).toBe('invalid_password');

    // 5 refused so far: 15 more are free, the 16th starts the block, the 17th waits.
    for (let i = 0; i < 16; i++) expect((await present(i, address)).status).toBe(400);
    expect((await present(16, address)).status).toBe(429);
    // The reset link still works, from the blocked address too.
    expect(
      (
        await post(
          '/v1/password/reset',
          { token: reset, new_password: 'a new passphrase' },
          address,
        )
      ).status,
    ).toBe(204);
  });

  it('the waits pass with the clock: 1 minute, then 2, then a fresh window after 15 minutes', async () => {
    await start();
    const address = '203.0.113.50';
    await burst(21, () => address);
    expect((await present(0, address)).retryAfter).toBe('60');
    server.clock.advanceMs(MINUTE - 1000);
    expect((await present(0, address)).retryAfter).toBe('1');
    server.clock.advanceMs(1000);
    // The block ended: one more is looked up (and refused), and starts a wait of 2 minutes.
    expect((await present(0, address)).status).toBe(400);
    expect(await present(0, address)).toMatchObject({ status: 429, retryAfter: '120' });
    expect(await events('email_link_rate_limited')).toHaveLength(2);
    // 15 minutes after the window started: a fresh budget of 20.
    server.clock.advanceMs(14 * MINUTE);
    const fresh = await burst(21, () => address);
    expect(count(fresh, 400)).toBe(21);
    expect((await present(0, address)).retryAfter).toBe('60');
    expect(await events('email_link_refused')).toHaveLength(21 + 1 + 21);
  });
});
