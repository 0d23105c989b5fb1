/**
 * The admin API over HTTP (issue 13 item 6, issue 14's events API), against a real server
 * listening on 127.0.0.1, on SQLite and on PostgreSQL + Redis. Off (404) without
 * GATEHOUSE_ADMIN_TOKEN; with it, every request needs the token (401 otherwise, nothing done).
 * Each action takes effect on the user's next request (the sessions it ends are revoked at once)
 * and is recorded as a security event naming the actor; the events API filters and pages.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/core/errors.js';
import { configFromEnv } from '../../src/server/config.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789-abcdefghij';
const PASSWORD = 'a user password';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(backend: { postgres?: boolean; redisUrl?: string }, withToken = true) {
  const s = await createTestServer({
    ...backend,
    env: {
      GATEHOUSE_REVOCATION_SYNC_INTERVAL: '1',
      ...(withToken ? { GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN } : {}),
    },
  });
  server = s;
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  return { s, base: `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}` };
}

interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in assertions
  readonly body: any;
  readonly headers: Headers;
}

async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string | null; payload?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.payload === undefined ? {} : { body: JSON.stringify(options.payload) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? null : JSON.parse(text),
    headers: response.headers,
  };
}

async function signup(base: string, email: string): Promise<string> {
  const answer = await call(base, 'POST', '/v1/signup', {
    token: null,
    payload: { email, password: PASSWORD },
  });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

const login = (base: string, email: string) =>
  call(base, 'POST', '/v1/token', {
    token: null,
    payload: { grant_type: 'password', username: email, password: PASSWORD },
  });

const me = async (base: string, accessToken: string) =>
  (await call(base, 'GET', '/v1/me', { token: accessToken })).status;

describe('GATEHOUSE_ADMIN_TOKEN', () => {
  it('needs at least 32 bytes of visible ASCII, and is never repeated in the problem', () => {
    expect(configFromEnv({ GATEHOUSE_ADMIN_TOKEN: 'a'.repeat(32) }).adminToken).toBe(
      'a'.repeat(32),
    );
    expect(configFromEnv({}).adminToken).toBeNull();
    for (const bad of ['a'.repeat(31), `${'a'.repeat(20)}\t${'a'.repeat(20)}`, 'é'.repeat(20)]) {
      let thrown: unknown;
      try {
        configFromEnv({ GATEHOUSE_ADMIN_TOKEN: bad });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AuthError);
      expect((thrown as AuthError).message).toContain('GATEHOUSE_ADMIN_TOKEN');
      expect((thrown as AuthError).message).not.toContain(bad);
    }
  });
});

describe.each(BACKENDS)('admin API (%s)', (_name, backend) => {
  it('is off without GATEHOUSE_ADMIN_TOKEN: every path 404, nothing in the OpenAPI document', async () => {
    const { base } = await start(backend, false);
    const id = await signup(base, 'off@example.com');
    for (const [method, path] of [
      ['GET', '/v1/admin/users'],
      ['GET', `/v1/admin/users/${id}`],
      ['POST', `/v1/admin/users/${id}/disable`],
      ['DELETE', `/v1/admin/users/${id}`],
      ['GET', '/v1/admin/events'],
    ] as const)
      expect((await call(base, method, path)).status, `${method} ${path}`).toBe(404);
    const openapi = await call(base, 'GET', '/openapi.json', { token: null });
    expect(Object.keys(openapi.body.paths).filter((p) => p.startsWith('/v1/admin'))).toEqual([]);
    expect((await login(base, 'off@example.com')).status).toBe(200);
  });

  it('refuses a missing, wrong or other-scheme credential before doing anything', async () => {
    const { s, base } = await start(backend);
    const id = await signup(base, 'guarded@example.com');
    const pair = (await login(base, 'guarded@example.com')).body;
    const cases: Array<[string, Record<string, string>, string | null]> = [
      ['none', {}, null],
      ['wrong token', {}, `${ADMIN_TOKEN}x`],
      ['a prefix of it', {}, ADMIN_TOKEN.slice(0, -1)],
      ["the user's own access token", {}, pair.access_token],
      ['Basic', { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }, null],
    ];
    for (const [what, headers, token] of cases) {
      const answer = await call(base, 'POST', `/v1/admin/users/${id}/disable`, { token, headers });
      expect(answer.status, what).toBe(401);
      expect(answer.body, what).toMatchObject({ error: 'invalid_token' });
      expect(answer.headers.get('www-authenticate'), what).toMatch(/^Bearer/);
    }
    // Unauthenticated, even a malformed query is not looked at.
    expect((await call(base, 'GET', '/v1/admin/users?limit=x', { token: null })).status).toBe(401);
    expect((await s.context.stores.accounts.findUserById(id))?.disabledAtMs ?? null).toBeNull();
    expect(await me(base, pair.access_token)).toBe(200);
    expect(
      await s.context.stores.events.listEvents({ type: 'account_disabled', limit: 10 }),
    ).toEqual([]);
  });

  it('never writes a presented token (right or wrong) into a log line', async () => {
    const lines: string[] = [];
    const s = await createTestServer({
      ...backend,
      env: { GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN, GATEHOUSE_LOG_LEVEL: 'info' },
      logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
    });
    server = s;
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    const sentinel = `SENTINEL-${'x'.repeat(40)}`;
    expect((await call(base, 'GET', '/v1/admin/users', { token: sentinel })).status).toBe(401);
    expect((await call(base, 'GET', '/v1/admin/users')).status).toBe(200);
    const log = lines.join('\n');
    expect(log).toContain('"code":"admin token"');
    expect(log).not.toContain('SENTINEL');
    expect(log).not.toContain(ADMIN_TOKEN);
  });

  it('list (paged, filtered by email) and show', async () => {
    const { base } = await start(backend);
    const ids: Record<string, string> = {};
    for (const name of ['carol', 'alice', 'bob', 'dave', 'alice_b'])
      ids[name] = await signup(base, `${name}@example.com`);
    await signup(base, 'zed@other.test');

    const first = await call(base, 'GET', '/v1/admin/users?email=EXAMPLE.com&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.users.map((u: { email: string }) => u.email)).toEqual([
      'alice@example.com',
      'alice_b@example.com',
    ]);
    const emails = [...first.body.users.map((u: { email: string }) => u.email)];
    let cursor: string | null = first.body.next_cursor;
    while (cursor !== null) {
      const page = await call(
        base,
        'GET',
        `/v1/admin/users?email=example.com&limit=2&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(page.status).toBe(200);
      emails.push(...page.body.users.map((u: { email: string }) => u.email));
      cursor = page.body.next_cursor;
    }
    expect(emails).toEqual([
      'alice@example.com',
      'alice_b@example.com',
      'bob@example.com',
      'carol@example.com',
      'dave@example.com',
    ]);
    // `_` is a literal, not LIKE's any-character.
    const literal = await call(base, 'GET', '/v1/admin/users?email=e_b');
    expect(literal.body.users.map((u: { email: string }) => u.email)).toEqual([
      'alice_b@example.com',
    ]);

    const shown = await call(base, 'GET', `/v1/admin/users/${ids.bob}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({
      user: {
        id: ids.bob,
        email: 'bob@example.com',
        email_verified: false,
        disabled: false,
        disabled_at: null,
        created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        roles: [],
      },
      active_sessions: 0,
    });
    expect(await call(base, 'GET', '/v1/admin/users/no-such-user')).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
    expect(await call(base, 'GET', '/v1/admin/users?limit=5000')).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    expect(await call(base, 'GET', '/v1/admin/users?cursor=%25%25')).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
  });

  it('disable takes effect on the next request; enable restores sign-in; each recorded with the actor', async () => {
    const { s, base } = await start(backend);
    const id = await signup(base, 'target@example.com');
    const pair = (await login(base, 'target@example.com')).body;
    expect(await me(base, pair.access_token)).toBe(200);
    expect((await call(base, 'GET', `/v1/admin/users/${id}`)).body.active_sessions).toBe(1);

    const disabled = await call(base, 'POST', `/v1/admin/users/${id}/disable`, {
      headers: { 'user-agent': 'admin-console/1' },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({
      changed: true,
      ended_sessions: 1,
      user: { id, disabled: true, disabled_at: expect.any(String) },
    });
    // At once, on this server: no storage poll needed (the session service revoked it here).
    expect(await me(base, pair.access_token)).toBe(401);
    expect(
      await call(base, 'POST', '/v1/token', {
        token: null,
        payload: { grant_type: 'refresh_token', refresh_token: pair.refresh_token },
      }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await login(base, 'target@example.com')).toMatchObject({
      status: 403,
      body: { error: 'account_disabled' },
    });
    // Again: nothing changes, nothing is recorded twice.
    expect((await call(base, 'POST', `/v1/admin/users/${id}/disable`)).body).toMatchObject({
      changed: false,
      ended_sessions: 0,
    });

    const enabled = await call(base, 'POST', `/v1/admin/users/${id}/enable`);
    expect(enabled.body).toMatchObject({ changed: true, user: { disabled: false } });
    const again = await login(base, 'target@example.com');
    expect(again.status).toBe(200);
    expect(await me(base, again.body.access_token)).toBe(200);
    // The sessions ended by disabling stay ended.
    expect(await me(base, pair.access_token)).toBe(401);

    const events = await s.context.stores.events.pageEvents({ userId: id, limit: 100 });
    const admin = events.filter((e) => e.actor !== null);
    expect(admin.map((e) => e.type).sort()).toEqual(['account_disabled', 'account_enabled']);
    const disabledEvent = admin.find((e) => e.type === 'account_disabled');
    expect(disabledEvent).toMatchObject({
      actor: 'admin_token',
      ip: '127.0.0.1',
      userAgent: 'admin-console/1',
    });
  });

  it('sign-out ends every session at once without disabling; roles are given and taken', async () => {
    const { s, base } = await start(backend);
    const id = await signup(base, 'roles@example.com');
    const one = (await login(base, 'roles@example.com')).body;
    const two = (await login(base, 'roles@example.com')).body;
    const out = await call(base, 'POST', `/v1/admin/users/${id}/sign-out`);
    expect(out.body).toEqual({ changed: true, ended_sessions: 2 });
    expect(await me(base, one.access_token)).toBe(401);
    expect(await me(base, two.access_token)).toBe(401);
    expect((await login(base, 'roles@example.com')).status).toBe(200);

    expect((await call(base, 'PUT', `/v1/admin/users/${id}/roles/editor`)).body).toEqual({
      changed: true,
      roles: ['editor'],
    });
    expect((await call(base, 'PUT', `/v1/admin/users/${id}/roles/admin`)).body).toEqual({
      changed: true,
      roles: ['admin', 'editor'],
    });
    expect((await call(base, 'PUT', `/v1/admin/users/${id}/roles/editor`)).body).toEqual({
      changed: false,
      roles: ['admin', 'editor'],
    });
    expect((await call(base, 'DELETE', `/v1/admin/users/${id}/roles/editor`)).body).toEqual({
      changed: true,
      roles: ['admin'],
    });
    expect(await s.context.stores.roles.listUserRoles(id)).toEqual(['admin']);
    expect(await call(base, 'PUT', `/v1/admin/users/${id}/roles/no%20spaces`)).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    expect(await call(base, 'PUT', '/v1/admin/users/nobody/roles/editor')).toMatchObject({
      status: 404,
    });
    const types = (await s.context.stores.events.pageEvents({ userId: id, limit: 100 }))
      .filter((e) => e.actor === 'admin_token')
      .map((e) => e.type)
      .sort();
    expect(types).toEqual(['account_signed_out', 'role_granted', 'role_granted', 'role_removed']);
  });

  it('delete: sessions end, the account and its data go, the event keeps only id and actor', async () => {
    const { s, base } = await start(backend);
    const id = await signup(base, 'gone@example.com');
    const pair = (await login(base, 'gone@example.com')).body;
    await call(base, 'PUT', `/v1/admin/users/${id}/roles/editor`);
    const deleted = await call(base, 'DELETE', `/v1/admin/users/${id}`);
    expect(deleted).toMatchObject({ status: 200, body: { changed: true, ended_sessions: 1 } });
    expect(await me(base, pair.access_token)).toBe(401);
    expect((await login(base, 'gone@example.com')).body).toMatchObject({ error: 'invalid_grant' });
    expect(await call(base, 'GET', `/v1/admin/users/${id}`)).toMatchObject({ status: 404 });
    expect(await call(base, 'DELETE', `/v1/admin/users/${id}`)).toMatchObject({ status: 404 });
    expect(await s.context.stores.roles.listUserRoles(id)).toEqual([]);
    const events = await s.context.stores.events.pageEvents({ userId: id, limit: 100 });
    expect(
      events.map(({ type, ip, userAgent, sessionId, actor }) => ({
        type,
        ip,
        userAgent,
        sessionId,
        actor,
      })),
    ).toEqual([
      { type: 'account_deleted', ip: null, userAgent: null, sessionId: null, actor: 'admin_token' },
    ]);
  });

  it('events: filtered by user, type and time, paged newest first with a cursor', async () => {
    const { s, base } = await start(backend);
    const alice = await signup(base, 'ev-alice@example.com');
    s.clock.advanceMs(1000);
    const bob = await signup(base, 'ev-bob@example.com');
    for (let i = 0; i < 3; i++) {
      s.clock.advanceMs(1000);
      expect((await login(base, 'ev-alice@example.com')).status).toBe(200);
    }
    s.clock.advanceMs(1000);
    await call(base, 'POST', `/v1/admin/users/${bob}/disable`);

    const all = await call(base, 'GET', '/v1/admin/events');
    expect(all.status).toBe(200);
    expect(all.body.next_cursor).toBeNull();
    expect(all.body.events.map((e: { type: string }) => e.type)).toEqual([
      'account_disabled',
      'login',
      'login',
      'login',
      'signup',
      'signup',
    ]);
    expect(all.body.events[0]).toEqual({
      id: expect.any(String),
      type: 'account_disabled',
      at: new Date(s.clock.nowMs()).toISOString(),
      user_id: bob,
      session_id: null,
      ip: '127.0.0.1',
      user_agent: 'node',
      actor: 'admin_token',
    });

    const logins = await call(base, 'GET', `/v1/admin/events?user_id=${alice}&type=login&limit=2`);
    expect(logins.body.events).toHaveLength(2);
    const rest = await call(
      base,
      'GET',
      `/v1/admin/events?user_id=${alice}&type=login&limit=2&cursor=${logins.body.next_cursor}`,
    );
    expect(rest.body.events).toHaveLength(1);
    expect(rest.body.next_cursor).toBeNull();
    const pages = [...logins.body.events, ...rest.body.events];
    expect(new Set(pages.map((e: { id: string }) => e.id)).size).toBe(3);
    expect(pages.map((e: { at: string }) => e.at)).toEqual(
      [...pages.map((e: { at: string }) => e.at)].sort().reverse(),
    );

    // Both bounds inclusive: the second login alone.
    const second = pages[1].at as string;
    const window = await call(
      base,
      'GET',
      `/v1/admin/events?since=${encodeURIComponent(second)}&until=${encodeURIComponent(second)}`,
    );
    expect(window.body.events.map((e: { type: string; at: string }) => [e.type, e.at])).toEqual([
      ['login', second],
    ]);

    for (const query of ['type=no_such_type', 'since=yesterday', 'cursor=bm9wZQ', 'limit=0'])
      expect(await call(base, 'GET', `/v1/admin/events?${query}`), query).toMatchObject({
        status: 400,
        body: { error: 'invalid_request' },
      });
  });

  it('100 parallel copies of one action change once and record once', async () => {
    const { s, base } = await start(backend);
    const id = await signup(base, 'parallel@example.com');
    const sessions = await Promise.all(
      Array.from({ length: 5 }, async () => (await login(base, 'parallel@example.com')).body),
    );
    const hundred = (method: string, path: string) =>
      Promise.all(Array.from({ length: 100 }, () => call(base, method, path)));
    const adminEvents = async () =>
      (await s.context.stores.events.pageEvents({ userId: id, limit: 1000 }))
        .filter((e) => e.actor === 'admin_token')
        .map((e) => e.type)
        .sort();

    const disables = await hundred('POST', `/v1/admin/users/${id}/disable`);
    expect(disables.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(disables.filter((a) => a.body.changed)).toHaveLength(1);
    expect(disables.reduce((sum, a) => sum + a.body.ended_sessions, 0)).toBe(5);
    for (const pair of sessions) expect(await me(base, pair.access_token)).toBe(401);

    const enables = await hundred('POST', `/v1/admin/users/${id}/enable`);
    expect(enables.filter((a) => a.status === 200 && a.body.changed)).toHaveLength(1);

    const grants = await hundred('PUT', `/v1/admin/users/${id}/roles/editor`);
    expect(grants.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(grants.filter((a) => a.body.changed)).toHaveLength(1);
    expect(grants.every((a) => a.body.roles.join() === 'editor')).toBe(true);
    const removals = await hundred('DELETE', `/v1/admin/users/${id}/roles/editor`);
    expect(removals.filter((a) => a.body.changed)).toHaveLength(1);
    expect(await s.context.stores.roles.listUserRoles(id)).toEqual([]);

    const fresh = (await login(base, 'parallel@example.com')).body;
    const signOuts = await hundred('POST', `/v1/admin/users/${id}/sign-out`);
    expect(signOuts.reduce((sum, a) => sum + a.body.ended_sessions, 0)).toBe(1);
    expect(await me(base, fresh.access_token)).toBe(401);

    expect(await adminEvents()).toEqual([
      'account_disabled',
      'account_enabled',
      'account_signed_out',
      'role_granted',
      'role_removed',
    ]);

    const deletes = await hundred('DELETE', `/v1/admin/users/${id}`);
    expect(deletes.filter((a) => a.status === 200)).toHaveLength(1);
    expect(deletes.filter((a) => a.status === 404)).toHaveLength(99);
    // The deletion takes the user's trail with it (personal data); one event says it happened.
    expect(await adminEvents()).toEqual(['account_deleted']);
  });

  it('documents itself in the OpenAPI document when on', async () => {
    const { base } = await start(backend);
    const openapi = await call(base, 'GET', '/openapi.json', { token: null });
    expect(
      Object.keys(openapi.body.paths)
        .filter((p) => p.startsWith('/v1/admin'))
        .sort(),
    ).toEqual([
      '/v1/admin/events',
      '/v1/admin/users',
      '/v1/admin/users/{id}',
      '/v1/admin/users/{id}/disable',
      '/v1/admin/users/{id}/enable',
      '/v1/admin/users/{id}/roles/{role}',
      '/v1/admin/users/{id}/sign-out',
    ]);
    expect(openapi.body.components.securitySchemes.adminToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(openapi.body.paths['/v1/admin/users'].get.security).toEqual([{ adminToken: [] }]);
  });
});
