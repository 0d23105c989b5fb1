import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFromEnv, configWarnings, ENV_VARIABLES, type Env } from './config.js';

const warningsFor = (env: Env) => configWarnings(env, configFromEnv(env));
const SMTP = 'smtp://mail.example.com:587';

describe('ENV_VARIABLES', () => {
  it('holds every GATEHOUSE_* name config.ts reads, and only those', () => {
    const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
    const named = new Set(
      [...source.matchAll(/'(GATEHOUSE_[A-Z0-9_]*[A-Z0-9])'/g)].map((match) => match[1] as string),
    );
    const testOnly = [
      'GATEHOUSE_TEST_POSTGRES_URL',
      'GATEHOUSE_TEST_REDIS_URL',
      'GATEHOUSE_VECTORS',
    ];
    expect([...named].filter((name) => !testOnly.includes(name)).sort()).toEqual(ENV_VARIABLES);
    expect(ENV_VARIABLES).toContain('GATEHOUSE_REDIS_PREFIX');
  });

  it('holds every variable of the README Configuration and Production tables', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const tables = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## The CLI'));
    const documented = new Set(
      [...tables.matchAll(/^\| `(GATEHOUSE_[A-Z0-9_]+)/gm)].map((match) => match[1] as string),
    );
    expect(documented.size).toBeGreaterThan(25);
    for (const name of documented) expect(ENV_VARIABLES, name).toContain(name);
  });
});

describe('configWarnings', () => {
  it('has nothing to say about the defaults, or a valid production setup', () => {
    expect(warningsFor({})).toEqual([]);
    expect(
      warningsFor({
        NODE_ENV: 'production',
        GATEHOUSE_HOST: '0.0.0.0',
        GATEHOUSE_ISSUER: 'https://auth.example.com',
        GATEHOUSE_PORT: '3001',
        GATEHOUSE_SMTP_URL: SMTP,
        PATH: '/usr/bin',
        GATEHOUSE_TEST_POSTGRES_URL: 'postgres://localhost/test',
      }),
    ).toEqual([]);
  });

  it.each([
    ['GATEHOUSE_PROT', 'GATEHOUSE_PORT'],
    ['GATEHOUSE_ISUER', 'GATEHOUSE_ISSUER'],
    ['GATEHOUSE_ALLOWED_ORIGIN', 'GATEHOUSE_ALLOWED_ORIGINS'],
    ['GATEHOUSE_DATABSE_URL', 'GATEHOUSE_DATABASE_URL'],
    ['GATEHOUSE_PROXY', 'GATEHOUSE_TRUST_PROXY'],
    ['GATEHOUSE_ACCESS_TTL', 'GATEHOUSE_ACCESS_TOKEN_TTL'],
    ['gatehouse_port', 'GATEHOUSE_PORT'],
    ['Gatehouse_Log_Level', 'GATEHOUSE_LOG_LEVEL'],
  ])('warns of %s, ignored, and suggests %s', (name, known) => {
    expect(warningsFor({ [name]: '1' })).toEqual([
      `${name} is not a Gatehouse variable and is ignored: did you mean ${known}?`,
    ]);
  });

  it('warns of an unknown variable with no close name without guessing (TTL, SECRET: one of several), one line each, sorted', () => {
    const warnings = warningsFor({
      GATEHOUSE_TTL: 'x',
      GATEHOUSE_FROBNICATE: 'x',
      GATEHOUSE_URL: 'x',
      GATEHOUSE_SECRET: 'x',
    });
    expect(warnings).toEqual([
      'GATEHOUSE_FROBNICATE is not a Gatehouse variable and is ignored (README, Configuration, lists them)',
      'GATEHOUSE_SECRET is not a Gatehouse variable and is ignored (README, Configuration, lists them)',
      'GATEHOUSE_TTL is not a Gatehouse variable and is ignored (README, Configuration, lists them)',
      'GATEHOUSE_URL is not a Gatehouse variable and is ignored (README, Configuration, lists them)',
    ]);
    for (const warning of warnings) expect(warning).not.toContain('\n');
  });

  it('never repeats the value of an unknown variable (it may be a secret)', () => {
    const [warning] = warningsFor({ GATEHOUSE_JWT_SECRETS: 'sentinel-secret-0123456789' });
    expect(warning).toBe(
      'GATEHOUSE_JWT_SECRETS is not a Gatehouse variable and is ignored: did you mean GATEHOUSE_JWT_SECRET?',
    );
  });

  it.each([
    [
      { NODE_ENV: 'production', GATEHOUSE_SMTP_URL: SMTP },
      'http://localhost:3000 (the default: GATEHOUSE_ISSUER is unset)',
    ],
    [
      {
        NODE_ENV: 'production',
        GATEHOUSE_ISSUER: 'http://127.0.0.1:8080',
        GATEHOUSE_SMTP_URL: SMTP,
      },
      'http://127.0.0.1:8080 (GATEHOUSE_ISSUER)',
    ],
  ])('warns of NODE_ENV=production with an issuer on localhost: %j', (env, issuer) => {
    expect(warningsFor(env)).toEqual([
      `NODE_ENV=production with the issuer ${issuer}: tokens and metadata name an address of this machine; set GATEHOUSE_ISSUER to the public https:// URL of the server`,
    ]);
  });

  it('does not warn of localhost outside production, nor of https://localhost in production', () => {
    expect(warningsFor({ GATEHOUSE_ISSUER: 'http://localhost:3000' })).toEqual([]);
    expect(
      warningsFor({
        NODE_ENV: 'production',
        GATEHOUSE_ISSUER: 'https://localhost:3000',
        GATEHOUSE_SMTP_URL: SMTP,
      }),
    ).toEqual([]);
  });

  it.each([
    ['0.0.0.0', 'http://192.168.1.20:3000'],
    ['::', 'http://auth.lan:3000'],
    ['192.168.1.20', 'http://192.168.1.20:3000'],
  ])(
    'warns of host %s with the plain-HTTP issuer %s: the Secure cookie cannot work',
    (host, issuer) => {
      expect(warningsFor({ GATEHOUSE_HOST: host, GATEHOUSE_ISSUER: issuer })).toEqual([
        `GATEHOUSE_HOST=${host} serves other machines under the plain-HTTP issuer ${issuer} (GATEHOUSE_ISSUER): browsers keep the Secure session cookie only over HTTPS or on localhost, so cookie sign-in will fail; serve HTTPS (a proxy in front) and set GATEHOUSE_ISSUER to its https:// URL`,
      ]);
    },
  );

  it.each([
    ['0.0.0.0', 'http://localhost:3000', 'a container port-mapped to localhost'],
    ['0.0.0.0', 'https://auth.example.com', 'HTTPS'],
    ['127.0.0.1', 'http://auth.lan:3000', 'a loopback listener (a proxy in front)'],
    ['::1', 'http://auth.lan:3000', 'the IPv6 loopback'],
  ])('does not warn of host %s with issuer %s: %s', (host, issuer) => {
    expect(warningsFor({ GATEHOUSE_HOST: host, GATEHOUSE_ISSUER: issuer })).toEqual([]);
  });

  it('warns of NODE_ENV=production without SMTP, and not without production', () => {
    const env = { NODE_ENV: 'production', GATEHOUSE_ISSUER: 'https://auth.example.com' };
    expect(warningsFor(env)).toEqual([
      'NODE_ENV=production without GATEHOUSE_SMTP_URL: verification and password-reset messages are written as .eml files into ./data/outbox, not sent; set GATEHOUSE_SMTP_URL',
    ]);
    expect(warningsFor({ GATEHOUSE_ISSUER: 'https://auth.example.com' })).toEqual([]);
  });
});
