import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropSchema,
  POSTGRES_URL,
  postgresReachable,
  serviceGate,
  uniqueSchema,
} from '../../test/support/services.js';
import { createFixedClock } from '../core/clock.js';
import { exportJwk, generateJwtKey, importJwks, signJwt } from '../jwt/index.js';
import { openStorage } from '../storage/index.js';
import { openPostgres } from '../storage/postgres/database.js';
import { createSqlStores } from '../storage/sql/index.js';
import { type CliIo, processIo } from './io.js';
import { main } from './main.js';

function capture(): CliIo & { out: string; err: string } {
  const io = {
    ...processIo,
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

/** A capture whose standard input holds `stdin`. */
function withStdin(stdin: string): ReturnType<typeof capture> {
  const io = capture();
  io.readStdin = async () => stdin;
  return io;
}

const pgEnabled = serviceGate('PostgreSQL', await postgresReachable());
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
const now = Math.floor(Date.now() / 1000);

describe('gatehouse keys generate', () => {
  it('writes a private JWKS with mode 0600 that imports, and never overwrites without --force', async () => {
    const out = join(dir, 'keys.json');
    const io = capture();
    expect(await main(['keys', 'generate', '--alg', 'ES256', '--out', out], io)).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const keys = importJwks(readFileSync(out, 'utf8'));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ alg: 'ES256', kind: 'private' });
    expect(io.out).toContain(keys[0]?.kid);
    expect(io.out).not.toContain('"d"');

    const again = capture();
    expect(await main(['keys', 'generate', '--out', out], again)).toBe(1);
    expect(again.err).toContain('--force');
    expect(importJwks(readFileSync(out, 'utf8'))[0]?.kid).toBe(keys[0]?.kid);
    expect(
      await main(['keys', 'generate', '--out', out, '--force', '--alg', 'EdDSA'], capture()),
    ).toBe(0);
    expect(importJwks(readFileSync(out, 'utf8'))[0]?.alg).toBe('EdDSA');
  });

  it('bad arguments exit 2 with a usage message', async () => {
    for (const args of [
      ['keys', 'generate'],
      ['keys', 'generate', '--alg', 'none', '--out', 'x'],
      ['keys', 'generate', '--bogus'],
      ['keys', 'destroy'],
    ]) {
      const io = capture();
      expect(await main(args, io)).toBe(2);
      expect(io.err).toMatch(/gatehouse/);
    }
  });
});

describe('gatehouse token decode', () => {
  it('shows header and payload with readable dates and says nothing was verified', async () => {
    const token = signJwt({ sub: 'u', exp: 1_700_000_000 }, generateJwtKey('HS256'));
    const io = capture();
    expect(await main(['token', 'decode', token], io)).toBe(0);
    expect(io.out).toMatch(/NOT VERIFIED/);
    expect(io.out).toContain('2023-11-14T22:13:20.000Z');
    expect(io.out).toContain('"sub": "u"');
  });

  it('a malformed token exits 1 with its code', async () => {
    const io = capture();
    expect(await main(['token', 'decode', 'abc'], io)).toBe(1);
    expect(io.err).toContain('ERR_JWT_MALFORMED');
  });

  it("'-' reads the token from standard input, trimmed; an empty input is bad usage", async () => {
    const token = signJwt({ sub: 'from-stdin', exp: 1_700_000_000 }, generateJwtKey('HS256'));
    const io = withStdin(`  ${token}\r\n`);
    expect(await main(['token', 'decode', '-'], io)).toBe(0);
    expect(io.out).toContain('"sub": "from-stdin"');
    const empty = withStdin(' \n');
    expect(await main(['token', 'decode', '-'], empty)).toBe(2);
    expect(empty.err).toContain('no token on standard input');
    // Not read unless asked: an inline token leaves standard input alone.
    let read = false;
    const inline = capture();
    inline.readStdin = async () => {
      read = true;
      return '';
    };
    expect(await main(['token', 'decode', token], inline)).toBe(0);
    expect(read).toBe(false);
  });
});

/** Changes one character in the middle of the signature (always a different one). */
const tamper = (token: string) => {
  const at = token.length - 20;
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
};

describe('gatehouse token verify', () => {
  const key = generateJwtKey('ES256');
  const privateFile = join(dir, 'private.json');
  writeFileSync(privateFile, JSON.stringify({ keys: [exportJwk(key, { includePrivate: true })] }));
  const publicFile = join(dir, 'public.json');
  writeFileSync(publicFile, JSON.stringify({ keys: [exportJwk(key)] }));
  const token = signJwt({ sub: 'u', aud: 'api', iss: 'https://i', exp: now + 600 }, key);

  it('exits 0 for a valid token with the public or the private JWKS file', async () => {
    for (const file of [publicFile, privateFile]) {
      const io = capture();
      expect(
        await main(
          ['token', 'verify', token, '--jwks', file, '--aud', 'api', '--iss', 'https://i'],
          io,
        ),
      ).toBe(0);
      expect(io.out).toMatch(/^valid/);
      expect(io.out).toContain('  iss: checked (--iss)\n');
      expect(io.out).toContain('  aud: checked (--aud)\n');
      expect(io.out).toContain('  revocation: not checked');
    }
  });

  it('says what it did not check: iss and aud without --iss and --aud, and never revocation', async () => {
    // Another issuer and audience than the token's: not looked at, and the output says so.
    const io = capture();
    expect(await main(['token', 'verify', token, '--jwks', publicFile], io)).toBe(0);
    expect(io.out).toMatch(/^valid/);
    expect(io.out).toContain('  iss: not checked (no --iss)\n');
    expect(io.out).toContain('  aud: not checked (no --aud)\n');
    expect(io.out).toContain('  revocation: not checked');
    const help = capture();
    expect(await main(['help', 'token', 'verify'], help)).toBe(0);
    expect(help.out + help.err).toMatch(/Revocation is not checked/);
  });

  it('exits 1 with the error code for a wrong audience, a tampered or expired token', async () => {
    const cases: Array<[string[], string]> = [
      [[token, '--jwks', publicFile, '--aud', 'other'], 'ERR_JWT_CLAIM_INVALID'],
      [[tamper(token), '--jwks', publicFile], 'ERR_JWS_SIGNATURE_INVALID'],
      [[signJwt({ exp: now - 1 }, key), '--jwks', publicFile], 'ERR_JWT_EXPIRED'],
    ];
    for (const [args, code] of cases) {
      const io = capture();
      expect(await main(['token', 'verify', ...args], io)).toBe(1);
      expect(io.err).toContain(code);
    }
  });

  it('verifies HS256 with a secret file (a trailing newline ignored)', async () => {
    const secret = 'a-long-enough-shared-secret-of-32+bytes!';
    const file = join(dir, 'secret.txt');
    writeFileSync(file, `${secret}\n`);
    const { importHmacSecret } = await import('../jwt/index.js');
    const hsToken = signJwt({ exp: now + 60 }, importHmacSecret(secret, 'HS256'));
    expect(await main(['token', 'verify', hsToken, '--secret-file', file], capture())).toBe(0);
  });

  it("'-' reads the token to verify from standard input", async () => {
    const io = withStdin(`${token}\n`);
    expect(await main(['token', 'verify', '-', '--jwks', publicFile, '--aud', 'api'], io)).toBe(0);
    expect(io.out).toMatch(/^valid/);
    const bad = withStdin(tamper(token));
    expect(await main(['token', 'verify', '-', '--jwks', publicFile], bad)).toBe(1);
    expect(bad.err).toContain('ERR_JWS_SIGNATURE_INVALID');
    expect(bad.err).not.toContain(tamper(token));
  });

  describe('--jwks-url', () => {
    let jwksServer: Server;
    let base: string;
    const requests: string[] = [];
    beforeAll(async () => {
      jwksServer = createServer((request, response) => {
        requests.push(String(request.url));
        if (request.url === '/.well-known/jwks.json') {
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ keys: [exportJwk(key)] }));
        } else {
          response.statusCode = 404;
          response.end('not found');
        }
      });
      await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => jwksServer.close(resolve));
    });

    it('fetches the JWKS over HTTP and verifies with it', async () => {
      const io = capture();
      const url = `${base}/.well-known/jwks.json`;
      expect(await main(['token', 'verify', token, '--jwks-url', url, '--aud', 'api'], io)).toBe(0);
      expect(io.out).toMatch(/^valid/);
      expect(requests.at(-1)).toBe('/.well-known/jwks.json');
      const tampered = capture();
      expect(await main(['token', 'verify', tamper(token), '--jwks-url', url], tampered)).toBe(1);
      expect(tampered.err).toContain('ERR_JWS_SIGNATURE_INVALID');
    });

    it('an HTTP error or an unreachable server exits 2, naming the host, not the token', async () => {
      const missing = capture();
      expect(
        await main(['token', 'verify', token, '--jwks-url', `${base}/nothing-here`], missing),
      ).toBe(2);
      expect(missing.err).toContain('HTTP 404');
      expect(missing.err).not.toContain(token);
      // A port just released: nothing listens there.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const refused = capture();
      expect(
        await main(['token', 'verify', token, '--jwks-url', `http://127.0.0.1:${port}/j`], refused),
      ).toBe(2);
      expect(refused.err).toContain(`127.0.0.1:${port}`);
    });

    it('refuses anything but an absolute http(s) URL, before any request', async () => {
      const before = requests.length;
      for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/jwks', 'jwks.json', 'data:,{}']) {
        const io = capture();
        expect(await main(['token', 'verify', token, '--jwks-url', url], io), url).toBe(2);
        expect(io.err).toContain('http:// or https://');
      }
      expect(requests.length).toBe(before);
    });
  });

  it('bad arguments exit 2', async () => {
    for (const args of [
      [token],
      [token, '--jwks', publicFile, '--secret-file', publicFile],
      [token, '--jwks', publicFile, '--jwks-url', 'https://auth.example/jwks'],
      [],
      [token, '--jwks', join(dir, 'missing.json')],
    ]) {
      expect(await main(['token', 'verify', ...args], capture())).toBe(2);
    }
  });
});

describe('gatehouse help', () => {
  it('prints usage and exits 0', async () => {
    const io = capture();
    expect(await main([], io)).toBe(0);
    expect(io.out).toContain('keys generate');
    const detail = capture();
    expect(await main(['help', 'token', 'verify'], detail)).toBe(0);
    expect(detail.out).toContain('--secret-file');
  });

  it('--version prints the package version', async () => {
    const io = capture();
    expect(await main(['--version'], io)).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(io.out).toBe(`${pkg.version}\n`);
  });

  it('<command> --help prints that command and runs nothing, for every command', async () => {
    for (const command of [
      ['serve'],
      ['migrate'],
      ['keys', 'generate'],
      ['keys', 'rotate'],
      ['keys', 'retire'],
      ['keys', 'list'],
      ['token', 'decode'],
      ['token', 'verify'],
      ['events', 'list'],
    ]) {
      const io = capture();
      expect(await main([...command, '--help'], io), command.join(' ')).toBe(0);
      expect(io.out, command.join(' ')).toContain(`gatehouse ${command.join(' ')}`);
      expect(io.err).toBe('');
    }
  });

  it('a group alone lists its subcommands (exit 2); with --help the same on stdout (exit 0)', async () => {
    const bare = capture();
    expect(await main(['keys'], bare)).toBe(2);
    expect(bare.err).toContain('generate, rotate, retire');
    const help = capture();
    expect(await main(['token', '--help'], help)).toBe(0);
    expect(help.out).toContain('decode, verify');
    const unknown = capture();
    expect(await main(['nothing'], unknown)).toBe(2);
    expect(unknown.err).toContain("unknown command 'nothing'");
  });
});

describe('gatehouse migrate', () => {
  it('migrates a new SQLite file, then reports it up to date', async () => {
    const io = capture();
    const env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'migrate.db')}` };
    expect(await main(['migrate'], { ...io, env })).toBe(0);
    expect(io.out).toContain('0001_initial, 0002_signing_keys');
    const again = capture();
    expect(await main(['migrate'], { ...again, env })).toBe(0);
    expect(again.out).toContain('up to date');
  });

  it('a bad database URL exits 1 with the reason', async () => {
    const io = capture();
    expect(await main(['migrate'], { ...io, env: { GATEHOUSE_DATABASE_URL: 'mysql://x' } })).toBe(
      1,
    );
    expect(io.err).toContain('GATEHOUSE_DATABASE_URL');
  });
});

describe('gatehouse keys list', () => {
  it('lists the kids and algorithms of a key file, never a private part', async () => {
    const a = generateJwtKey('ES256');
    const b = generateJwtKey('EdDSA');
    const file = join(dir, 'list-keys.json');
    writeFileSync(
      file,
      JSON.stringify({ keys: [a, b].map((k) => exportJwk(k, { includePrivate: true })) }),
    );
    for (const [args, env] of [
      [['--file', file], {}],
      // Without --file: the file the server would use.
      [[], { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'k.db')}`, GATEHOUSE_SIGNING_KEYS: file }],
    ] as const) {
      const io = capture();
      expect(await main(['keys', 'list', ...args], { ...io, env })).toBe(0);
      expect(io.out).toContain(`${a.kid}  ES256  private`);
      expect(io.out).toContain(`${b.kid}  EdDSA  private`);
      expect(io.out).not.toMatch(/"d"/);
    }
    const missing = capture();
    expect(await main(['keys', 'list', '--file', join(dir, 'none.json')], missing)).toBe(1);
    expect(missing.err).toContain('does not exist');
  });

  it.runIf(pgEnabled)(
    'lists database-held keys: dates, and which signs now, which waits, which only verifies',
    async () => {
      const schema = uniqueSchema('gh_cli_keys');
      const handle = await openPostgres(POSTGRES_URL, { schema });
      try {
        const T = Date.UTC(2026, 10, 1, 12, 0, 0);
        const keys = createSqlStores(handle.db, 'postgres').keys;
        const [old, current, next] = [1, 2, 3].map(() => generateJwtKey('ES256'));
        const stored = (k: typeof old, createdAtMs: number, signsFromMs: number) => ({
          kid: (k as NonNullable<typeof old>).kid,
          privateJwk: JSON.stringify(
            exportJwk(k as NonNullable<typeof old>, { includePrivate: true }),
          ),
          createdAtMs,
          signsFromMs,
        });
        await keys.addInitialSigningKey(stored(old, T, T));
        await keys.addSigningKey(stored(current, T + 1000, T + 2000));
        await keys.addSigningKey(stored(next, T + 3000, T + 60_000));
        const url = new URL(POSTGRES_URL);
        url.searchParams.set('options', `-c search_path=${schema}`);
        const io = capture();
        const env = { GATEHOUSE_DATABASE_URL: url.toString(), GATEHOUSE_ISSUER: 'https://i' };
        expect(
          await main(['keys', 'list'], {
            ...io,
            env,
            clock: createFixedClock(T + 10_000),
          } as CliIo),
        ).toBe(0);
        const lines = io.out.trim().split('\n');
        expect(lines[0]).toBe('3 stored keys, all published:');
        expect(lines.slice(2)).toEqual([
          `${next?.kid}  ES256  2026-11-01T12:00:03Z  2026-11-01T12:01:00Z  published, not signing yet`,
          `${current?.kid}  ES256  2026-11-01T12:00:01Z  2026-11-01T12:00:02Z  signing now`,
          `${old?.kid}  ES256  2026-11-01T12:00:00Z  2026-11-01T12:00:00Z  verifies only (replaced)`,
        ]);
        expect(io.out).not.toMatch(/"d"/);
      } finally {
        await handle.close();
        await dropSchema(schema);
      }
    },
  );
});

describe('gatehouse events list', () => {
  const T = Date.UTC(2026, 10, 1, 12, 0, 0);
  const env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'events.db')}` };
  beforeAll(async () => {
    const storage = await openStorage({ kind: 'sqlite', path: join(dir, 'events.db') });
    try {
      const record = (
        type: 'signup' | 'login' | 'logout' | 'login_failed',
        userId: string | null,
        sessionId: string | null,
        atMs: number,
      ) =>
        storage.stores.events.recordEvent({
          type,
          userId,
          sessionId,
          ip: userId === null ? null : '192.0.2.7',
          userAgent: 'agent/1',
          atMs,
        });
      await record('signup', 'u1', null, T);
      await record('login', 'u1', 's1', T + 60_000);
      await record('login_failed', null, null, T + 120_000);
      await record('logout', 'u1', 's1', T + 180_000);
      await record('login', 'u2', 's2', T + 240_000);
    } finally {
      await storage.close();
    }
  });

  const list = async (...args: string[]) => {
    const io = capture();
    const code = await main(['events', 'list', ...args], { ...io, env });
    return { code, lines: io.out === '' ? [] : io.out.trimEnd().split('\n'), err: io.err };
  };

  it('prints one line per event, newest first: time, type, user, session, ip', async () => {
    const { code, lines } = await list();
    expect(code).toBe(0);
    expect(lines).toEqual([
      '2026-11-01T12:04:00.000Z  login  user=u2  session=s2  ip=192.0.2.7',
      '2026-11-01T12:03:00.000Z  logout  user=u1  session=s1  ip=192.0.2.7',
      '2026-11-01T12:02:00.000Z  login_failed  user=-  session=-  ip=-',
      '2026-11-01T12:01:00.000Z  login  user=u1  session=s1  ip=192.0.2.7',
      '2026-11-01T12:00:00.000Z  signup  user=u1  session=-  ip=192.0.2.7',
    ]);
  });

  it('filters by user, type, time (inclusive) and limit', async () => {
    const types = async (...args: string[]) =>
      (await list(...args)).lines.map((line) => line.split('  ')[1]);
    expect(await types('--user', 'u1')).toEqual(['logout', 'login', 'signup']);
    expect(await types('--type', 'login')).toEqual(['login', 'login']);
    expect(await types('--user', 'u1', '--type', 'login')).toEqual(['login']);
    expect(
      await types('--since', '2026-11-01T12:01:00Z', '--until', '2026-11-01T12:03:00Z'),
    ).toEqual(['logout', 'login_failed', 'login']);
    expect(await types('--limit', '2')).toEqual(['login', 'logout']);
    const none = await list('--user', 'nobody');
    expect(none).toMatchObject({ code: 0, lines: [] });
    expect(none.err).toContain('no events match');
  });

  it('bad filters exit 2 with usage, before the database is opened', async () => {
    for (const args of [
      ['--type', 'everything'],
      ['--since', 'yesterday'],
      ['--until', '2026-13-45T99:00:00Z'],
      ['--limit', '0'],
      ['--limit', '1e3'],
      ['--limit', '10001'],
      ['--user'],
    ]) {
      const io = capture();
      const code = await main(['events', 'list', ...args], {
        ...io,
        env: { GATEHOUSE_DATABASE_URL: 'sqlite:/nonexistent/dir/x.db' },
      });
      expect(code, args.join(' ')).toBe(2);
      expect(io.err).toContain('gatehouse events list');
    }
  });
});
