/**
 * Issue 13, item 6, over HTTP against a real server on SQLite and on PostgreSQL + Redis: what
 * `gatehouse users disable | enable | delete` do to the server's storage (the same functions, on
 * the server's own stores, not through its session service: the server learns of the revocations
 * from its storage poll, run here at once). A disabled user's right password is refused with
 * account_disabled, a wrong one with invalid_grant as always; its refresh token fails at once, its
 * access token at /v1/me after the poll; enable restores sign-in; delete leaves no account with
 * the email and keeps an account_deleted event.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteUser, disableUser, enableUser } from '../../src/cli/commands/users.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();
const EMAIL = 'admin-target@example.com';
const PASSWORD = 'admin target password';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(backend: { postgres?: boolean; redisUrl?: string }) {
  const s = await createTestServer(backend);
  server = s;
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  const signup = await fetch(`${base}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  expect(signup.status).toBe(201);
  return { s, base };
}

async function token(base: string, params: Record<string, string>) {
  const response = await fetch(`${base}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}
const login = (base: string, password = PASSWORD) =>
  token(base, { grant_type: 'password', username: EMAIL, password });
const me = async (base: string, accessToken: string) =>
  (await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;

/** The user as the CLI finds it in storage. */
async function stored(s: TestServer) {
  const user = await s.context.stores.accounts.findUserByEmail(EMAIL);
  if (user === null) throw new Error('no user');
  return user;
}

describe.each(BACKENDS)('users admin on %s', (_name, backend) => {
  it('disable: the right password is refused, refresh at once, access after the poll; enable restores', async () => {
    const { s, base } = await start(backend);
    const pair = await login(base);
    expect(pair.status).toBe(200);
    expect(await me(base, pair.body.access_token as string)).toBe(200);

    const { ended } = await disableUser(s.context.stores, s.config, s.clock, await stored(s));
    expect(ended).toHaveLength(1);

    const refused = await login(base);
    expect(refused).toMatchObject({ status: 403, body: { error: 'account_disabled' } });
    // Told only to whoever knows the password.
    expect(await login(base, 'not the password 1')).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const refreshed = await token(base, {
      grant_type: 'refresh_token',
      refresh_token: pair.body.refresh_token as string,
    });
    expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // Until its storage poll, this server has not heard of it (the CLI has no line to it) ...
    expect(await me(base, pair.body.access_token as string)).toBe(200);
    // ... and from its next poll on, the access token is refused.
    await s.jobs.tick();
    expect(await me(base, pair.body.access_token as string)).toBe(401);

    await enableUser(s.context.stores, s.clock, await stored(s));
    const again = await login(base);
    expect(again.status).toBe(200);
    expect(await me(base, again.body.access_token as string)).toBe(200);
    // The sessions ended by disabling stay ended.
    expect(await me(base, pair.body.access_token as string)).toBe(401);
  });

  it('a disable that lands between the password check and the new session still ends it', async () => {
    const { s, base } = await start(backend);
    const store = s.context.stores.sessions;
    const createSession = store.createSession;
    // The disable (flag, then end every session) runs while the sign-in is between its password
    // check and its session: the session is written after the disable ended the others.
    let disabled = false;
    (store as { createSession: typeof createSession }).createSession = async (session) => {
      if (!disabled) {
        disabled = true;
        await disableUser(s.context.stores, s.config, s.clock, await stored(s));
      }
      return createSession(session);
    };
    const refused = await login(base);
    expect(refused).toMatchObject({ status: 403, body: { error: 'account_disabled' } });
    expect(disabled).toBe(true);
    const user = await stored(s);
    expect(await store.listUserSessions(user.id, s.clock.nowMs())).toEqual([]);
  });

  it('delete: sessions end, the account with its email is gone, the event stays', async () => {
    const { s, base } = await start(backend);
    const pair = await login(base);
    expect(pair.status).toBe(200);
    const user = await stored(s);
    let settled = false;
    const ended = await deleteUser(s.context.stores, s.config, s.clock, user, async () => {
      // The servers' poll reads the revocations before the session rows go.
      await s.jobs.tick();
      settled = true;
    });
    expect(ended).toHaveLength(1);
    expect(settled).toBe(true);
    expect(await me(base, pair.body.access_token as string)).toBe(401);
    expect(
      await token(base, {
        grant_type: 'refresh_token',
        refresh_token: pair.body.refresh_token as string,
      }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await login(base)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const stores = s.context.stores;
    expect(await stores.accounts.findUserByEmail(EMAIL)).toBeNull();
    expect(await stores.accounts.listUsers({ emailContains: 'admin-target', limit: 10 })).toEqual(
      [],
    );
    expect(await stores.sessions.listUserSessions(user.id, s.clock.nowMs())).toEqual([]);
    const events = await stores.events.listEvents({ userId: user.id, limit: 10 });
    expect(events.map((e) => [e.type, e.ip, e.userAgent, e.sessionId])).toEqual([
      ['account_deleted', null, null, null],
    ]);
    // Signing up again with the address makes a new account.
    const signup = await fetch(`${base}/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    expect(signup.status).toBe(201);
    expect(((await signup.json()) as { id: string }).id).not.toBe(user.id);
  });
});
