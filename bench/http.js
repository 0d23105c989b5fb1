// npm run bench:http: autocannon against running servers, side by side, in one run. Each server
// is its own process (one core) and autocannon runs here (the other core).
//
// Scenarios: bare Fastify hello (the ceiling); Gatehouse GET /v1/me with a bearer token; the same
// with a DPoP-bound token (RFC 9449: a fresh ES256 proof per request, signed here by the load
// generator, so the server verifies one proof signature and claims one jti per request);
// Gatehouse GET /v1/me with a Redis-backed cookie session; Gatehouse POST /v1/token refresh on PostgreSQL
// (every connection follows its own rotation chain, so each request is a real rotation); and
// Express 5 + express-session + connect-redis as the cookie-session peer.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import os from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { startProcess, stopProcesses } from './support.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const POSTGRES_URL =
  process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `bench_${process.pid}`;
const prefix = `bench:${process.pid}:`;
const children = [];

async function json(base, method, path, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body && JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: response.status === 204 ? null : await response.json(),
  };
}

// A DPoP key and proofs made with node:crypto (ES256, JWS signature as r||s).
const dpopKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const dpopJwk = (({ kty, crv, x, y }) => ({ kty, crv, x, y }))(
  dpopKey.publicKey.export({ format: 'jwk' }),
);
const b64 = (value) => Buffer.from(value).toString('base64url');
const dpopHeader = b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: dpopJwk }));
function dpopProof(htm, htu, { accessToken, nonce } = {}) {
  const claims = {
    jti: randomBytes(16).toString('base64url'),
    htm,
    htu,
    iat: Math.floor(Date.now() / 1000),
  };
  if (accessToken) claims.ath = createHash('sha256').update(accessToken).digest('base64url');
  if (nonce) claims.nonce = nonce;
  const input = `${dpopHeader}.${b64(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: dpopKey.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

function run(name, options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, ...options }, (error, result) => {
      if (error) return reject(error);
      const bad = result.non2xx + result.errors + result.timeouts;
      if (bad > 0)
        console.error(
          name,
          JSON.stringify(result.statusCodeStats),
          'errors',
          result.errors,
          'timeouts',
          result.timeouts,
        );
      resolve({
        name,
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        // autocannon's latency has a resolution of about a millisecond; with one connection (a
        // closed loop) the mean time per request is exactly 1 / throughput, client work included.
        mean:
          (options.connections ?? CONNECTIONS) === 1
            ? 1000 / result.requests.average
            : result.latency.average,
        total: result.requests.total,
        bad,
      });
    });
  });
}

const db = new pg.Client({ connectionString: POSTGRES_URL });
await db.connect();
await db.query(`create schema ${schema}`);
const results = [];
try {
  const hello = await startProcess(children, ['bench/servers/fastify-hello.js']);
  const pgUrl = new URL(POSTGRES_URL);
  pgUrl.searchParams.set('options', `-c search_path=${schema}`);
  const gatehouse = await startProcess(children, ['bin/gatehouse.js', 'serve'], {
    GATEHOUSE_PORT: '0',
    GATEHOUSE_DATABASE_URL: pgUrl.toString(),
    GATEHOUSE_REDIS_URL: REDIS_URL,
    GATEHOUSE_REDIS_PREFIX: prefix,
    GATEHOUSE_ISSUER: 'http://localhost:3000',
    GATEHOUSE_LOG_LEVEL: 'silent',
    // The chains below sign up from many (forwarded) addresses: sign-ups are throttled per address.
    GATEHOUSE_TRUST_PROXY: 'loopback',
  });
  const peer = await startProcess(children, ['bench/servers/express-session.js'], {
    REDIS_URL,
    REDIS_PREFIX: prefix,
  });

  const user = { email: 'bench@example.com', password: 'benchmark password' };
  await json(gatehouse, 'POST', '/v1/signup', user);
  const login = () =>
    json(gatehouse, 'POST', '/v1/token', {
      grant_type: 'password',
      username: user.email,
      password: user.password,
    });
  const bearer = (await login()).body.access_token;
  // DPoP login: the token endpoint asks for a nonce first (use_dpop_nonce), then binds the token.
  const issuer = 'http://localhost:3000';
  const dpopLogin = (nonce) =>
    json(
      gatehouse,
      'POST',
      '/v1/token',
      { grant_type: 'password', username: user.email, password: user.password },
      { dpop: dpopProof('POST', `${issuer}/v1/token`, { nonce }) },
    );
  let dpopGrant = await dpopLogin();
  if (dpopGrant.status === 400 && dpopGrant.body.error === 'use_dpop_nonce')
    dpopGrant = await dpopLogin(dpopGrant.headers.get('dpop-nonce'));
  if (dpopGrant.body.token_type !== 'DPoP')
    throw new Error(`DPoP login failed: ${JSON.stringify(dpopGrant.body)}`);
  const dpopToken = dpopGrant.body.access_token;
  const cookieLogin = await json(gatehouse, 'POST', '/v1/session', user, {
    origin: 'http://localhost:3000',
  });
  const cookie = cookieLogin.headers.get('set-cookie').split(';')[0];
  const peerCookie = (await json(peer, 'POST', '/login', {})).headers
    .get('set-cookie')
    .split(';')[0];

  results.push(await run('Fastify hello (ceiling)', { url: `${hello}/hello` }));
  results.push(
    await run('GET /v1/me, bearer', {
      url: `${gatehouse}/v1/me`,
      headers: { authorization: `Bearer ${bearer}` },
    }),
  );
  const dpopMe = {
    url: `${gatehouse}/v1/me`,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          headers: {
            ...request.headers,
            authorization: `DPoP ${dpopToken}`,
            dpop: dpopProof('GET', `${issuer}/v1/me`, { accessToken: dpopToken }),
          },
        }),
      },
    ],
  };
  const bearerMe = { url: `${gatehouse}/v1/me`, headers: { authorization: `Bearer ${bearer}` } };
  results.push(await run('GET /v1/me, DPoP-bound token', dpopMe));
  // Latency without queueing: one connection, one request at a time.
  results.push(await run('GET /v1/me, bearer, 1 connection', { ...bearerMe, connections: 1 }));
  results.push(await run('GET /v1/me, DPoP, 1 connection', { ...dpopMe, connections: 1 }));
  results.push(
    await run('GET /v1/me, cookie (Redis)', { url: `${gatehouse}/v1/me`, headers: { cookie } }),
  );
  results.push(
    await run('Express + express-session + connect-redis', {
      url: `${peer}/me`,
      headers: { cookie: peerCookie },
    }),
  );

  // Refresh chains: a pool of current refresh tokens. Each request takes one, and its response
  // puts the successor back, so every request is a real rotation (autocannon resets its
  // per-request context after each request, so the state lives here). Twice as many chains as
  // connections, so a request never waits for one.
  const chains = [];
  for (let i = 0; i < CONNECTIONS * 2; i++) {
    const email = `chain${i}@example.com`;
    await json(
      gatehouse,
      'POST',
      '/v1/signup',
      { email, password: user.password },
      { 'x-forwarded-for': `198.18.0.${i + 1}` },
    );
    chains.push(
      (
        await json(gatehouse, 'POST', '/v1/token', {
          grant_type: 'password',
          username: email,
          password: user.password,
        })
      ).body.refresh_token,
    );
  }
  if (!chains.every((t) => typeof t === 'string'))
    throw new Error('a refresh chain could not log in: the bench measures nothing real');
  let replays = 0;
  const seen = new Set();
  results.push(
    await run('POST /v1/token refresh (PostgreSQL)', {
      url: `${gatehouse}/v1/token`,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest(request) {
            const token = chains.shift();
            return {
              ...request,
              body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: token }),
            };
          },
          onResponse(status, body) {
            if (status !== 200) return;
            const successor = JSON.parse(body).refresh_token;
            // A successor seen before means the server replayed instead of rotating.
            if (seen.has(successor)) replays++;
            seen.add(successor);
            chains.push(successor);
          },
        },
      ],
    }),
  );
  if (replays > 0)
    console.error(`warning: ${replays} refresh responses were replays, not rotations`);
} finally {
  // Let the servers finish and close their pools before their schema is dropped.
  await stopProcesses(children);
  await db.query(`drop schema if exists ${schema} cascade`);
  await db.end();
}

const ceiling = results[0].rps;
const byName = (name) => results.find((r) => r.name === name);
const bearerResult = byName('GET /v1/me, bearer');
const dpopResult = byName('GET /v1/me, DPoP-bound token');
const cookieResult = byName('GET /v1/me, cookie (Redis)');
const bearerOne = byName('GET /v1/me, bearer, 1 connection');
const dpopOne = byName('GET /v1/me, DPoP, 1 connection');
const peerRps = byName('Express + express-session + connect-redis').rps;
const refreshResult = byName('POST /v1/token refresh (PostgreSQL)');
console.log(
  `# HTTP benchmark: ${CONNECTIONS} connections, ${DURATION} s each; node ${process.version}, ${os.cpus()[0]?.model ?? ''} x${os.cpus().length}\n`,
);
console.log('| scenario | req/s | p50 ms | p99 ms | mean ms | requests | non-2xx/errors |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of results)
  console.log(
    `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.mean.toFixed(3)} | ${r.total} | ${r.bad} |`,
  );
console.log('\n| target | measured |');
console.log('|---|---|');
console.log(
  `| bearer /v1/me >= 0.7x the Fastify ceiling | ${(bearerResult.rps / ceiling).toFixed(2)}x |`,
);
console.log(
  `| DPoP /v1/me latency <= 1.6x bearer | 1 connection: mean ${(dpopOne.mean / bearerOne.mean).toFixed(2)}x; ${CONNECTIONS} connections: mean ${(dpopResult.mean / bearerResult.mean).toFixed(2)}x, req/s ${(dpopResult.rps / bearerResult.rps).toFixed(2)}x |`,
);
console.log(
  `| cookie /v1/me >= 3x express-session + connect-redis | ${(cookieResult.rps / peerRps).toFixed(2)}x |`,
);
console.log(`| refresh >= 1,000 req/s | ${Math.round(refreshResult.rps)} req/s |`);
