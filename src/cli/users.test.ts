/**
 * `gatehouse users list | show | disable | enable | sign-out | delete` against a SQLite file, with
 * a server on the same file answering at the token endpoint: a disabled user's right password is
 * refused with account_disabled (a wrong one still with invalid_grant), its refresh token at once;
 * enable restores sign-in; sign-out ends sessions without disabling; delete leaves no row with the
 * email and keeps an account_deleted event without it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestServer, T0, type TestServer } from '../../test/support/server.js';
import { REDIS_URL, redisReachable, serviceGate } from '../../test/support/services.js';
import { processIo } from './io.js';
import { main } from './main.js';
import type { StorageCliIo } from './with-storage.js';

const EMAIL = 'cli@example.com';
const PASSWORD = 'cli password 1';
const NOTE =
  'running servers refuse its access tokens within GATEHOUSE_REVOCATION_SYNC_INTERVAL (1 s); its refresh tokens and cookies no longer work';

// Cookie sessions live in Redis when it is configured: the commands that end sessions open it.
const REDIS = serviceGate('Redis', await redisReachable()) ? [REDIS_URL] : [];

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function setUp(redisUrl?: string) {
  const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-users-')), 'db.sqlite');
  const s = await createTestServer({ path, ...(redisUrl === undefined ? {} : { redisUrl }) });
  server = s;
  const ids: string[] = [];
  for (const email of [EMAIL, 'other@example.com']) {
    const signup = await s.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email, password: PASSWORD },
    });
    expect(signup.statusCode).toBe(201);
    ids.push((signup.json() as { id: string }).id);
  }
  // The CLI on the server's clock: the sessions it made are active at that time.
  const run = async (...args: string[]) => {
    const io: StorageCliIo & { out: string; err: string } = {
      ...processIo,
      env: {
        GATEHOUSE_DATABASE_URL: `sqlite:${path}`,
        GATEHOUSE_REVOCATION_SYNC_INTERVAL: '1',
        ...(s.redis === null || redisUrl === undefined
          ? {}
          : { GATEHOUSE_REDIS_URL: redisUrl, GATEHOUSE_REDIS_PREFIX: s.redis.prefix }),
      },
      clock: s.clock,
      out: '',
      err: '',
      stdout(text: string) {
        io.out += text;
      },
      stderr(text: string) {
        io.err += text;
      },
    };
    const code = await main(args, io);
    return { code, out: io.out, err: io.err };
  };
  return { s, run, userId: ids[0] as string, otherId: ids[1] as string };
}

const login = (s: TestServer, password = PASSWORD) =>
  s.app.inject({
    method: 'POST',
    url: '/v1/token',
    payload: { grant_type: 'password', username: EMAIL, password },
  });
const refresh = (s: TestServer, token: string) =>
  s.app.inject({
    method: 'POST',
    url: '/v1/token',
    payload: { grant_type: 'refresh_token', refresh_token: token },
  });

describe('gatehouse users', () => {
  it('list pages by email with a filter; show counts sessions and lists recent events', async () => {
    const { s, run, userId, otherId } = await setUp();
    expect((await login(s)).statusCode).toBe(200);
    expect((await run('users', 'set-role', EMAIL, 'editor')).code).toBe(0);
    const created = new Date(T0).toISOString();
    const all = await run('users', 'list');
    expect(all).toEqual({
      code: 0,
      out:
        `${userId}  ${EMAIL}  verified=no  disabled=no  roles=editor  created=${created}\n` +
        `${otherId}  other@example.com  verified=no  disabled=no  roles=-  created=${created}\n`,
      err: '',
    });
    const first = await run('users', 'list', '--limit', '1');
    expect(first.out.split('\n')).toHaveLength(2);
    expect(first.err).toBe(`more: gatehouse users list --after ${EMAIL} --limit 1\n`);
    const next = await run('users', 'list', '--after', EMAIL, '--limit', '1');
    expect(next.out).toContain('other@example.com');
    expect(next.out).not.toContain(EMAIL);
    expect((await run('users', 'list', '--email', 'OTHER@')).out).not.toContain(EMAIL);
    // LIKE's wildcards are literal text here.
    expect((await run('users', 'list', '--email', '%')).out).toBe('');
    expect((await run('users', 'list', '--limit', '0')).code).toBe(2);

    for (const which of [EMAIL, userId]) {
      const show = await run('users', 'show', which);
      expect(show.code).toBe(0);
      expect(show.out).toContain(`id: ${userId}\nemail: ${EMAIL}\nverified: no\ndisabled: no\n`);
      expect(show.out).toContain('roles: editor');
      expect(show.out).toContain('active sessions: 1');
      expect(show.out).toContain('recent events:\n');
      expect(show.out).toContain('  login  ');
      expect(show.out).toContain('  signup  ');
    }
    expect(await run('users', 'show', 'nobody@example.com')).toMatchObject({
      code: 1,
      err: 'error: no such user\n',
    });
  });

  it('disable refuses the right password and ends sessions; enable restores sign-in', async () => {
    const { s, run } = await setUp();
    const pair = (await login(s)).json() as { refresh_token: string };
    const disabled = await run('users', 'disable', EMAIL);
    expect(disabled.code).toBe(0);
    expect(disabled.out).toContain(`${EMAIL}: disabled; ended 1 session(s)\n`);
    expect(disabled.out).toContain('GATEHOUSE_REVOCATION_SYNC_INTERVAL');

    const refused = await login(s);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'account_disabled' });
    // A wrong password gets the usual answer: disabled or not is told only to the owner.
    const wrong = await login(s, 'wrong password 1');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(s, pair.refresh_token)).statusCode).toBe(400);

    expect((await run('users', 'show', EMAIL)).out).toContain(
      `disabled: since ${new Date(T0).toISOString()}`,
    );
    expect((await run('users', 'list')).out).toContain(`${EMAIL}  verified=no  disabled=yes`);
    expect((await run('users', 'disable', EMAIL)).out).toContain('was already disabled');
    const events = await run('events', 'list', '--type', 'account_disabled');
    expect(events.out.split('\n')).toHaveLength(2);

    expect(await run('users', 'enable', EMAIL)).toMatchObject({
      code: 0,
      out: `${EMAIL}: enabled\n`,
    });
    expect((await login(s)).statusCode).toBe(200);
    expect((await run('users', 'enable', EMAIL)).out).toBe(`${EMAIL}: was not disabled\n`);
  });

  it('sign-out ends every session and leaves the account enabled', async () => {
    const { s, run } = await setUp();
    const a = (await login(s)).json() as { refresh_token: string };
    const b = (await login(s)).json() as { refresh_token: string };
    const out = await run('users', 'sign-out', EMAIL);
    expect(out.code).toBe(0);
    expect(out.out).toContain(`${EMAIL}: ended 2 session(s)\n`);
    expect((await refresh(s, a.refresh_token)).statusCode).toBe(400);
    expect((await refresh(s, b.refresh_token)).statusCode).toBe(400);
    expect((await login(s)).statusCode).toBe(200);
    expect((await run('users', 'show', EMAIL)).out).toContain('disabled: no');
  });

  it('delete needs --yes, removes the account and its data, keeps an event without the email', async () => {
    const { s, run, userId } = await setUp();
    const pair = (await login(s)).json() as { refresh_token: string };
    expect((await run('users', 'set-role', EMAIL, 'editor')).code).toBe(0);
    expect((await run('users', 'delete', EMAIL)).code).toBe(2);
    expect((await run('users', 'show', EMAIL)).code).toBe(0);

    const deleted = await run('users', 'delete', EMAIL, '--yes');
    expect(deleted.code).toBe(0);
    expect(deleted.out).toBe(
      "ended the user's sessions; waiting 2 s for running servers to read that\n" +
        `deleted user ${userId}; ended 1 session(s)\nnote: ${NOTE}\n`,
    );
    expect(deleted.out).not.toContain(EMAIL);
    expect((await refresh(s, pair.refresh_token)).statusCode).toBe(400);
    expect((await login(s)).statusCode).toBe(400);
    // Ids are base64url: one may begin with '-', so it goes after '--' (as for any option parser).
    expect((await run('users', 'show', '--', userId)).code).toBe(1);
    expect((await run('users', 'delete', '--yes', '--', userId)).code).toBe(1);
    // An id that looks like an option is still an id after '--' (not found, not a usage error).
    expect((await run('users', 'show', '--', '-notAnId')).code).toBe(1);

    const db = s.sqlite.db;
    expect(await db.selectFrom('users').select('id').where('email', '=', EMAIL).execute()).toEqual(
      [],
    );
    for (const table of ['sessions', 'user_roles', 'email_tokens'] as const)
      expect(
        await db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute(),
      ).toEqual([]);
    expect(
      await db.selectFrom('outbox').select('id').where('recipient', '=', EMAIL).execute(),
    ).toEqual([]);
    const events = await db
      .selectFrom('security_events')
      .selectAll()
      .where('user_id', '=', userId)
      .execute();
    expect(events.map((e) => [e.type, e.ip, e.user_agent])).toEqual([
      ['account_deleted', null, null],
    ]);
    expect(JSON.stringify(events)).not.toContain(EMAIL);
    // The other account is untouched.
    expect((await run('users', 'show', 'other@example.com')).code).toBe(0);
  });
});

for (const redisUrl of REDIS)
  describe('gatehouse users with Redis', () => {
    it('disable ends the cookie sessions kept in Redis too', async () => {
      const { s, run } = await setUp(redisUrl);
      const cookieLogin = await s.app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { email: EMAIL, password: PASSWORD },
        headers: { origin: 'https://auth.test' },
      });
      expect(cookieLogin.statusCode).toBe(204);
      const cookie = String(cookieLogin.headers['set-cookie']).split(';')[0] as string;
      const me = () => s.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
      expect((await me()).statusCode).toBe(200);
      expect((await login(s)).statusCode).toBe(200);

      const out = await run('users', 'disable', EMAIL);
      expect(out.out).toContain(`${EMAIL}: disabled; ended 2 session(s)\n`);
      expect((await me()).statusCode).toBe(401);
    });
  });
