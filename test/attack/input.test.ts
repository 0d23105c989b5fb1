/**
 * Hostile input at the HTTP edge (issue 10, item 8), through the real app: credential headers
 * sent twice, text that is not well-formed (bytes that are not UTF-8, lone surrogates, NUL),
 * email addresses that look like others, and the errors of the router itself. Each refusal is
 * checked for its exact status, body and headers, and for what it did not do (no user, no
 * session, no limiter row).
 */
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import { createTestServer, type TestServer, type TokenPairBody } from '../support/server.js';
import { IN_CI, postgresReachable, serviceGate } from '../support/services.js';

const PASSWORD = 'correct horse battery';

/** The parts of an answer these tests read, from inject or from a raw socket. */
interface Answer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: string;
}

/** Our error format and headers, exactly. */
function expectError(answer: Answer, status: number, error: string, description: string) {
  expect({ status: answer.statusCode, body: JSON.parse(answer.body) }).toEqual({
    status,
    body: { error, error_description: description },
  });
  expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
}

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => Buffer.from(part as string)));

let server: TestServer;
const countRows = (table: string) =>
  (server.sqlite.raw.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
/** Rows that any login, signup or session would leave behind. */
const writes = () => ({
  users: countRows('users'),
  sessions: countRows('sessions'),
  refresh_tokens: countRows('refresh_tokens'),
  rate_limits: countRows('rate_limits'),
  security_events: countRows('security_events'),
});
const NOTHING = { users: 0, sessions: 0, refresh_tokens: 0, rate_limits: 0, security_events: 0 };

const post = (url: string, payload: string | Buffer, type = 'application/json') =>
  server.app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });
const signup = (email: string) =>
  server.app.inject({ method: 'POST', url: '/v1/signup', payload: { email, password: PASSWORD } });
const passwordGrant = (username: string, password = PASSWORD) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/token',
    payload: { grant_type: 'password', username, password },
  });
const cookieLogin = (email: string) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/session',
    headers: { origin: 'https://auth.test' },
    payload: { email, password: PASSWORD },
  });

describe('on SQLite', () => {
  beforeEach(async () => {
    server = await createTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  describe('a credential header sent twice (over a real socket: inject cannot repeat one)', () => {
    /** One HTTP/1.1 request written byte for byte; the whole answer read back. */
    async function raw(lines: readonly string[], body = ''): Promise<Answer> {
      const address = server.app.server.address();
      if (address === null || typeof address === 'string') throw new Error('not listening');
      const request = [
        ...lines,
        'Host: 127.0.0.1',
        'Connection: close',
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(address.port, '127.0.0.1', () => socket.end(request));
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.on('error', reject);
      });
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [status = '', ...fields] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const field of fields) {
        const colon = field.indexOf(':');
        headers[field.slice(0, colon).toLowerCase()] = field.slice(colon + 1).trim();
      }
      return { statusCode: Number(status.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
    }

    beforeEach(async () => {
      await server.app.listen({ port: 0, host: '127.0.0.1' });
    });

    it('errors node raises before a request exists answer in our format too: 431 and 400', async () => {
      const huge = await raw(['GET /v1/me HTTP/1.1', `X-Padding: ${'a'.repeat(20_000)}`]);
      expectError(huge, 431, 'invalid_request', 'The request headers are too large.');
      const garbage = await raw(['GET /v1/me HTTP/1.1', 'Bad Header Without Colon']);
      expectError(garbage, 400, 'invalid_request', 'The request is not valid HTTP.');
    });

    const tokenOf = async (email: string) => {
      expect((await signup(email)).statusCode).toBe(201);
      const login = await passwordGrant(email);
      return (login.json() as TokenPairBody).access_token;
    };

    it('refuses two Authorization headers in any spelling and order, before any handler', async () => {
      const ada = await tokenOf('ada@example.com');
      const eve = await tokenOf('eve@example.com');
      // The raw client itself: one header is answered normally.
      const alone = await raw(['GET /v1/me HTTP/1.1', `Authorization: Bearer ${ada}`]);
      expect(alone.statusCode).toBe(200);
      expect(JSON.parse(alone.body)).toMatchObject({ email: 'ada@example.com' });
      for (const [first, second] of [
        [`Authorization: Bearer ${ada}`, `Authorization: Bearer ${eve}`],
        [`authorization: Bearer ${eve}`, `AUTHORIZATION: Bearer ${ada}`],
        [`Authorization: Bearer ${ada}`, 'authorization: Bearer not-a-token'],
        [`Authorization: Bearer ${ada}`, 'Authorization:'],
      ]) {
        const answer = await raw([
          'GET /v1/me HTTP/1.1',
          first as string,
          'Accept: */*',
          second as string,
        ]);
        expectError(answer, 400, 'invalid_request', 'The Authorization header is repeated.');
      }
    });

    it('refuses two Cookie headers', async () => {
      expect((await signup('ada@example.com')).statusCode).toBe(201);
      const login = await cookieLogin('ada@example.com');
      const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
      const alone = await raw(['GET /v1/me HTTP/1.1', `Cookie: ${cookie}`]);
      expect(alone.statusCode).toBe(200);
      for (const other of ['theme=dark', cookie, '__Host-gatehouse_session=forged']) {
        const answer = await raw(['GET /v1/me HTTP/1.1', `Cookie: ${other}`, `cookie: ${cookie}`]);
        expectError(answer, 400, 'invalid_request', 'The Cookie header is repeated.');
      }
    });

    it('writes nothing: no account, no session, no limiter row', async () => {
      const body = JSON.stringify({ email: 'ada@example.com', password: PASSWORD });
      const answer = await raw(
        [
          'POST /v1/signup HTTP/1.1',
          'Content-Type: application/json',
          'Cookie: a=1',
          'Cookie: b=2',
        ],
        body,
      );
      expectError(answer, 400, 'invalid_request', 'The Cookie header is repeated.');
      expect(writes()).toEqual(NOTHING);

      const grant = await raw(
        [
          'POST /v1/token HTTP/1.1',
          'Content-Type: application/x-www-form-urlencoded',
          'Authorization: Bearer a',
          'Authorization: Bearer b',
        ],
        'grant_type=password&username=ada%40example.com&password=x',
      );
      expectError(grant, 400, 'invalid_request', 'The Authorization header is repeated.');
      expect(writes()).toEqual(NOTHING);
    });
  });

  describe('text that is not well-formed, in any field of a JSON or form body', () => {
    const json = (before: string, invalid: number[], after: string) =>
      bytes(before, invalid, after);
    const account = (email: string, password: string) =>
      `{"email":"${email}","password":"${password}"}`;

    it.each([
      [
        '0xFF',
        json('{"email":"sentinel', [0xff], `@example.com","password":"${PASSWORD}"}`),
        'email',
      ],
      [
        'a lone continuation byte',
        json('{"email":"ada@example.com","password":"sentinel', [0x80], '123"}'),
        'password',
      ],
      [
        'an overlong "/"',
        json('{"email":"ada', [0xc0, 0xaf], `@example.com","password":"${PASSWORD}"}`),
        'email',
      ],
      [
        'an encoded surrogate',
        json('{"email":"ada@example.com","password":"sentinel', [0xed, 0xa0, 0x80], '"}'),
        'password',
      ],
      [
        'a truncated sequence',
        json('{"email":"ada@example.com","password":"sentinel', [0xe2, 0x82], '"}'),
        'password',
      ],
    ])(
      'bytes that are not UTF-8 inside a string (%s): 400 naming the field',
      async (_name, payload, field) => {
        const answer = await post('/v1/signup', payload);
        expectError(answer, 400, 'invalid_request', `The field ${field} is not valid UTF-8.`);
        expect(answer.body).not.toContain('sentinel');
        expect(writes()).toEqual(NOTHING);
      },
    );

    it.each([
      ['a high surrogate alone', account('ada\\ud800@example.com', PASSWORD), 'email'],
      ['a low surrogate alone', account('ada@example.com', 'sentinel\\udfff'), 'password'],
      [
        'a pair in the wrong order',
        account('ada@example.com', '\\ude00\\ud83dsentinel'),
        'password',
      ],
      ['a high surrogate at the end', account('ada@example.com', 'sentinel\\udbff'), 'password'],
    ])('%s: 400 naming the field', async (_name, payload, field) => {
      const answer = await post('/v1/signup', payload);
      expectError(
        answer,
        400,
        'invalid_request',
        `The field ${field} is not well-formed Unicode (a lone surrogate).`,
      );
      expect(writes()).toEqual(NOTHING);
    });

    it.each([
      ['email', account('ada\\u0000@example.com', PASSWORD)],
      ['password', account('ada@example.com', 'sentinel\\u0000battery')],
    ])('a NUL in the %s: 400 naming it', async (field, payload) => {
      const answer = await post('/v1/signup', payload);
      expectError(answer, 400, 'invalid_request', `The field ${field} contains a NUL character.`);
      expect(answer.body).not.toContain('sentinel');
      expect(writes()).toEqual(NOTHING);
    });

    it('checks every string of the body, nested ones and names included', async () => {
      const grant = (extra: string) =>
        post(
          '/v1/token',
          `{"grant_type":"password","username":"ada@example.com","password":"${PASSWORD}",${extra}}`,
        );
      expectError(
        await grant('"extra":{"list":["ok","\\u0000"]}'),
        400,
        'invalid_request',
        'The field extra.list[1] contains a NUL character.',
      );
      expectError(
        await grant('"x\\u0000":1'),
        400,
        'invalid_request',
        'A field name contains a NUL character.',
      );
      expectError(
        await grant('"extra":"\\ud800"'),
        400,
        'invalid_request',
        'The field extra is not well-formed Unicode (a lone surrogate).',
      );
      expect(writes()).toEqual(NOTHING);
    });

    it.each([
      [
        'a NUL',
        'username=ada%00%40example.com',
        'The parameter username contains a NUL character.',
      ],
      [
        'an escaped 0xFF',
        `username=ada%FF%40example.com`,
        'The parameter username is not valid UTF-8.',
      ],
      ['an escaped surrogate', 'username=%ED%A0%80', 'The parameter username is not valid UTF-8.'],
      ['an escaped overlong', 'username=%C0%AF', 'The parameter username is not valid UTF-8.'],
      ['a bad name', 'user%FFname=ada', 'A parameter name is not valid UTF-8.'],
    ])('form bodies: %s is refused', async (_name, field, description) => {
      const answer = await post(
        '/v1/token',
        `grant_type=password&${field}&password=correct+horse+battery`,
        'application/x-www-form-urlencoded',
      );
      expectError(answer, 400, 'invalid_request', description);
      expect(writes()).toEqual(NOTHING);
    });

    it('form bodies: a raw byte that is not UTF-8 is refused, naming the parameter', async () => {
      const answer = await post(
        '/v1/token',
        bytes('grant_type=password&username=ada', [0xff], '&password=x'),
        'application/x-www-form-urlencoded',
      );
      expectError(answer, 400, 'invalid_request', 'The parameter username is not valid UTF-8.');
      expect(writes()).toEqual(NOTHING);
    });

    it('keeps the rules for bad JSON and large bodies', async () => {
      const notJson = 'The body is not valid JSON.';
      for (const payload of [
        '',
        '{"email":',
        bytes('{"email":"ada@example.com",', [0xff], `"password":"${PASSWORD}"}`),
        bytes('{"email":"ada', [0x00], `@example.com","password":"${PASSWORD}"}`),
        `{"__proto__":{"admin":true},"email":"ada@example.com","password":"${PASSWORD}"}`,
      ])
        expectError(await post('/v1/signup', payload), 400, 'invalid_request', notJson);
      expectError(
        await post('/v1/signup', account('ada@example.com', 'x'.repeat(16 * 1024))),
        413,
        'invalid_request',
        'The request body is too large (limit 16 KiB).',
      );
      expectError(
        await post('/v1/token', 'grant_type=password&a=1&a=2', 'application/x-www-form-urlencoded'),
        400,
        'invalid_request',
        'The parameter a is repeated.',
      );
      expect(writes()).toEqual(NOTHING);
    });

    it('accepts what is well-formed: surrogate pairs, U+FFFD sent as valid bytes, a BOM', async () => {
      const password = 'battery \u{1f40e} \ufffd staple';
      const created = await post(
        '/v1/signup',
        bytes('\ufeff', account('ada@example.com', password)),
      );
      expect(created.statusCode).toBe(201);
      const login = await post(
        '/v1/token',
        `grant_type=password&username=ada%40example.com&password=${encodeURIComponent(password)}`,
        'application/x-www-form-urlencoded',
      );
      expect(login.statusCode).toBe(200);
    });

    it('refuses a NUL in a path parameter before the handler runs', async () => {
      expect((await signup('ada@example.com')).statusCode).toBe(201);
      const { access_token } = (await passwordGrant('ada@example.com')).json() as TokenPairBody;
      const answer = await server.app.inject({
        method: 'DELETE',
        url: '/v1/sessions/%00',
        headers: { authorization: `Bearer ${access_token}` },
      });
      expectError(
        answer,
        400,
        'invalid_request',
        'The path parameter id contains a NUL character.',
      );
      expect(countRows('sessions')).toBe(1);
    });
  });

  describe('one rule for email addresses', () => {
    it('signs every spelling of an address in to the same account', async () => {
      const created = await signup('ＡＤＡ@Example.com ');
      expect(created.statusCode).toBe(201);
      const { id, email } = created.json() as { id: string; email: string };
      expect(email).toBe('ada@example.com');
      for (const spelling of [
        'ada@example.com',
        'ADA@EXAMPLE.COM',
        'ａｄａ@example.com',
        'ＡＤＡ＠ＥＸＡＭＰＬＥ．ＣＯＭ',
        '\u3000Ada@Example.com\t',
      ]) {
        const login = await passwordGrant(spelling);
        expect(login.statusCode, spelling).toBe(200);
        const { access_token } = login.json() as TokenPairBody;
        expect(decodeJwtUnverified(access_token).payload.sub, spelling).toBe(id);
      }
      const cookie = await cookieLogin('ａｄａ@example.com');
      expect(cookie.statusCode).toBe(204);
      const me = await server.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { cookie: String(cookie.headers['set-cookie']).split(';')[0] as string },
      });
      expect(me.json()).toEqual({ id, email: 'ada@example.com', email_verified: false });
      expectError(
        await signup('ada@ｅｘａｍｐｌｅ.com'),
        400,
        'email_taken',
        'An account with this email already exists.',
      );
      expect(countRows('users')).toBe(1);
    });

    const invisible =
      'The email is not valid: it contains an invisible, control or format character.';
    it.each([
      ['U+200B zero width space', 'ada\u200b@example.com', invisible],
      ['U+200C zero width non-joiner', 'ada@exam\u200cple.com', invisible],
      ['U+200D zero width joiner', 'a\u200dda@example.com', invisible],
      ['U+2060 word joiner', 'ada@example.com\u2060', invisible],
      ['U+FEFF, even at the start', '\ufeffada@example.com', invisible],
      ['U+202A LRE', '\u202aada@example.com', invisible],
      ['U+202B RLE', 'ada@\u202bexample.com', invisible],
      ['U+202C PDF', 'ada\u202c@example.com', invisible],
      ['U+202D LRO', 'ada@example\u202d.com', invisible],
      ['U+202E RLO', 'ada@\u202emoc.elpmaxe', invisible],
      ['U+2066 LRI', 'ada\u2066@example.com', invisible],
      ['U+2067 RLI', 'ada\u2067@example.com', invisible],
      ['U+2068 FSI', 'ada\u2068@example.com', invisible],
      ['U+2069 PDI', 'ada\u2069@example.com', invisible],
      ['U+00AD soft hyphen', 'a\u00adda@example.com', invisible],
      ['a BEL', 'ada\u0007@example.com', invisible],
      [
        'a space inside',
        'ada lovelace@example.com',
        'The email is not valid: it contains white space.',
      ],
      [
        'a trailing dot',
        'ada@example.com.',
        'The email is not valid: it has an empty label in its domain.',
      ],
      [
        'an empty label',
        'ada@example..com',
        'The email is not valid: it has an empty label in its domain.',
      ],
      [
        '255 characters',
        `${'a'.repeat(64)}@${'d'.repeat(186)}.com`,
        'The email is not valid: it is longer than 254 characters.',
      ],
    ])('refuses at signup: %s', async (_name, email, description) => {
      expectError(await signup(email), 400, 'invalid_request', description);
      expect(writes()).toEqual(NOTHING);
    });

    it('accepts 254 characters', async () => {
      const email = `${'a'.repeat(64)}@${'d'.repeat(185)}.com`;
      expect(email).toHaveLength(254);
      expect((await signup(email)).statusCode).toBe(201);
    });

    it('answers a refused address at login as a wrong password, with the same work and the same writes', async () => {
      expect((await signup('ada@example.com')).statusCode).toBe(201);
      const attempt = async (login: () => Promise<Answer>) => {
        const before = writes();
        const answer = await login();
        const after = writes();
        const delta = Object.fromEntries(
          Object.entries(after).map(([table, n]) => [
            table,
            n - before[table as keyof typeof before],
          ]),
        );
        return { status: answer.statusCode, body: JSON.parse(answer.body), delta };
      };
      // Rows shared by every login from this client exist before the two attempts compared.
      expect((await passwordGrant('warm-up@example.com')).statusCode).toBe(400);
      // The right password with a look-alike address: refused, never the account.
      const lookAlike = await attempt(() => passwordGrant('ada\u200b@example.com'));
      const unknown = await attempt(() => passwordGrant('nobody@example.com'));
      expect(lookAlike).toEqual(unknown);
      expect(lookAlike.status).toBe(400);
      expect(lookAlike.body).toEqual({
        error: 'invalid_grant',
        error_description: 'Invalid email or password.',
      });
      expect(lookAlike.delta.security_events).toBe(1);
      expect(lookAlike.delta.sessions).toBe(0);

      const bidi = await attempt(() => cookieLogin('\u202eada@example.com'));
      const unknownCookie = await attempt(() => cookieLogin('somebody@example.com'));
      expect(bidi).toEqual(unknownCookie);
      expect(bidi.body).toEqual({
        error: 'invalid_credentials',
        error_description: 'Invalid email or password.',
      });
      expect(bidi.status).toBe(401);
    });
  });

  describe('errors of the router itself, in our format and headers', () => {
    it.each(['/v1/%E0%A4%A', '/v1/sessions/%E0%A4%A', '/%'])(
      'a malformed percent-escape in the path, %s: 400',
      async (url) => {
        const answer = await server.app.inject({ method: 'GET', url });
        expectError(
          answer,
          400,
          'invalid_request',
          'The request path is not a valid URL (a malformed %-escape).',
        );
      },
    );

    it('a path parameter that is too long: 414', async () => {
      const answer = await server.app.inject({
        method: 'DELETE',
        url: `/v1/sessions/${'a'.repeat(101)}`,
      });
      expectError(answer, 414, 'invalid_request', 'A path segment is too long.');
    });

    it.each([
      ['PUT', '/v1/token', 'POST'],
      ['GET', '/v1/token', 'POST'],
      ['DELETE', '/v1/signup', 'POST'],
      ['POST', '/v1/me', 'DELETE, GET, HEAD'],
      ['GET', '/v1/session', 'DELETE, POST'],
      ['PATCH', '/v1/sessions/abc', 'DELETE'],
      ['POST', '/.well-known/jwks.json', 'GET, HEAD'],
    ])('%s %s: 405 with Allow: %s', async (method, url, allow) => {
      const answer = await server.app.inject({ method: method as 'GET', url });
      expectError(
        answer,
        405,
        'method_not_allowed',
        'This endpoint does not accept this method; see the Allow header.',
      );
      expect(answer.headers.allow).toBe(allow);
    });

    it('405 runs no handler', async () => {
      const answer = await server.app.inject({
        method: 'PUT',
        url: '/v1/signup',
        payload: { email: 'ada@example.com', password: PASSWORD },
      });
      expect(answer.statusCode).toBe(405);
      expect(writes()).toEqual(NOTHING);
    });

    it.each(['/nope', '/v1/token/', '/v1/sessions/abc/def', '/v1'])(
      'an unknown path (%s): 404 without Allow',
      async (url) => {
        const answer = await server.app.inject({ method: 'GET', url });
        expectError(answer, 404, 'not_found', 'No such endpoint.');
        expect(answer.headers.allow).toBeUndefined();
      },
    );
  });
});

const pgEnabled = serviceGate('PostgreSQL', await postgresReachable());

describe.runIf(pgEnabled || IN_CI)(
  'on PostgreSQL: text a database cannot store answers 400, not 503',
  () => {
    let pgServer: TestServer;
    beforeAll(async () => {
      pgServer = await createTestServer({ postgres: true, env: { GATEHOUSE_BASIC_AUTH: 'true' } });
    });
    afterAll(async () => {
      await pgServer?.close();
    });

    it('a NUL in an email at signup, at login and in Basic credentials; look-alikes fold or fail', async () => {
      const { app, context } = pgServer;
      const createUser = vi.spyOn(context.stores.accounts, 'createUser');
      const signupNul = await app.inject({
        method: 'POST',
        url: '/v1/signup',
        headers: { 'content-type': 'application/json' },
        payload: `{"email":"ada\\u0000@example.com","password":"${PASSWORD}"}`,
      });
      expectError(signupNul, 400, 'invalid_request', 'The field email contains a NUL character.');
      expect(createUser).not.toHaveBeenCalled();

      const grantNul = await app.inject({
        method: 'POST',
        url: '/v1/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=password&username=ada%00%40example.com&password=x',
      });
      expectError(
        grantNul,
        400,
        'invalid_request',
        'The parameter username contains a NUL character.',
      );

      // Basic credentials reach the login path itself: a refused address is a wrong password.
      const basic = Buffer.from(`ada\u0000@example.com:${PASSWORD}`).toString('base64');
      const me = await app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: `Basic ${basic}` },
      });
      expectError(
        me,
        401,
        'invalid_token',
        'The access credential is missing, invalid, expired or revoked.',
      );

      const created = await app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: 'ＡＤＡ@example.com', password: PASSWORD },
      });
      expect(created.statusCode).toBe(201);
      expect(createUser).toHaveBeenCalledTimes(1);
      const grant = (username: string) =>
        app.inject({
          method: 'POST',
          url: '/v1/token',
          payload: { grant_type: 'password', username, password: PASSWORD },
        });
      expect((await grant('ada@example.com')).statusCode).toBe(200);
      expectError(
        await grant('ada\u2060@example.com'),
        400,
        'invalid_grant',
        'Invalid email or password.',
      );
      createUser.mockRestore();
    });
  },
);
