import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportJwk, generateJwtKey, importJwks, signJwt } from '../jwt/index.js';
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
    }
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

  it('bad arguments exit 2', async () => {
    for (const args of [
      [token],
      [token, '--jwks', publicFile, '--secret-file', publicFile],
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
      ['token', 'decode'],
      ['token', 'verify'],
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
