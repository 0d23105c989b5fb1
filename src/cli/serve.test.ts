/**
 * `gatehouse serve` at start: configuration warnings on stderr, one line each, and a listen
 * failure (port in use, an address not of this machine) as one line saying what to set, exit 1,
 * no stack trace.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, processIo } from './io.js';
import { main } from './main.js';

function capture(env: CliIo['env']): CliIo & { out: string; err: string } {
  const io = {
    ...processIo,
    env,
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

/** Storage in memory, an HS256 secret (no key file), no request logs. */
const BASE = {
  GATEHOUSE_HOST: '127.0.0.1',
  GATEHOUSE_DATABASE_URL: 'sqlite::memory:',
  GATEHOUSE_JWT_SECRET: 'a test secret of at least thirty-two bytes',
  GATEHOUSE_LOG_LEVEL: 'silent',
};

let blocker: Server;
let port: number;
beforeEach(async () => {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  port = (blocker.address() as { port: number }).port;
});
afterEach(async () => {
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
});

describe('gatehouse serve', () => {
  it('a port in use: one line naming the port and GATEHOUSE_PORT, exit 1, the port left alone', async () => {
    const io = capture({ ...BASE, GATEHOUSE_PORT: String(port) });
    expect(await main(['serve'], io)).toBe(1);
    expect(io.err).toBe(
      `gatehouse cannot start: port ${port} is in use on 127.0.0.1: stop what listens there, or set GATEHOUSE_PORT to a free port\n`,
    );
    expect(io.out).toBe('');
    expect(blocker.listening).toBe(true);
  });

  it('prints each configuration warning as one line on stderr before starting', async () => {
    const io = capture({
      ...BASE,
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_PROT: '3001',
      GATEHOUSE_ALLOWED_ORIGIN: 'https://app.example.com',
      NODE_ENV: 'production',
    });
    expect(await main(['serve'], io)).toBe(1);
    expect(io.err.split('\n')).toEqual([
      'gatehouse warning: GATEHOUSE_ALLOWED_ORIGIN is not a Gatehouse variable and is ignored: did you mean GATEHOUSE_ALLOWED_ORIGINS?',
      'gatehouse warning: GATEHOUSE_PROT is not a Gatehouse variable and is ignored: did you mean GATEHOUSE_PORT?',
      `gatehouse warning: NODE_ENV=production with the issuer http://localhost:${port} (the default: GATEHOUSE_ISSUER is unset): tokens and metadata name an address of this machine; set GATEHOUSE_ISSUER to the public https:// URL of the server`,
      'gatehouse warning: NODE_ENV=production without GATEHOUSE_SMTP_URL: verification and password-reset messages are written as .eml files into ./data/outbox, not sent; set GATEHOUSE_SMTP_URL',
      `gatehouse cannot start: port ${port} is in use on 127.0.0.1: stop what listens there, or set GATEHOUSE_PORT to a free port`,
      '',
    ]);
  });

  it('an address that is not of this machine: one line naming GATEHOUSE_HOST, exit 1', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): assigned to no machine.
    const io = capture({ ...BASE, GATEHOUSE_HOST: '192.0.2.1', GATEHOUSE_PORT: '0' });
    expect(await main(['serve'], io)).toBe(1);
    expect(io.err).toBe(
      'gatehouse cannot start: GATEHOUSE_HOST=192.0.2.1 is not an address of this machine: use one of its addresses, or 0.0.0.0 for all\n',
    );
  });

  it('an invalid configuration still lists its problems, with no warning before them', async () => {
    const io = capture({ ...BASE, GATEHOUSE_PORT: 'http', GATEHOUSE_PROT: '1' });
    expect(await main(['serve'], io)).toBe(1);
    expect(io.err).toMatch(
      /^gatehouse cannot start: invalid configuration:\n {2}- GATEHOUSE_PORT /,
    );
  });
});
