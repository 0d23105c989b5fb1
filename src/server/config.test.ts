import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../core/errors.js';
import { OWASP_MINIMUM } from '../passwords/index.js';
import {
  configFromEnv,
  createServerConfig,
  ENV_VARIABLES,
  type Env,
  parseDurationSeconds,
  type ServerOptions,
} from './config.js';

const DAY = 86_400;

/** The problems of the ERR_CONFIG_INVALID that `fn` throws; fails the test when it returns. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    const problems = error.details?.problems;
    expect(Array.isArray(problems)).toBe(true);
    return [...(problems as readonly string[])];
  }
  throw new Error('the configuration was accepted');
}

describe('createServerConfig: defaults', () => {
  it('fills every default', () => {
    expect(createServerConfig()).toEqual({
      port: 3000,
      host: '127.0.0.1',
      database: { kind: 'sqlite', path: './data/gatehouse.db' },
      redis: null,
      issuer: 'http://localhost:3000',
      audience: 'http://localhost:3000',
      keysSource: 'file',
      signingKeysPath: './data/signing-keys.json',
      jwtSecret: null,
      accessTokenTtlSeconds: 3600,
      refreshTokenTtlSeconds: 14 * DAY,
      refreshReuseGraceSeconds: 10,
      sessionAbsoluteTtlSeconds: 30 * DAY,
      sessionIdleTtlSeconds: DAY,
      sessionTouchIntervalSeconds: 60,
      revocationSyncSeconds: 2,
      retentionIntervalSeconds: 3600,
      eventRetentionSeconds: 90 * DAY,
      maxSessionsPerUser: 100,
      keyPropagationDelaySeconds: 60,
      basicAuth: false,
      dpop: 'allowed',
      smtpUrl: null,
      mailFrom: 'Gatehouse <no-reply@localhost>',
      mailOutboxDir: './data/outbox',
      requireVerifiedEmail: false,
      emailVerificationTtlSeconds: 172_800,
      passwordResetTtlSeconds: 1800,
      emailChangeTtlSeconds: 3600,
      emailChangeUndoTtlSeconds: 7 * DAY,
      branding: { productName: null, logo: null, accentColor: '#0b57d0', supportUrl: null },
      webSignIn: 'cookie',
      allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
      corsOrigins: [],
      passwordParams: { ...OWASP_MINIMUM },
      argon2QueueSize: 64,
      trustProxy: false,
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 30,
      keepAliveTimeoutSeconds: 5,
      shutdownTimeoutSeconds: 10,
      metricsToken: null,
      introspectionSecret: null,
      adminToken: null,
      userScopes: [],
      roleScopes: {},
      claims: null,
      logLevel: 'info',
      production: false,
    });
    expect(createServerConfig({})).toEqual(createServerConfig());
  });

  it('the default issuer follows the port, and so does its 127.0.0.1 twin', () => {
    const config = createServerConfig({ port: 8080 });
    expect(config.issuer).toBe('http://localhost:8080');
    expect(config.audience).toBe('http://localhost:8080');
    expect(config.allowedOrigins).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080']);
  });

  it('an issuer given, even the default one, does not bring 127.0.0.1', () => {
    expect(createServerConfig({ issuer: 'http://localhost:3000' }).allowedOrigins).toEqual([
      'http://localhost:3000',
    ]);
    expect(createServerConfig({ issuer: 'https://auth.example.com' }).allowedOrigins).toEqual([
      'https://auth.example.com',
    ]);
  });

  it('the audience defaults to the issuer, without trailing slashes', () => {
    const config = createServerConfig({ issuer: 'https://example.com/auth//' });
    expect(config.issuer).toBe('https://example.com/auth');
    expect(config.audience).toBe('https://example.com/auth');
    expect(config.allowedOrigins).toEqual(['https://example.com']);
    expect(createServerConfig({ issuer: 'https://a.example', audience: 'api' }).audience).toBe(
      'api',
    );
  });

  it('allowed origins are reduced to origins, after the issuer’s own', () => {
    const config = createServerConfig({
      issuer: 'https://auth.example.com',
      allowedOrigins: ['https://app.example.com/path?q=1', 'http://localhost:5173'],
    });
    expect(config.allowedOrigins).toEqual([
      'https://auth.example.com',
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it('CORS origins are normalised, listed once, and allowed for cookie requests too', () => {
    const config = createServerConfig({
      issuer: 'https://auth.example.com',
      allowedOrigins: ['https://admin.example.com'],
      corsOrigins: [
        'HTTPS://App.Example.com:443/',
        'https://app.example.com',
        'http://localhost:5173',
      ],
    });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.allowedOrigins).toEqual([
      'https://auth.example.com',
      'https://admin.example.com',
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each<[string, ServerOptions, string]>([
    ['sqlite', {}, 'file'],
    ['postgres', { database: { kind: 'postgres', url: 'postgres://u@db:5432/g' } }, 'database'],
    [
      'postgres with a key file',
      {
        database: { kind: 'postgres', url: 'postgres://u@db:5432/g' },
        signingKeysPath: './keys.json',
      },
      'file',
    ],
    [
      'postgres with a secret',
      { database: { kind: 'postgres', url: 'postgres://u@db:5432/g' }, jwtSecret: 'k'.repeat(32) },
      'secret',
    ],
    ['sqlite with a secret', { jwtSecret: 'k'.repeat(32) }, 'secret'],
  ])('keysSource for %s is %s', (_name, options, keysSource) => {
    expect(createServerConfig(options).keysSource).toBe(keysSource);
  });

  it('redis gets the default prefix', () => {
    expect(createServerConfig({ redis: { url: 'redis://127.0.0.1:6379' } }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'gatehouse:',
    });
    expect(createServerConfig({ redis: null }).redis).toBeNull();
  });
});

describe('createServerConfig: the result is deeply frozen', () => {
  it('top level and nested objects', () => {
    const config = createServerConfig({
      redis: { url: 'redis://127.0.0.1:6379' },
      database: { kind: 'postgres', url: 'postgres://u@db:5432/g' },
    });
    for (const part of [
      config,
      config.passwordParams,
      config.allowedOrigins,
      config.database,
      config.redis,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.allowedOrigins as string[]).push('https://evil.example');
    }).toThrow(TypeError);
    expect(() => {
      (config.passwordParams as { memoryKiB: number }).memoryKiB = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.database as { url: string }).url = 'postgres://evil';
    }).toThrow(TypeError);
    expect(config.allowedOrigins).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000']);
    expect(config.passwordParams.memoryKiB).toBe(OWASP_MINIMUM.memoryKiB);
  });

  it('a caller’s later change to its options does not reach the config', () => {
    const allowedOrigins = ['https://app.example.com'];
    const passwordParams = { memoryKiB: 65_536 };
    const config = createServerConfig({ allowedOrigins, passwordParams });
    allowedOrigins.push('https://evil.example');
    passwordParams.memoryKiB = 1;
    expect(config.allowedOrigins).not.toContain('https://evil.example');
    expect(config.passwordParams.memoryKiB).toBe(65_536);
  });
});

describe('createServerConfig: validation', () => {
  it('lists every problem at once, each naming its option', () => {
    const problems = problemsOf(() =>
      createServerConfig({
        port: 70_000,
        issuer: 'ftp://auth.example.com',
        jwtSecret: 'short',
        accessTokenTtlSeconds: 29,
        logLevel: 'loud',
      }),
    );
    expect(problems).toHaveLength(5);
    for (const option of ['port', 'issuer', 'jwtSecret', 'accessTokenTtlSeconds', 'logLevel']) {
      expect(problems.filter((p) => p.includes(option))).toHaveLength(1);
    }
  });

  it('never repeats the secret it refuses', () => {
    const secret = 'SENTINEL-secret-31-bytes-long!!';
    expect(new TextEncoder().encode(secret)).toHaveLength(31);
    let thrown: unknown;
    try {
      createServerConfig({ jwtSecret: secret, production: true, basicAuth: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthError);
    const error = thrown as AuthError;
    expect(error.message).not.toContain('SENTINEL');
    expect(JSON.stringify(error.details)).not.toContain('SENTINEL');
  });

  const durationEdges: ReadonlyArray<[keyof ServerOptions, number, number]> = [
    ['accessTokenTtlSeconds', 30, DAY],
    ['refreshReuseGraceSeconds', 0, 300],
    ['sessionAbsoluteTtlSeconds', 60, 400 * DAY],
    ['sessionIdleTtlSeconds', 60, 400 * DAY],
    ['sessionTouchIntervalSeconds', 0, DAY],
    ['revocationSyncSeconds', 1, 3600],
  ];
  it.each(durationEdges)(
    '%s: %i and %i are accepted, one less and one more refused',
    (field, min, max) => {
      expect(createServerConfig({ [field]: min })[field as 'port']).toBe(min);
      expect(createServerConfig({ [field]: max })[field as 'port']).toBe(max);
      for (const bad of [min - 1, max + 1, min + 0.5]) {
        const problems = problemsOf(() => createServerConfig({ [field]: bad }));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain(field);
      }
    },
  );

  it('refreshTokenTtlSeconds: 60 to 400 days, and longer than the access token', () => {
    const access = 30;
    expect(
      createServerConfig({ accessTokenTtlSeconds: access, refreshTokenTtlSeconds: 60 })
        .refreshTokenTtlSeconds,
    ).toBe(60);
    expect(createServerConfig({ refreshTokenTtlSeconds: 400 * DAY }).refreshTokenTtlSeconds).toBe(
      400 * DAY,
    );
    expect(
      problemsOf(() =>
        createServerConfig({ accessTokenTtlSeconds: access, refreshTokenTtlSeconds: 59 }),
      ),
    ).toHaveLength(1);
    expect(
      problemsOf(() => createServerConfig({ refreshTokenTtlSeconds: 400 * DAY + 1 })),
    ).toHaveLength(1);
  });

  it('the refresh token must outlive the access token: equal refused, one second more accepted', () => {
    const problems = problemsOf(() =>
      createServerConfig({ accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 3600 }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('refreshTokenTtlSeconds');
    expect(problems[0]).toContain('accessTokenTtlSeconds');
    expect(
      createServerConfig({ accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 3601 })
        .refreshTokenTtlSeconds,
    ).toBe(3601);
    expect(
      problemsOf(() =>
        createServerConfig({ accessTokenTtlSeconds: 7200, refreshTokenTtlSeconds: 3600 }),
      ),
    ).toHaveLength(1);
  });

  it('basicAuth is refused in production only', () => {
    expect(createServerConfig({ basicAuth: true }).basicAuth).toBe(true);
    expect(createServerConfig({ production: true }).production).toBe(true);
    const problems = problemsOf(() => createServerConfig({ basicAuth: true, production: true }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('basicAuth');
  });

  it('jwtSecret: 32 bytes accepted, 31 refused, counted in UTF-8 bytes', () => {
    expect(createServerConfig({ jwtSecret: 'k'.repeat(32) }).jwtSecret).toBe('k'.repeat(32));
    // 16 characters of 2 bytes each: 32 bytes.
    expect(createServerConfig({ jwtSecret: 'é'.repeat(16) }).keysSource).toBe('secret');
    for (const short of ['k'.repeat(31), `${'é'.repeat(15)}k`, `${'😀'.repeat(7)}abc`]) {
      const problems = problemsOf(() => createServerConfig({ jwtSecret: short }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('jwtSecret');
    }
  });

  it('a secret and a key file together are refused; secret keys need a secret', () => {
    expect(
      problemsOf(() =>
        createServerConfig({ jwtSecret: 'k'.repeat(32), signingKeysPath: './keys.json' }),
      ),
    ).toHaveLength(1);
    const problems = problemsOf(() => createServerConfig({ keysSource: 'secret' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('jwtSecret');
  });

  it.each<[string, ServerOptions, string]>([
    ['port -1', { port: -1 }, 'port'],
    ['port 65536', { port: 65_536 }, 'port'],
    ['port 80.5', { port: 80.5 }, 'port'],
    ['an empty host', { host: '' }, 'host'],
    ['an issuer with a query', { issuer: 'https://a.example/?x=1' }, 'issuer'],
    ['an issuer with a fragment', { issuer: 'https://a.example/#x' }, 'issuer'],
    ['an issuer that is not a URL', { issuer: 'auth.example.com' }, 'issuer'],
    ['an empty audience', { audience: '' }, 'audience'],
    ['an empty sqlite path', { database: { kind: 'sqlite', path: '' } }, 'database'],
    [
      'a postgres URL of another scheme',
      { database: { kind: 'postgres', url: 'mysql://x' } },
      'database',
    ],
    ['a redis URL of another scheme', { redis: { url: 'http://127.0.0.1:6379' } }, 'redis'],
    ['an origin that is not a URL', { allowedOrigins: ['not an origin'] }, 'allowedOrigins'],
    // Its origin serialises as "null", the Origin of every sandboxed iframe.
    ['an opaque origin', { allowedOrigins: ['file:///srv/app.html'] }, 'allowedOrigins'],
    ['a CORS origin with a path', { corsOrigins: ['https://app.example.com/app'] }, 'corsOrigins'],
    [
      'argon2 memory under the OWASP minimum',
      { passwordParams: { memoryKiB: 19_455 } },
      'memoryKiB',
    ],
    [
      'argon2 iterations under the OWASP minimum',
      { passwordParams: { iterations: 1 } },
      'iterations',
    ],
    ['an unknown log level', { logLevel: 'verbose' }, 'logLevel'],
  ])('refuses %s', (_name, options, option) => {
    const problems = problemsOf(() => createServerConfig(options));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(option);
  });

  it('accepts the edges: port 0 and 65535, the OWASP minimum itself', () => {
    expect(createServerConfig({ port: 0 }).port).toBe(0);
    expect(createServerConfig({ port: 65_535 }).port).toBe(65_535);
    expect(createServerConfig({ passwordParams: { ...OWASP_MINIMUM } }).passwordParams).toEqual(
      OWASP_MINIMUM,
    );
  });
});

describe('branding and the sign-in mode of the pages (issue 15)', () => {
  const problems = (env: Env) => {
    try {
      configFromEnv(env);
      return [];
    } catch (error) {
      return (error as AuthError).details?.problems as string[];
    }
  };

  it('reads the name, a logo URL or file, the accent, the support link and the sign-in mode', () => {
    const config = configFromEnv({
      GATEHOUSE_PRODUCT_NAME: '  Acme Cloud ',
      GATEHOUSE_LOGO: 'https://cdn.acme.example/brand/logo.svg',
      GATEHOUSE_ACCENT_COLOR: '#C2185B',
      GATEHOUSE_SUPPORT_URL: 'https://help.acme.example/contact',
      GATEHOUSE_WEB_SIGN_IN: 'tokens',
    });
    expect(config.branding).toEqual({
      productName: 'Acme Cloud',
      logo: { kind: 'url', url: 'https://cdn.acme.example/brand/logo.svg' },
      accentColor: '#c2185b',
      supportUrl: 'https://help.acme.example/contact',
    });
    expect(config.webSignIn).toBe('tokens');
    expect(Object.isFrozen(config.branding.logo)).toBe(true);
    expect(configFromEnv({ GATEHOUSE_LOGO: './brand/Logo.PNG' }).branding.logo).toEqual({
      kind: 'file',
      path: './brand/Logo.PNG',
      contentType: 'image/png',
    });
    expect(configFromEnv({ GATEHOUSE_LOGO: '/srv/acme/mark.svg' }).branding.logo).toMatchObject({
      contentType: 'image/svg+xml',
    });
    // #rgb is written out; a mailto: support address is a link too.
    expect(configFromEnv({ GATEHOUSE_ACCENT_COLOR: '#0aF' }).branding.accentColor).toBe('#00aaff');
    expect(
      configFromEnv({ GATEHOUSE_SUPPORT_URL: 'mailto:help@acme.example' }).branding.supportUrl,
    ).toBe('mailto:help@acme.example');
    expect(createServerConfig({ webSignIn: 'cookie', productName: 'X' }).branding.productName).toBe(
      'X',
    );
  });

  it('refuses each bad value, naming its variable, all at once', () => {
    expect(
      problems({
        GATEHOUSE_PRODUCT_NAME: 'Acme\nCloud',
        GATEHOUSE_LOGO: 'javascript://alert(1)',
        GATEHOUSE_ACCENT_COLOR: 'red',
        GATEHOUSE_SUPPORT_URL: 'ftp://help.acme.example',
        GATEHOUSE_WEB_SIGN_IN: 'both',
      }),
    ).toEqual([
      'GATEHOUSE_PRODUCT_NAME must be 1 to 60 characters, no line breaks',
      'GATEHOUSE_LOGO must be an http(s) URL or the path of an .svg, .png, .jpg, .webp, .gif or .ico file',
      'GATEHOUSE_ACCENT_COLOR must be a hex colour: #rgb or #rrggbb',
      'GATEHOUSE_SUPPORT_URL must be an http(s) URL or mailto:address',
      'GATEHOUSE_WEB_SIGN_IN must be cookie or tokens',
    ]);
    expect(problems({ GATEHOUSE_PRODUCT_NAME: 'x'.repeat(61) })).toHaveLength(1);
    expect(problems({ GATEHOUSE_PRODUCT_NAME: 'x'.repeat(60) })).toEqual([]);
    expect(problems({ GATEHOUSE_LOGO: './logo.pdf' })).toHaveLength(1);
    expect(problems({ GATEHOUSE_LOGO: 'https://user:pass@cdn.example/logo.png' })).toHaveLength(1);
    expect(problems({ GATEHOUSE_ACCENT_COLOR: '#12345' })).toHaveLength(1);
    expect(problems({ GATEHOUSE_ACCENT_COLOR: '0b57d0' })).toHaveLength(1);
    // A mailto: with headers would let the link write a message of its choosing.
    expect(
      problems({ GATEHOUSE_SUPPORT_URL: 'mailto:help@acme.example?bcc=all@acme.example' }),
    ).toHaveLength(1);
    expect(problems({ GATEHOUSE_SUPPORT_URL: 'javascript:alert(1)' })).toHaveLength(1);
  });

  it('are known variables (no misspelling warning)', () => {
    for (const name of [
      'GATEHOUSE_PRODUCT_NAME',
      'GATEHOUSE_LOGO',
      'GATEHOUSE_ACCENT_COLOR',
      'GATEHOUSE_SUPPORT_URL',
      'GATEHOUSE_WEB_SIGN_IN',
    ])
      expect(ENV_VARIABLES).toContain(name);
  });
});

describe('email settings (issue 13)', () => {
  it('reads the SMTP URL, the From, the outbox, the verified-email switch and the link lifetimes', () => {
    const config = configFromEnv({
      GATEHOUSE_ISSUER: 'https://auth.example.com',
      GATEHOUSE_SMTP_URL: 'smtps://mailer:s3cret@smtp.example.com:465',
      GATEHOUSE_MAIL_FROM: 'Example <accounts@example.com>',
      GATEHOUSE_MAIL_OUTBOX: '/var/lib/gatehouse/outbox',
      GATEHOUSE_REQUIRE_VERIFIED_EMAIL: 'true',
      GATEHOUSE_EMAIL_VERIFICATION_TTL: '1d',
      GATEHOUSE_PASSWORD_RESET_TTL: '15m',
      GATEHOUSE_EMAIL_CHANGE_TTL: '30m',
      GATEHOUSE_EMAIL_CHANGE_UNDO_TTL: '14d',
    });
    expect(config).toMatchObject({
      emailChangeTtlSeconds: 1800,
      emailChangeUndoTtlSeconds: 14 * 86_400,
      smtpUrl: 'smtps://mailer:s3cret@smtp.example.com:465',
      mailFrom: 'Example <accounts@example.com>',
      mailOutboxDir: '/var/lib/gatehouse/outbox',
      requireVerifiedEmail: true,
      emailVerificationTtlSeconds: 86_400,
      passwordResetTtlSeconds: 900,
    });
    expect(createServerConfig({ issuer: 'https://auth.example.com:8443' }).mailFrom).toBe(
      'Gatehouse <no-reply@auth.example.com>',
    );
  });

  it('bounds the email-change link lifetimes: 5 minutes to a day, and 1 to 30 days for the undo', () => {
    for (const [variable, value] of [
      ['GATEHOUSE_EMAIL_CHANGE_TTL', '4m'],
      ['GATEHOUSE_EMAIL_CHANGE_TTL', '2d'],
      ['GATEHOUSE_EMAIL_CHANGE_UNDO_TTL', '23h'],
      ['GATEHOUSE_EMAIL_CHANGE_UNDO_TTL', '31d'],
    ] as const)
      expect(() => configFromEnv({ [variable]: value }), `${variable}=${value}`).toThrow(variable);
  });

  it('refuses a bad SMTP URL without repeating it (it holds a password), and a From with a line break', () => {
    const problems = (env: Record<string, string>) => {
      try {
        configFromEnv(env);
        return [];
      } catch (error) {
        return (error as AuthError).details?.problems as string[];
      }
    };
    const smtp = problems({ GATEHOUSE_SMTP_URL: 'http://user:hunter22@mail.example.com' });
    expect(smtp).toEqual([
      'GATEHOUSE_SMTP_URL must be smtp://[USER:PASS@]HOST[:PORT] or smtps://...',
    ]);
    expect(JSON.stringify(smtp)).not.toContain('hunter22');
    expect(problems({ GATEHOUSE_MAIL_FROM: 'a@example.com\r\nBcc: victim@example.com' })).toEqual([
      'GATEHOUSE_MAIL_FROM must be an address (name@host) or Name <name@host>',
    ]);
    expect(problems({ GATEHOUSE_REQUIRE_VERIFIED_EMAIL: 'yes' })).toEqual([
      'GATEHOUSE_REQUIRE_VERIFIED_EMAIL must be true or false',
    ]);
    expect(problems({ GATEHOUSE_PASSWORD_RESET_TTL: '299' })).toEqual([
      'GATEHOUSE_PASSWORD_RESET_TTL must be a duration (seconds, or with s/m/h/d) from 300s to 86400s',
    ]);
  });
});

describe('parseDurationSeconds', () => {
  it.each<[string, number | null]>([
    ['3600', 3600],
    ['45s', 45],
    ['15m', 900],
    ['1h', 3600],
    ['14d', 14 * DAY],
    ['0', 0],
    [' 15m ', 900],
    ['999999999', 999_999_999],
    ['1000000000', null],
    ['1.5h', null],
    ['15M', null],
    ['1w', null],
    ['-5s', null],
    ['15 m', null],
    ['m', null],
    ['', null],
    ['0x10', null],
    ['1e3', null],
  ])('%j -> %s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });
});

describe('configFromEnv', () => {
  it('with no variables gives the defaults', () => {
    expect(configFromEnv({})).toEqual(createServerConfig());
  });

  it('parses durations with units', () => {
    const config = configFromEnv({
      GATEHOUSE_ACCESS_TOKEN_TTL: '15m',
      GATEHOUSE_REFRESH_TOKEN_TTL: '14d',
      GATEHOUSE_REFRESH_REUSE_GRACE: '45s',
      GATEHOUSE_SESSION_IDLE_TTL: '1h',
      GATEHOUSE_SESSION_ABSOLUTE_TTL: '2592000',
    });
    expect(config.accessTokenTtlSeconds).toBe(900);
    expect(config.refreshTokenTtlSeconds).toBe(14 * DAY);
    expect(config.refreshReuseGraceSeconds).toBe(45);
    expect(config.sessionIdleTtlSeconds).toBe(3600);
    expect(config.sessionAbsoluteTtlSeconds).toBe(30 * DAY);
  });

  it('names the GATEHOUSE_ variables, not the option names, in its problems', () => {
    const problems = problemsOf(() =>
      configFromEnv({
        GATEHOUSE_PORT: '70000',
        GATEHOUSE_ACCESS_TOKEN_TTL: '29s',
        GATEHOUSE_LOG_LEVEL: 'loud',
        GATEHOUSE_ARGON2_MEMORY_KIB: '1024',
        GATEHOUSE_ISSUER: 'ftp://auth.example.com',
      }),
    );
    expect(problems).toHaveLength(5);
    for (const name of [
      'GATEHOUSE_PORT',
      'GATEHOUSE_ACCESS_TOKEN_TTL',
      'GATEHOUSE_LOG_LEVEL',
      'GATEHOUSE_ARGON2_MEMORY_KIB',
      'GATEHOUSE_ISSUER',
    ]) {
      expect(problems.filter((p) => p.includes(name))).toHaveLength(1);
    }
    for (const option of ['accessTokenTtlSeconds', 'logLevel', 'memoryKiB', 'passwordParams']) {
      expect(problems.join('\n')).not.toContain(option);
    }
  });

  it('access TTL edges through the environment: 30s and 1d accepted, 29s and 86401 refused', () => {
    expect(configFromEnv({ GATEHOUSE_ACCESS_TOKEN_TTL: '30s' }).accessTokenTtlSeconds).toBe(30);
    expect(configFromEnv({ GATEHOUSE_ACCESS_TOKEN_TTL: '1d' }).accessTokenTtlSeconds).toBe(DAY);
    for (const bad of ['29s', '86401']) {
      const problems = problemsOf(() => configFromEnv({ GATEHOUSE_ACCESS_TOKEN_TTL: bad }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('GATEHOUSE_ACCESS_TOKEN_TTL');
    }
  });

  it('reports each unparsable value once', () => {
    const env: Env = {
      GATEHOUSE_PORT: 'eighty',
      GATEHOUSE_ACCESS_TOKEN_TTL: 'soon',
      GATEHOUSE_REFRESH_TOKEN_TTL: '2 weeks',
      GATEHOUSE_BASIC_AUTH: 'yes',
      GATEHOUSE_TRUST_PROXY: 'proxy.internal',
      GATEHOUSE_ARGON2_MEMORY_KIB: 'lots',
      GATEHOUSE_ARGON2_ITERATIONS: '2.5',
      GATEHOUSE_DATABASE_URL: 'mysql://db/gatehouse',
    };
    const problems = problemsOf(() => configFromEnv(env));
    expect(problems).toHaveLength(Object.keys(env).length);
    for (const name of Object.keys(env)) {
      expect(problems.filter((p) => p.includes(name))).toHaveLength(1);
    }
  });

  it('never repeats a refused secret', () => {
    const problems = problemsOf(() =>
      configFromEnv({ GATEHOUSE_JWT_SECRET: 'SENTINEL-too-short', NODE_ENV: 'production' }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('GATEHOUSE_JWT_SECRET');
    expect(problems.join('\n')).not.toContain('SENTINEL');
  });

  it('basic auth is refused under NODE_ENV=production', () => {
    expect(configFromEnv({ GATEHOUSE_BASIC_AUTH: 'true' }).basicAuth).toBe(true);
    const problems = problemsOf(() =>
      configFromEnv({ GATEHOUSE_BASIC_AUTH: 'true', NODE_ENV: 'production' }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('GATEHOUSE_BASIC_AUTH');
  });

  it('GATEHOUSE_DPOP is off, allowed (the default) or required; anything else is named', () => {
    expect(configFromEnv({}).dpop).toBe('allowed');
    for (const mode of ['off', 'allowed', 'required'] as const) {
      expect(configFromEnv({ GATEHOUSE_DPOP: mode }).dpop).toBe(mode);
      expect(createServerConfig({ dpop: mode }).dpop).toBe(mode);
    }
    for (const bad of ['on', 'Required', 'true']) {
      const problems = problemsOf(() => configFromEnv({ GATEHOUSE_DPOP: bad }));
      expect(problems).toEqual(['GATEHOUSE_DPOP must be off, allowed or required']);
    }
    expect(ENV_VARIABLES).toContain('GATEHOUSE_DPOP');
  });

  it('empty and blank variables count as unset', () => {
    expect(
      configFromEnv({
        GATEHOUSE_PORT: '',
        GATEHOUSE_ISSUER: '   ',
        GATEHOUSE_ACCESS_TOKEN_TTL: '',
      }),
    ).toEqual(createServerConfig());
  });

  it('reads the database URL forms', () => {
    expect(configFromEnv({ GATEHOUSE_DATABASE_URL: 'sqlite::memory:' }).database).toEqual({
      kind: 'sqlite',
      path: ':memory:',
    });
    const postgres = configFromEnv({ GATEHOUSE_DATABASE_URL: 'postgresql://u@db:5432/g' });
    expect(postgres.database).toEqual({ kind: 'postgres', url: 'postgresql://u@db:5432/g' });
    expect(postgres.keysSource).toBe('database');
  });

  it('the result is deeply frozen too', () => {
    const config = configFromEnv({ GATEHOUSE_ALLOWED_ORIGINS: 'https://app.example.com' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.allowedOrigins)).toBe(true);
    expect(Object.isFrozen(config.passwordParams)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  it('produces the same config as createServerConfig with the equivalent options', () => {
    /** A duration in range, with the text of one of its spellings. */
    const duration = (min: number, max: number) =>
      fc.oneof(
        fc.integer({ min, max }).map((s) => [s, `${s}`] as const),
        ...(
          [
            ['s', 1],
            ['m', 60],
            ['h', 3600],
            ['d', DAY],
          ] as const
        )
          .filter(([, unit]) => Math.max(1, Math.ceil(min / unit)) <= Math.floor(max / unit))
          .map(([suffix, unit]) =>
            fc
              .integer({ min: Math.max(1, Math.ceil(min / unit)), max: Math.floor(max / unit) })
              .map((n) => [n * unit, `${n}${suffix}`] as const),
          ),
      );
    const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

    const cases = fc
      .record({
        port: optional(fc.integer({ min: 0, max: 65_535 })),
        host: optional(fc.constantFrom('0.0.0.0', '::1', 'auth.internal')),
        database: optional(
          fc.constantFrom(
            { kind: 'sqlite', path: ':memory:' } as const,
            { kind: 'sqlite', path: '/var/lib/gatehouse.db' } as const,
            { kind: 'postgres', url: 'postgres://gate@db:5432/gatehouse' } as const,
          ),
        ),
        redis: optional(fc.constantFrom('redis://127.0.0.1:6379', 'rediss://cache:6380')),
        redisPrefix: optional(fc.constantFrom('gh:', 'auth:')),
        issuer: optional(
          fc.constantFrom('https://auth.example.com', 'http://localhost:8080', 'https://x.io/a/'),
        ),
        audience: optional(fc.constantFrom('api', 'https://api.example.com')),
        keys: optional(
          fc.constantFrom(
            { jwtSecret: 's'.repeat(32) },
            { jwtSecret: 'é'.repeat(20) },
            { signingKeysPath: '/etc/gatehouse/keys.json' },
          ),
        ),
        access: optional(duration(30, DAY)),
        refresh: optional(duration(60, 400 * DAY)),
        grace: optional(duration(0, 300)),
        absolute: optional(duration(60, 400 * DAY)),
        idle: optional(duration(60, 400 * DAY)),
        touch: optional(duration(0, DAY)),
        sync: optional(duration(1, 3600)),
        basicAuth: optional(fc.boolean()),
        origins: optional(
          fc.subarray(['https://app.example.com', 'http://localhost:5173', 'https://b.example']),
        ),
        corsOrigins: optional(
          fc.subarray(['https://app.example.com', 'https://spa.example:8443', 'http://[::1]:5173']),
        ),
        memoryKiB: optional(fc.integer({ min: OWASP_MINIMUM.memoryKiB, max: 262_144 })),
        iterations: optional(fc.integer({ min: OWASP_MINIMUM.iterations, max: 10 })),
        trustProxy: optional(
          fc.constantFrom<false | number | readonly string[]>(false, 1, 2, [
            '10.0.0.1',
            '192.168.0.0/16',
          ]),
        ),
        logLevel: optional(fc.constantFrom('fatal', 'warn', 'debug', 'silent')),
        production: fc.boolean(),
      })
      .filter(
        (c) =>
          (c.refresh?.[0] ?? 14 * DAY) > (c.access?.[0] ?? 3600) &&
          !(c.production && c.basicAuth === true),
      );

    fc.assert(
      fc.property(cases, (c) => {
        const env: Record<string, string> = { NODE_ENV: c.production ? 'production' : 'test' };
        const options: Record<string, unknown> = { production: c.production };
        const both = (name: string, field: string, text: string, value: unknown) => {
          env[name] = text;
          options[field] = value;
        };
        if (c.port !== undefined) both('GATEHOUSE_PORT', 'port', `${c.port}`, c.port);
        if (c.host !== undefined) both('GATEHOUSE_HOST', 'host', c.host, c.host);
        if (c.database !== undefined)
          both(
            'GATEHOUSE_DATABASE_URL',
            'database',
            c.database.kind === 'sqlite' ? `sqlite:${c.database.path}` : c.database.url,
            c.database,
          );
        if (c.redis !== undefined) {
          env.GATEHOUSE_REDIS_URL = c.redis;
          if (c.redisPrefix !== undefined) env.GATEHOUSE_REDIS_PREFIX = c.redisPrefix;
          options.redis =
            c.redisPrefix === undefined
              ? { url: c.redis }
              : { url: c.redis, prefix: c.redisPrefix };
        }
        if (c.issuer !== undefined) both('GATEHOUSE_ISSUER', 'issuer', c.issuer, c.issuer);
        if (c.audience !== undefined)
          both('GATEHOUSE_AUDIENCE', 'audience', c.audience, c.audience);
        if (c.keys !== undefined) {
          if ('jwtSecret' in c.keys)
            both('GATEHOUSE_JWT_SECRET', 'jwtSecret', c.keys.jwtSecret, c.keys.jwtSecret);
          else
            both(
              'GATEHOUSE_SIGNING_KEYS',
              'signingKeysPath',
              c.keys.signingKeysPath,
              c.keys.signingKeysPath,
            );
        }
        const durations: ReadonlyArray<[string, string, readonly [number, string] | undefined]> = [
          ['GATEHOUSE_ACCESS_TOKEN_TTL', 'accessTokenTtlSeconds', c.access],
          ['GATEHOUSE_REFRESH_TOKEN_TTL', 'refreshTokenTtlSeconds', c.refresh],
          ['GATEHOUSE_REFRESH_REUSE_GRACE', 'refreshReuseGraceSeconds', c.grace],
          ['GATEHOUSE_SESSION_ABSOLUTE_TTL', 'sessionAbsoluteTtlSeconds', c.absolute],
          ['GATEHOUSE_SESSION_IDLE_TTL', 'sessionIdleTtlSeconds', c.idle],
          ['GATEHOUSE_SESSION_TOUCH_INTERVAL', 'sessionTouchIntervalSeconds', c.touch],
          ['GATEHOUSE_REVOCATION_SYNC_INTERVAL', 'revocationSyncSeconds', c.sync],
        ];
        for (const [name, field, value] of durations)
          if (value !== undefined) both(name, field, value[1], value[0]);
        if (c.basicAuth !== undefined)
          both('GATEHOUSE_BASIC_AUTH', 'basicAuth', `${c.basicAuth}`, c.basicAuth);
        if (c.origins !== undefined)
          both('GATEHOUSE_ALLOWED_ORIGINS', 'allowedOrigins', c.origins.join(', '), c.origins);
        if (c.corsOrigins !== undefined)
          both('GATEHOUSE_CORS_ORIGINS', 'corsOrigins', c.corsOrigins.join(','), c.corsOrigins);
        if (c.memoryKiB !== undefined || c.iterations !== undefined) {
          const passwordParams: Record<string, number> = {};
          if (c.memoryKiB !== undefined) {
            env.GATEHOUSE_ARGON2_MEMORY_KIB = `${c.memoryKiB}`;
            passwordParams.memoryKiB = c.memoryKiB;
          }
          if (c.iterations !== undefined) {
            env.GATEHOUSE_ARGON2_ITERATIONS = `${c.iterations}`;
            passwordParams.iterations = c.iterations;
          }
          options.passwordParams = passwordParams;
        }
        if (c.trustProxy !== undefined)
          both(
            'GATEHOUSE_TRUST_PROXY',
            'trustProxy',
            Array.isArray(c.trustProxy) ? c.trustProxy.join(', ') : `${c.trustProxy}`,
            c.trustProxy,
          );
        if (c.logLevel !== undefined)
          both('GATEHOUSE_LOG_LEVEL', 'logLevel', c.logLevel, c.logLevel);

        const fromEnv = configFromEnv(env);
        expect(fromEnv).toEqual(createServerConfig(options as ServerOptions));
        expect(Object.isFrozen(fromEnv.allowedOrigins)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('scopes and roles (issue 12)', () => {
  it('reads GATEHOUSE_USER_SCOPES and GATEHOUSE_ROLE_SCOPES', () => {
    const config = configFromEnv({
      GATEHOUSE_USER_SCOPES: 'profile, orders:read',
      GATEHOUSE_ROLE_SCOPES: 'admin=admin orders:write; editor = orders:write',
    });
    expect(config.userScopes).toEqual(['profile', 'orders:read']);
    expect(config.roleScopes).toEqual({
      admin: ['admin', 'orders:write'],
      editor: ['orders:write'],
    });
    expect(Object.isFrozen(config.roleScopes.admin)).toBe(true);
  });

  it('lists every problem: a bad scope token, a bad role name, a role without scopes, a role twice', () => {
    const problems = (env: Record<string, string>) => {
      try {
        configFromEnv(env);
        return [];
      } catch (error) {
        return (error as { details: { problems: string[] } }).details.problems;
      }
    };
    expect(
      problems({
        GATEHOUSE_USER_SCOPES: 'ok bad"quote',
        GATEHOUSE_ROLE_SCOPES: 'bad role=x;empty=',
      }),
    ).toEqual([
      'GATEHOUSE_USER_SCOPES: "bad"quote" is not a scope token (RFC 6749 3.3)',
      'GATEHOUSE_ROLE_SCOPES: "bad role" is not a role name (letters, digits, _ . : -)',
      'GATEHOUSE_ROLE_SCOPES: role "empty" has no scopes',
    ]);
    expect(problems({ GATEHOUSE_ROLE_SCOPES: 'a=x;a=y' })).toEqual([
      'GATEHOUSE_ROLE_SCOPES must be role=scope scope;role=scope (each role once)',
    ]);
    expect(problems({ GATEHOUSE_ROLE_SCOPES: 'noequals' })).toHaveLength(1);
  });

  it('takes a claims hook in code only, and refuses what is not a function', () => {
    const claims = () => ({ tenant: 'a' });
    expect(createServerConfig({ claims }).claims).toBe(claims);
    expect(() => createServerConfig({ claims: 'x' as never })).toThrow(/claims must be a function/);
  });
});
