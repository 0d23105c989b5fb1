/**
 * `gatehouse clients ...` and `gatehouse users set-role` against a SQLite file, with a server on
 * the same file answering at the token endpoint: the secret printed once works (basic and post),
 * rotate-secret retires the old one, remove revokes the client's sessions, a role given by the
 * CLI puts its scopes in the next sign-in's token.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { type CliIo, processIo } from './io.js';
import { main } from './main.js';

const ROLE_SCOPES = 'editor=orders:read orders:write';

function capture(path: string): CliIo & { out: string; err: string } {
  const io = {
    ...processIo,
    env: { GATEHOUSE_DATABASE_URL: `sqlite:${path}`, GATEHOUSE_ROLE_SCOPES: ROLE_SCOPES },
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

const run = async (path: string, ...args: string[]) => {
  const io = capture(path);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
};
const field = (out: string, name: string) =>
  new RegExp(`^${name}: (.*)$`, 'm').exec(out)?.[1] as string;

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serverOn(path: string) {
  server = await createTestServer({ path, env: { GATEHOUSE_ROLE_SCOPES: ROLE_SCOPES } });
  const signup = await server.app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: { email: 'cli@example.com', password: 'cli password 1' },
  });
  expect(signup.statusCode).toBe(201);
  return server;
}

const login = (s: TestServer, params: Record<string, string>, authorization?: string) =>
  s.app.inject({
    method: 'POST',
    url: '/v1/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
    payload: new URLSearchParams({
      grant_type: 'password',
      username: 'cli@example.com',
      password: 'cli password 1',
      ...params,
    }).toString(),
  });
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('gatehouse clients', () => {
  it('add prints the id and the secret once; list and show never show it; the secret works', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-clients-')), 'db.sqlite');
    const added = await run(
      path,
      'clients',
      'add',
      '--name',
      'Shop backend',
      '--type',
      'confidential',
      '--redirect-uri',
      'https://shop.example/cb',
      '--redirect-uri',
      'http://127.0.0.1:8080/cb',
      '--post-logout-redirect-uri',
      'https://shop.example/bye',
      '--grant',
      'password',
      '--grant',
      'refresh_token',
      '--scope',
      'orders:read',
    );
    expect(added.code).toBe(0);
    const id = field(added.out, 'id');
    const secret = field(added.out, 'secret');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(added.out).toContain('redirect URIs: https://shop.example/cb http://127.0.0.1:8080/cb');
    expect(added.out).toContain('post-logout redirect URIs: https://shop.example/bye');

    const list = await run(path, 'clients', 'list');
    expect(list.code).toBe(0);
    expect(list.out.split('\n')).toEqual([
      'gatehouse  public (built in)  password,refresh_token  Gatehouse pages',
      'gatehouse-client  public (built in)  password,refresh_token  Gatehouse client SDK',
      `${id}  confidential  password,refresh_token  Shop backend`,
      '',
    ]);
    const show = await run(path, 'clients', 'show', id);
    expect(show.out).toContain('scopes: orders:read');
    expect(show.out).toContain('grants: password refresh_token');
    for (const out of [list.out, show.out]) expect(out).not.toContain(secret);

    const s = await serverOn(path);
    expect((await login(s, {}, basic(id, secret))).statusCode).toBe(200);
    expect((await login(s, { client_id: id, client_secret: secret })).statusCode).toBe(200);
    expect((await login(s, { client_id: id, client_secret: 'x' })).statusCode).toBe(401);
  });

  it('rotate-secret prints a new secret; the old one stops working', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-clients-')), 'db.sqlite');
    const added = await run(
      path,
      'clients',
      'add',
      '--name',
      'A',
      '--type',
      'confidential',
      '--grant',
      'password',
    );
    const id = field(added.out, 'id');
    const old = field(added.out, 'secret');
    const rotated = await run(path, 'clients', 'rotate-secret', id);
    expect(rotated.code).toBe(0);
    const fresh = field(rotated.out, 'secret');
    expect(fresh).not.toBe(old);
    const s = await serverOn(path);
    expect((await login(s, {}, basic(id, old))).statusCode).toBe(401);
    expect((await login(s, {}, basic(id, fresh))).statusCode).toBe(200);
    // A public client has no secret to rotate.
    const pub = await run(
      path,
      'clients',
      'add',
      '--name',
      'P',
      '--type',
      'public',
      '--grant',
      'password',
    );
    const refused = await run(path, 'clients', 'rotate-secret', field(pub.out, 'id'));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('public');
    expect(pub.out).not.toContain('secret:');
  });

  it('remove deletes the client and revokes its sessions; built-in clients stay', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-clients-')), 'db.sqlite');
    const added = await run(
      path,
      'clients',
      'add',
      '--name',
      'Gone',
      '--type',
      'public',
      '--grant',
      'password',
      '--grant',
      'refresh_token',
    );
    const id = field(added.out, 'id');
    const s = await serverOn(path);
    const pair = (await login(s, { client_id: id })).json() as { refresh_token: string };
    const own = (await login(s, {})).json() as { refresh_token: string };
    const removed = await run(path, 'clients', 'remove', id);
    expect(removed).toMatchObject({ code: 0, out: `removed ${id}; revoked 1 session(s)\n` });
    const refresh = (token: string, clientId?: string) =>
      s.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'refresh_token',
          refresh_token: token,
          ...(clientId ? { client_id: clientId } : {}),
        },
      });
    expect((await refresh(pair.refresh_token, id)).statusCode).toBe(401);
    // The first-party session was not the client's: it lives.
    expect((await refresh(own.refresh_token)).statusCode).toBe(200);
    expect((await run(path, 'clients', 'show', id)).code).toBe(1);
    expect((await run(path, 'clients', 'remove', id)).code).toBe(1);
    expect((await run(path, 'clients', 'remove', 'gatehouse')).code).toBe(1);
  });

  it('refuses bad registrations with every problem, and bad usage with exit 2', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-clients-')), 'db.sqlite');
    const bad = await run(
      path,
      'clients',
      'add',
      '--name',
      'X',
      '--type',
      'public',
      '--redirect-uri',
      'http://evil.example/cb',
      '--redirect-uri',
      'https://ok.example/cb#frag',
      '--grant',
      'implicit',
      '--scope',
      'not-configured',
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('http is allowed only for loopback hosts');
    expect(bad.err).toContain('has a fragment');
    expect(bad.err).toContain('grant "implicit"');
    expect(bad.err).toContain('scope "not-configured" is not configured');
    expect((await run(path, 'clients', 'list')).out.split('\n')).toHaveLength(3);
    expect((await run(path, 'clients', 'add', '--name', 'X')).code).toBe(2);
    expect((await run(path, 'clients', 'add', '--type', 'public')).code).toBe(2);
    expect((await run(path, 'clients', 'show')).code).toBe(2);
    expect((await run(path, 'clients', 'add', '--help')).out).toContain('printed once');
  });
});

describe('gatehouse users set-role', () => {
  it('gives and takes a role; the next sign-in carries its scopes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-roles-')), 'db.sqlite');
    const s = await serverOn(path);
    const scopeOf = async () => ((await login(s, {})).json() as { scope?: string }).scope;
    expect(await scopeOf()).toBeUndefined();
    const given = await run(path, 'users', 'set-role', 'CLI@example.com', 'editor');
    expect(given).toMatchObject({ code: 0, out: 'cli@example.com: given editor; roles: editor\n' });
    expect(await scopeOf()).toBe('orders:read orders:write');
    expect((await run(path, 'users', 'set-role', 'cli@example.com', 'editor')).out).toContain(
      'already had editor',
    );
    const unknown = await run(path, 'users', 'set-role', 'cli@example.com', 'auditor');
    expect(unknown.err).toContain('gives auditor no scopes');
    const removed = await run(path, 'users', 'set-role', 'cli@example.com', 'editor', '--remove');
    expect(removed.out).toBe('cli@example.com: removed editor; roles: auditor\n');
    expect(await scopeOf()).toBeUndefined();
    expect((await run(path, 'users', 'set-role', 'nobody@example.com', 'editor')).code).toBe(1);
    expect((await run(path, 'users', 'set-role', 'cli@example.com', 'bad role')).code).toBe(2);
    expect((await run(path, 'users', 'set-role', 'cli@example.com')).code).toBe(2);
  });
});
