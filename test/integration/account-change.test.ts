/**
 * Email change and self-service deletion over HTTP (issue 13, items 4 and 5), against a real
 * server listening on 127.0.0.1 (SQLite, and PostgreSQL + Redis) and a real SMTP server: every
 * link is taken from a received message and followed. Changing the address needs the current
 * password, sends a confirmation link to the new address and a notice with an undo link to the
 * old one; confirming switches the address (verified), refuses when another account took it
 * meanwhile; undoing restores the old address, ends every session and spends pending links.
 * Deleting needs the password, ends every session at once and leaves one account_deleted event
 * without personal data.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';
import { findLink, type ReceivedMail, startTestSmtp, type TestSmtp } from '../support/smtp.js';

const BACKENDS = await serverBackends();
const PASSWORD = 'the current password';
const NEW_PASSWORD = 'a fresh passphrase now';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

interface Harness {
  readonly server: TestServer;
  readonly smtp: TestSmtp;
  readonly base: string;
}

async function start(backend: { postgres?: boolean; redisUrl?: string }): Promise<Harness> {
  const smtp = await startTestSmtp();
  const server = await createTestServer({
    ...backend,
    // Deletion waits one revocation poll and a second before the rows go: 2 s here. One trusted
    // proxy hop: a race of 100 links comes from 100 addresses (X-Forwarded-For), each within its
    // budget of refused links (test/attack/links.test.ts floods one address).
    env: {
      GATEHOUSE_SMTP_URL: smtp.url,
      GATEHOUSE_REVOCATION_SYNC_INTERVAL: '1',
      GATEHOUSE_TRUST_PROXY: '1',
    },
  });
  cleanups.push(async () => {
    await server.close();
    await smtp.stop();
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  return { server, smtp, base };
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> | null;
  readonly headers: Headers;
}

async function call(
  base: string,
  method: string,
  path: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** Request `i` of a race, from a client address of its own. */
const fromAddress = (i: number) => ({ 'x-forwarded-for': `198.18.0.${i + 1}` });

async function signup(h: Harness, email: string) {
  const answer = await call(h.base, 'POST', '/v1/signup', { email, password: PASSWORD });
  expect(answer.status).toBe(201);
  return answer.body as { id: string; email: string };
}

async function login(h: Harness, email: string, password = PASSWORD) {
  return call(h.base, 'POST', '/v1/token', {
    grant_type: 'password',
    username: email,
    password,
  });
}

async function tokens(h: Harness, email: string, password = PASSWORD) {
  const answer = await login(h, email, password);
  expect(answer.status).toBe(200);
  return answer.body as { access_token: string; refresh_token: string };
}

const me = (h: Harness, accessToken: string) =>
  call(h.base, 'GET', '/v1/me', undefined, bearer(accessToken));

/** Delivers what is queued and returns the messages to `to` whose subject starts with `subject`. */
async function mailsTo(h: Harness, to: string, subject: string): Promise<ReceivedMail[]> {
  await h.server.jobs.deliverMail();
  return h.smtp.received.filter(
    (m) => m.to.includes(to) && new RegExp(`^Subject: ${subject}`, 'm').test(m.raw),
  );
}

async function onlyMailTo(h: Harness, to: string, subject: string): Promise<ReceivedMail> {
  const found = await mailsTo(h, to, subject);
  expect(found, `${subject} to ${to}`).toHaveLength(1);
  return found[0] as ReceivedMail;
}

const link = (mail: ReceivedMail, page: string) => findLink(mail, page).token;

/** Asks to move the account to `newEmail` (202); the links mailed to the new and the old address. */
async function changeLinks(h: Harness, accessToken: string, oldEmail: string, newEmail: string) {
  const asked = await call(
    h.base,
    'POST',
    '/v1/email/change',
    { password: PASSWORD, new_email: newEmail },
    bearer(accessToken),
  );
  expect(asked.status).toBe(202);
  return {
    confirm: link(
      await onlyMailTo(h, newEmail, 'Confirm your new email address'),
      '/confirm-email',
    ),
    undo: link(
      await onlyMailTo(h, oldEmail, 'Your email address is being changed'),
      '/undo-email-change',
    ),
  };
}

/** A new account signed in with tokens, then asked to move to `newEmail`: its links. */
async function startChange(h: Harness, oldEmail: string, newEmail: string) {
  const user = await signup(h, oldEmail);
  const pair = await tokens(h, oldEmail);
  return { user, pair, ...(await changeLinks(h, pair.access_token, oldEmail, newEmail)) };
}

const eventTypes = async (h: Harness, userId: string) =>
  (await h.server.context.stores.events.listEvents({ userId, limit: 100 })).map((e) => e.type);

describe.each(BACKENDS)('email change over HTTP (%s)', (_name, backend) => {
  it('needs the password; the new address confirms it from its mail, the old one is told', async () => {
    const h = await start(backend);
    const user = await signup(h, 'old@example.com');
    const pair = await tokens(h, 'old@example.com');

    // No credential, a wrong password, the account's own address: refused, nothing sent.
    expect(
      (
        await call(h.base, 'POST', '/v1/email/change', {
          password: PASSWORD,
          new_email: 'new@example.com',
        })
      ).status,
    ).toBe(401);
    const wrong = await call(
      h.base,
      'POST',
      '/v1/email/change',
      { password: 'not the password', new_email: 'new@example.com' },
      bearer(pair.access_token),
    );
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    const same = await call(
      h.base,
      'POST',
      '/v1/email/change',
      { password: PASSWORD, new_email: ' OLD@example.com ' },
      bearer(pair.access_token),
    );
    expect(same).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await mailsTo(h, 'new@example.com', '')).toEqual([]);
    expect(await eventTypes(h, user.id)).toContain('reauthentication_failed');

    const asked = await call(
      h.base,
      'POST',
      '/v1/email/change',
      { password: PASSWORD, new_email: 'New@Example.com' },
      bearer(pair.access_token),
    );
    expect(asked).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const confirmation = await onlyMailTo(h, 'new@example.com', 'Confirm your new email address');
    const notice = await onlyMailTo(h, 'old@example.com', 'Your email address is being changed');
    expect(notice.decoded).toContain('The new address would be new@example.com.');
    expect(notice.decoded).toContain('The link works for 7 days.');
    expect(confirmation.decoded).toContain('The link works for 1 hour.');
    // Until confirmed, nothing changed.
    expect((await me(h, pair.access_token)).body).toMatchObject({ email: 'old@example.com' });

    const token = link(confirmation, '/confirm-email');
    const page = await fetch(`${h.base}/confirm-email`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    // An altered link and the undo link in its place are refused and spend nothing.
    const [id, secret] = token.split('.') as [string, string];
    const altered = `${id}.${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;
    for (const bad of [altered, link(notice, '/undo-email-change'), 'not-a-token'])
      expect(await call(h.base, 'POST', '/v1/email/change/confirm', { token: bad })).toMatchObject({
        status: 400,
        body: { error: 'invalid_link' },
      });

    expect((await call(h.base, 'POST', '/v1/email/change/confirm', { token })).status).toBe(204);
    // The same access token (the session goes on) shows the new, verified address.
    expect((await me(h, pair.access_token)).body).toEqual({
      id: user.id,
      email: 'new@example.com',
      email_verified: true,
    });
    expect((await login(h, 'old@example.com')).body).toMatchObject({ error: 'invalid_grant' });
    expect((await login(h, 'new@example.com')).status).toBe(200);
    // The link works once.
    expect(await call(h.base, 'POST', '/v1/email/change/confirm', { token })).toMatchObject({
      status: 400,
      body: { error: 'invalid_link' },
    });
    // At one instant of the fixed clock: their order is not the point.
    const types = await eventTypes(h, user.id);
    expect(
      types.filter((t) => t.startsWith('email_change') || t === 'email_changed').sort(),
    ).toEqual(['email_change_requested', 'email_changed']);
  });

  it('an expired link is refused; a newer request spends the earlier link', async () => {
    const h = await start(backend);
    await signup(h, 'expiry@example.com');
    const pair = await tokens(h, 'expiry@example.com');
    const ask = (email: string) =>
      call(
        h.base,
        'POST',
        '/v1/email/change',
        { password: PASSWORD, new_email: email },
        bearer(pair.access_token),
      );
    expect((await ask('first@example.com')).status).toBe(202);
    const first = link(
      await onlyMailTo(h, 'first@example.com', 'Confirm your new email address'),
      '/confirm-email',
    );
    expect((await ask('second@example.com')).status).toBe(202);
    const second = link(
      await onlyMailTo(h, 'second@example.com', 'Confirm your new email address'),
      '/confirm-email',
    );
    expect(await call(h.base, 'POST', '/v1/email/change/confirm', { token: first })).toMatchObject({
      status: 400,
      body: { error: 'invalid_link' },
    });
    // One hour (GATEHOUSE_EMAIL_CHANGE_TTL): at the hour it no longer works.
    h.server.clock.advanceMs(3600 * 1000);
    expect(await call(h.base, 'POST', '/v1/email/change/confirm', { token: second })).toMatchObject(
      { status: 400, body: { error: 'invalid_link' } },
    );
    const fresh = await tokens(h, 'expiry@example.com');
    expect((await me(h, fresh.access_token)).body).toMatchObject({ email: 'expiry@example.com' });
  });

  it('no enumeration: a taken address gets a notice, the answer is the same; taken meanwhile is refused', async () => {
    const h = await start(backend);
    await signup(h, 'owner@example.com');
    await signup(h, 'taken@example.com');
    const pair = await tokens(h, 'owner@example.com');
    const ask = (email: string) =>
      call(
        h.base,
        'POST',
        '/v1/email/change',
        { password: PASSWORD, new_email: email },
        bearer(pair.access_token),
      );
    const toTaken = await ask('taken@example.com');
    const toFree = await ask('free@example.com');
    expect(toTaken.status).toBe(202);
    expect(toFree.status).toBe(202);
    expect(toTaken.body).toEqual(toFree.body);
    const notice = await onlyMailTo(h, 'taken@example.com', 'Email change requested');
    expect(notice.decoded).toContain('another account already uses it');
    expect(notice.decoded).not.toContain('#token=');
    // Only the free address's change told the old address.
    expect(
      await mailsTo(h, 'owner@example.com', 'Your email address is being changed'),
    ).toHaveLength(1);

    // Someone signs up with the free address before the owner confirms: refused, nothing moves.
    const token = link(
      await onlyMailTo(h, 'free@example.com', 'Confirm your new email address'),
      '/confirm-email',
    );
    await signup(h, 'free@example.com');
    expect(await call(h.base, 'POST', '/v1/email/change/confirm', { token })).toMatchObject({
      status: 400,
      body: { error: 'email_taken' },
    });
    expect((await me(h, pair.access_token)).body).toMatchObject({ email: 'owner@example.com' });
  });

  it('undo from the old address: restored, every session ended, pending links spent, new password', async () => {
    const h = await start(backend);
    const { user, pair, confirm, undo } = await startChange(
      h,
      'victim@example.com',
      'thief@example.com',
    );
    const other = await tokens(h, 'victim@example.com');
    expect(
      (await call(h.base, 'POST', '/v1/email/change/confirm', { token: confirm })).status,
    ).toBe(204);
    // Whoever took the account asks for a reset link at the address they chose.
    expect(
      (await call(h.base, 'POST', '/v1/password/forgot', { email: 'thief@example.com' })).status,
    ).toBe(202);
    const reset = link(
      await onlyMailTo(h, 'thief@example.com', 'Reset your password'),
      '/reset-password',
    );

    const page = await fetch(`${h.base}/undo-email-change`);
    expect(page.status).toBe(200);
    // A refused password leaves the link usable.
    expect(
      await call(h.base, 'POST', '/v1/email/change/undo', { token: undo, new_password: 'short' }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_password' } });
    expect(
      (
        await call(h.base, 'POST', '/v1/email/change/undo', {
          token: undo,
          new_password: NEW_PASSWORD,
        })
      ).status,
    ).toBe(204);

    // Every session ended: access tokens refused at once, refresh tokens dead.
    expect((await me(h, pair.access_token)).status).toBe(401);
    expect((await me(h, other.access_token)).status).toBe(401);
    expect(
      await call(h.base, 'POST', '/v1/token', {
        grant_type: 'refresh_token',
        refresh_token: other.refresh_token,
      }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The old address and only the new password sign in; the thief's reset link is spent.
    expect((await login(h, 'thief@example.com', NEW_PASSWORD)).status).toBe(400);
    expect((await login(h, 'victim@example.com', PASSWORD)).status).toBe(400);
    const back = await tokens(h, 'victim@example.com', NEW_PASSWORD);
    expect((await me(h, back.access_token)).body).toEqual({
      id: user.id,
      email: 'victim@example.com',
      email_verified: true,
    });
    expect(
      await call(h.base, 'POST', '/v1/password/reset', {
        token: reset,
        new_password: 'x'.repeat(12),
      }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_link' } });
    expect(await call(h.base, 'POST', '/v1/email/change/undo', { token: undo })).toMatchObject({
      status: 400,
      body: { error: 'invalid_link' },
    });
    expect(await eventTypes(h, user.id)).toContain('email_change_undone');
  });

  it('a reset link sent before the address changed does not reset the password after', async () => {
    const h = await start(backend);
    await signup(h, 'before@example.com');
    const pair = await tokens(h, 'before@example.com');
    expect(
      (await call(h.base, 'POST', '/v1/password/forgot', { email: 'before@example.com' })).status,
    ).toBe(202);
    const reset = link(
      await onlyMailTo(h, 'before@example.com', 'Reset your password'),
      '/reset-password',
    );
    expect(
      (
        await call(
          h.base,
          'POST',
          '/v1/email/change',
          { password: PASSWORD, new_email: 'after@example.com' },
          bearer(pair.access_token),
        )
      ).status,
    ).toBe(202);
    const confirm = link(
      await onlyMailTo(h, 'after@example.com', 'Confirm your new email address'),
      '/confirm-email',
    );
    expect(
      (await call(h.base, 'POST', '/v1/email/change/confirm', { token: confirm })).status,
    ).toBe(204);
    expect(
      await call(h.base, 'POST', '/v1/password/reset', {
        token: reset,
        new_password: NEW_PASSWORD,
      }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_link' } });
    expect((await login(h, 'after@example.com', PASSWORD)).status).toBe(200);
    expect((await login(h, 'after@example.com', NEW_PASSWORD)).status).toBe(400);
  });

  it('100 parallel confirms of one link: one changes the address; 100 parallel undos: one restores it', async () => {
    const h = await start(backend);
    const { user, pair, confirm, undo } = await startChange(
      h,
      'race-old@example.com',
      'race-new@example.com',
    );
    const hundred = (path: string, token: string) =>
      Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          call(h.base, 'POST', path, { token }, fromAddress(i)),
        ),
      );

    const confirms = await hundred('/v1/email/change/confirm', confirm);
    expect(confirms.filter((a) => a.status === 204)).toHaveLength(1);
    expect(confirms.filter((a) => a.body?.error === 'invalid_link')).toHaveLength(99);
    expect((await me(h, pair.access_token)).body).toMatchObject({ email: 'race-new@example.com' });

    const undos = await hundred('/v1/email/change/undo', undo);
    expect(undos.filter((a) => a.status === 204)).toHaveLength(1);
    expect(undos.filter((a) => a.body?.error === 'invalid_link')).toHaveLength(99);
    expect((await login(h, 'race-old@example.com')).status).toBe(200);
    // 198 refused links are recorded too (email_link_refused): read past them.
    const types = (
      await h.server.context.stores.events.listEvents({ userId: user.id, limit: 1000 })
    ).map((e) => e.type);
    expect(types.filter((t) => t === 'email_link_refused')).toHaveLength(198);
    expect(types.filter((t) => t === 'email_changed')).toHaveLength(1);
    expect(types.filter((t) => t === 'email_change_undone')).toHaveLength(1);
  });

  it('confirm racing undo (50 each, interleaved): the old address always wins', async () => {
    const h = await start(backend);
    const { pair, confirm, undo } = await startChange(
      h,
      'owner@example.com',
      'intruder@example.com',
    );
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0
          ? call(h.base, 'POST', '/v1/email/change/confirm', { token: confirm }, fromAddress(i))
          : call(h.base, 'POST', '/v1/email/change/undo', { token: undo }, fromAddress(i)),
      ),
    );
    expect(answers.every((a) => a.status === 204 || a.body?.error === 'invalid_link')).toBe(true);
    expect(answers.filter((a, i) => i % 2 === 1 && a.status === 204)).toHaveLength(1);
    expect(answers.filter((a, i) => i % 2 === 0 && a.status === 204).length).toBeLessThanOrEqual(1);
    expect((await login(h, 'owner@example.com')).status).toBe(200);
    expect((await login(h, 'intruder@example.com')).status).toBe(400);
    // Every session ended by the undo, whichever came first.
    expect((await me(h, pair.access_token)).status).toBe(401);
  });

  it('undo without a new password: the address comes back, the password stays', async () => {
    const h = await start(backend);
    // Undone before it was confirmed: the pending confirmation dies too.
    const { pair, confirm, undo } = await startChange(h, 'keep@example.com', 'moved@example.com');
    expect((await call(h.base, 'POST', '/v1/email/change/undo', { token: undo })).status).toBe(204);
    expect(
      await call(h.base, 'POST', '/v1/email/change/confirm', { token: confirm }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_link' } });
    expect((await me(h, pair.access_token)).status).toBe(401);
    expect((await login(h, 'keep@example.com')).status).toBe(200);
  });

  it('undo needs a new password once the password was reset since the change (the intruder knows it)', async () => {
    const h = await start(backend);
    const { confirm, undo } = await startChange(h, 'held@example.com', 'taker@example.com');
    expect(
      (await call(h.base, 'POST', '/v1/email/change/confirm', { token: confirm })).status,
    ).toBe(204);
    await call(h.base, 'POST', '/v1/password/forgot', { email: 'taker@example.com' });
    const reset = link(
      await onlyMailTo(h, 'taker@example.com', 'Reset your password'),
      '/reset-password',
    );
    const TAKER_PASSWORD = 'the intruder chose this';
    expect(
      (
        await call(h.base, 'POST', '/v1/password/reset', {
          token: reset,
          new_password: TAKER_PASSWORD,
        })
      ).status,
    ).toBe(204);

    // Without a new password: refused, nothing spent, the address stays where it is.
    expect(await call(h.base, 'POST', '/v1/email/change/undo', { token: undo })).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: expect.stringContaining('choose a new password'),
      },
    });
    expect((await login(h, 'taker@example.com', TAKER_PASSWORD)).status).toBe(200);
    expect(
      (
        await call(h.base, 'POST', '/v1/email/change/undo', {
          token: undo,
          new_password: NEW_PASSWORD,
        })
      ).status,
    ).toBe(204);
    expect((await login(h, 'held@example.com', TAKER_PASSWORD)).status).toBe(400);
    expect((await login(h, 'held@example.com', NEW_PASSWORD)).status).toBe(200);
  });

  it('throttled like the other mail requests: per account, then 429 with Retry-After', async () => {
    const h = await start(backend);
    await signup(h, 'busy@example.com');
    const pair = await tokens(h, 'busy@example.com');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const answer = await call(
        h.base,
        'POST',
        '/v1/email/change',
        { password: PASSWORD, new_email: `target${i}@example.com` },
        bearer(pair.access_token),
      );
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
    }
    // MAIL_RECIPIENT_POLICY per account, as per recipient for resets: the fourth starts the wait.
    expect(statuses).toEqual([202, 202, 202, 202, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // The refused request queued nothing.
    expect(await mailsTo(h, 'target3@example.com', '')).toHaveLength(1);
    expect(await mailsTo(h, 'target4@example.com', '')).toEqual([]);
  });
});

describe.each(BACKENDS)('account deletion over HTTP (%s)', (_name, backend) => {
  it('needs the password; ends every session at once; removes the account; keeps an event without personal data', async () => {
    const h = await start(backend);
    const user = await signup(h, 'leaving@example.com');
    const pair = await tokens(h, 'leaving@example.com');
    const other = await tokens(h, 'leaving@example.com');
    const stores = h.server.context.stores;
    await stores.roles.addUserRole(user.id, 'editor', h.server.clock.nowMs());

    const wrong = await call(
      h.base,
      'DELETE',
      '/v1/me',
      { password: 'not the password' },
      bearer(pair.access_token),
    );
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    expect((await me(h, pair.access_token)).status).toBe(200);
    expect((await call(h.base, 'DELETE', '/v1/me', { password: PASSWORD })).status).toBe(401);

    const deleted = await call(
      h.base,
      'DELETE',
      '/v1/me',
      { password: PASSWORD },
      { ...bearer(pair.access_token), 'user-agent': 'leaving-agent/1' },
    );
    expect(deleted.status).toBe(204);
    expect((await me(h, pair.access_token)).status).toBe(401);
    expect((await me(h, other.access_token)).status).toBe(401);
    expect(
      await call(h.base, 'POST', '/v1/token', {
        grant_type: 'refresh_token',
        refresh_token: other.refresh_token,
      }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await login(h, 'leaving@example.com')).body).toMatchObject({ error: 'invalid_grant' });

    expect(await stores.accounts.findUserById(user.id)).toBeNull();
    expect(await stores.roles.listUserRoles(user.id)).toEqual([]);
    expect(await stores.sessions.listUserSessions(user.id, h.server.clock.nowMs())).toEqual([]);
    const events = await stores.events.listEvents({ userId: user.id, limit: 100 });
    expect(events).toEqual([
      {
        type: 'account_deleted',
        userId: user.id,
        sessionId: null,
        ip: null,
        userAgent: null,
        atMs: h.server.clock.nowMs(),
      },
    ]);
    const stored = await stores.events.pageEvents({ userId: user.id, limit: 10 });
    expect(stored.map((e) => e.actor)).toEqual([null]);
    // Nothing of the deleting request (its User-Agent) stays in any event.
    expect(JSON.stringify(await stores.events.listEvents({ limit: 1000 }))).not.toContain(
      'leaving-agent',
    );
  });

  it('with the session cookie: the same, the cookie is cleared, and a cross-site request is refused', async () => {
    const h = await start(backend);
    const user = await signup(h, 'cookie-leaving@example.com');
    const origin = 'https://auth.test';
    const session = await fetch(`${h.base}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ email: 'cookie-leaving@example.com', password: PASSWORD }),
    });
    expect(session.status).toBe(204);
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const cross = await call(
      h.base,
      'DELETE',
      '/v1/me',
      { password: PASSWORD },
      { cookie, origin: 'https://evil.example' },
    );
    expect(cross).toMatchObject({ status: 403, body: { error: 'csrf_rejected' } });
    expect(await h.server.context.stores.accounts.findUserById(user.id)).not.toBeNull();

    const deleted = await call(
      h.base,
      'DELETE',
      '/v1/me',
      { password: PASSWORD },
      { cookie, origin },
    );
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('set-cookie')).toMatch(/Max-Age=0/i);
    expect((await call(h.base, 'GET', '/v1/me', undefined, { cookie })).status).toBe(401);
    expect(await h.server.context.stores.accounts.findUserById(user.id)).toBeNull();
  });
});
