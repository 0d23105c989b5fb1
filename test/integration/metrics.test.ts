/**
 * GET /metrics: off by default (404), behind a Bearer scrape token when on (401 otherwise), one
 * registry per application, exact counts after a scripted session, and no secret or personal
 * data in the output.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/core/index.js';
import { configFromEnv } from '../../src/server/config.js';
import { createTestServer, signupAndLogin, type TestServer } from '../support/server.js';

const TOKEN = 'metrics-scrape-token-0123456789abcdefXYZ';
const ENV = { GATEHOUSE_METRICS_TOKEN: TOKEN };

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of the Prometheus text format (comments skipped); label values unescaped. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, '$1');
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of one series; 0 when absent (a counter never incremented). */
function seriesValue(samples: readonly Sample[], name: string, labels: Record<string, string>) {
  const found = samples.filter(
    (sample) =>
      sample.name === name &&
      Object.keys(labels).length === Object.keys(sample.labels).length &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`several series for ${name}`);
  return found[0]?.value ?? 0;
}

const servers: TestServer[] = [];
async function start(env: Record<string, string> = ENV) {
  const server = await createTestServer({ env });
  servers.push(server);
  return server;
}
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** null: no Authorization header at all. */
const scrape = (server: TestServer, authorization: string | null = `Bearer ${TOKEN}`) =>
  server.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: authorization === null ? {} : { authorization },
  });

describe('GET /metrics: on and off', () => {
  it('is not there without GATEHOUSE_METRICS_TOKEN (404, even with a token)', async () => {
    const server = await start({});
    expect(server.config.metricsToken).toBeNull();
    expect((await scrape(server)).statusCode).toBe(404);
    expect((await scrape(server, null)).statusCode).toBe(404);
  });

  it('answers 401 without the token, with a wrong one, or in another scheme', async () => {
    const server = await start();
    const refusals: Array<string | null> = [
      null,
      'Bearer',
      'Bearer wrong-token-of-some-length-0123456789',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN} ${TOKEN}`,
      `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      TOKEN,
    ];
    for (const authorization of refusals) {
      const response = await scrape(server, authorization);
      expect(response.statusCode, String(authorization)).toBe(401);
      expect(response.json()).toMatchObject({ error: 'invalid_token' });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="gatehouse"/);
      expect(response.body).not.toContain(TOKEN);
      expect(response.body).not.toContain('gatehouse_');
    }
    const ok = await scrape(server);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.headers['cache-control']).toBe('no-store');
    // The scheme name is case-insensitive (RFC 9110 section 11.1).
    expect((await scrape(server, `bearer ${TOKEN}`)).statusCode).toBe(200);
  });

  it('needs a token of at least 32 bytes, in visible ASCII, and never repeats it', () => {
    expect(configFromEnv({ GATEHOUSE_METRICS_TOKEN: 'm'.repeat(32) }).metricsToken).toBe(
      'm'.repeat(32),
    );
    for (const bad of ['m'.repeat(31), `${'m'.repeat(20)} ${'m'.repeat(20)}`, 'é'.repeat(20)]) {
      let thrown: unknown;
      try {
        configFromEnv({ GATEHOUSE_METRICS_TOKEN: bad });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AuthError);
      expect((thrown as AuthError).code).toBe('ERR_CONFIG_INVALID');
      expect((thrown as AuthError).message).toContain('GATEHOUSE_METRICS_TOKEN');
      expect((thrown as AuthError).message).not.toContain(bad);
    }
  });
});

describe('GET /metrics: what it counts', () => {
  it('counts a scripted session exactly, by route pattern, method and status', async () => {
    const server = await start();
    const { pair, email, password } = await signupAndLogin(server, 'ada@example.com');
    const badLogin = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: email, password: `${password}!` },
    });
    // RFC 6749 section 5.2: a wrong password at the token endpoint is 400 invalid_grant.
    expect(badLogin.statusCode).toBe(400);
    const refreshed = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      headers: { authorization: `Bearer ${pair.access_token}` },
      payload: { grant_type: 'refresh_token', refresh_token: pair.refresh_token },
    });
    expect(refreshed.statusCode).toBe(200);
    const access = (refreshed.json() as { access_token: string }).access_token;
    const me = await server.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${access}` },
    });
    expect(me.statusCode).toBe(200);
    const logout = await server.app.inject({
      method: 'POST',
      url: '/v1/logout',
      headers: { authorization: `Bearer ${access}` },
    });
    expect(logout.statusCode).toBe(204);
    // After logout: the access token is revoked, and a replayed refresh token is refused.
    const revoked = await server.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${access}` },
    });
    expect(revoked.statusCode).toBe(401);
    const anonymous = await server.app.inject({ method: 'GET', url: '/v1/me' });
    expect(anonymous.statusCode).toBe(401);
    const missing = await server.app.inject({ method: 'GET', url: `/v1/nowhere/${email}` });
    expect(missing.statusCode).toBe(404);
    const session = await server.app.inject({ method: 'DELETE', url: '/v1/sessions/some-id' });
    expect(session.statusCode).toBe(401);

    const response = await scrape(server);
    expect(response.statusCode).toBe(200);
    const samples = parseMetrics(response.body);
    const requests = (route: string, method: string, status: number) =>
      seriesValue(samples, 'gatehouse_http_requests_total', {
        route,
        method,
        status: String(status),
      });
    expect(requests('/v1/signup', 'POST', 201)).toBe(1);
    expect(requests('/v1/token', 'POST', 200)).toBe(2);
    expect(requests('/v1/token', 'POST', 400)).toBe(1);
    expect(requests('/v1/me', 'GET', 200)).toBe(1);
    expect(requests('/v1/me', 'GET', 401)).toBe(2);
    expect(requests('/v1/logout', 'POST', 204)).toBe(1);
    expect(requests('unmatched', 'GET', 404)).toBe(1);
    expect(requests('/v1/sessions/:id', 'DELETE', 401)).toBe(1);
    // Nothing else was counted, and the scrape itself is not in its own answer.
    const counted = samples.filter((s) => s.name === 'gatehouse_http_requests_total');
    expect(counted.reduce((sum, s) => sum + s.value, 0)).toBe(10);
    expect(counted).toHaveLength(8);

    expect(
      seriesValue(samples, 'gatehouse_http_request_duration_seconds_count', { route: '/v1/token' }),
    ).toBe(3);
    expect(
      seriesValue(samples, 'gatehouse_http_request_duration_seconds_bucket', {
        route: '/v1/token',
        le: '+Inf',
      }),
    ).toBe(3);

    const failures = (reason: string) =>
      seriesValue(samples, 'gatehouse_auth_failures_total', { reason });
    expect(failures('invalid_credentials')).toBe(1);
    expect(failures('session_revoked')).toBe(1);
    expect(failures('no_credential')).toBe(2);
    expect(
      samples
        .filter((s) => s.name === 'gatehouse_auth_failures_total')
        .reduce((sum, s) => sum + s.value, 0),
    ).toBe(4);

    expect(seriesValue(samples, 'gatehouse_logins_total', { result: 'success' })).toBe(1);
    expect(seriesValue(samples, 'gatehouse_logins_total', { result: 'failure' })).toBe(1);
    expect(seriesValue(samples, 'gatehouse_logins_total', { result: 'rate_limited' })).toBe(0);
    expect(seriesValue(samples, 'gatehouse_refreshes_total', { result: 'success' })).toBe(1);
    expect(seriesValue(samples, 'gatehouse_refreshes_total', { result: 'failure' })).toBe(0);
    expect(seriesValue(samples, 'gatehouse_revocation_list_size', {})).toBe(
      server.context.revocations.size,
    );
    expect(server.context.revocations.size).toBe(1);
    // The process metrics of prom-client, on this app's registry.
    expect(seriesValue(samples, 'process_start_time_seconds', {})).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);

    // No secret and no personal data anywhere: the scrape token, the user's tokens, the email.
    for (const secret of [TOKEN, pair.access_token, pair.refresh_token, access, email, password])
      expect(response.body).not.toContain(secret);
    for (const sample of samples)
      for (const [label, value] of Object.entries(sample.labels)) {
        expect(value).not.toContain('@');
        // V8's heap space names are the runtime's words, not data; Node 24 has one of 27
        // characters ("shared_trusted_large_object").
        if (sample.name.startsWith('nodejs_heap_space_') && label === 'space') {
          expect(value).toMatch(/^[a-z]+(_[a-z]+)*$/);
          continue;
        }
        // A JWT, or any long base64url run (refresh tokens, ids), would be a token-like label.
        expect(value).not.toMatch(/[A-Za-z0-9_-]{24,}/);
        expect(value).not.toMatch(/^eyJ/);
      }

    // The scrape is counted after it was answered.
    const again = parseMetrics((await scrape(server)).body);
    expect(
      seriesValue(again, 'gatehouse_http_requests_total', {
        route: '/metrics',
        method: 'GET',
        status: '200',
      }),
    ).toBe(1);
  });

  it('counts requests refused before routing (a malformed path, 405) once, as "unmatched"', async () => {
    const server = await start();
    expect((await server.app.inject({ method: 'GET', url: '/v1/%E0%A4%A' })).statusCode).toBe(400);
    expect((await server.app.inject({ method: 'PUT', url: '/v1/me' })).statusCode).toBe(405);
    const samples = parseMetrics((await scrape(server)).body);
    const counted = samples.filter((s) => s.name === 'gatehouse_http_requests_total');
    expect(counted.map((s) => [s.labels, s.value])).toEqual([
      [{ route: 'unmatched', method: 'GET', status: '400' }, 1],
      [{ route: 'unmatched', method: 'PUT', status: '405' }, 1],
    ]);
  });

  it('counts CORS preflights under the plugin route, and HEAD under its GET pattern', async () => {
    const server = await start({ ...ENV, GATEHOUSE_CORS_ORIGINS: 'https://app.test' });
    const preflight = await server.app.inject({
      method: 'OPTIONS',
      url: '/v1/me',
      headers: { origin: 'https://app.test', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
    expect((await server.app.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
    const samples = parseMetrics((await scrape(server)).body);
    const counted = samples.filter((s) => s.name === 'gatehouse_http_requests_total');
    expect(counted.map((s) => [s.labels, s.value])).toEqual([
      [{ route: '*', method: 'OPTIONS', status: '204' }, 1],
      [{ route: '/healthz', method: 'HEAD', status: '200' }, 1],
    ]);
  });

  it('keeps one registry per application: two apps in one process count apart', async () => {
    const one = await start();
    const two = await start();
    for (let i = 0; i < 3; i++) await one.app.inject({ method: 'GET', url: '/healthz' });
    await two.app.inject({ method: 'GET', url: '/healthz' });
    const count = async (server: TestServer) =>
      seriesValue(parseMetrics((await scrape(server)).body), 'gatehouse_http_requests_total', {
        route: '/healthz',
        method: 'GET',
        status: '200',
      });
    expect(await count(one)).toBe(3);
    expect(await count(two)).toBe(1);
  });

  it('counts a failure reason outside the fixed list as "other"', async () => {
    const server = await start();
    // A refresh token that was never issued: ERR_REFRESH_INVALID, a named reason; a client secret
    // at the token endpoint: ERR_CLIENT_INVALID with a free-text reason, counted as "other".
    await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'refresh_token', refresh_token: 'never-issued' },
    });
    await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: 'a@b.c', password: 'x', client_secret: 's' },
    });
    const samples = parseMetrics((await scrape(server)).body);
    const reasons = samples
      .filter((s) => s.name === 'gatehouse_auth_failures_total')
      .map((s) => [s.labels.reason, s.value]);
    expect(Object.fromEntries(reasons)).toEqual(
      Object.fromEntries([
        ['refresh_invalid', 1],
        ['other', 1],
      ]),
    );
  });
});
