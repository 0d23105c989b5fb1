// npm run bench:http: autocannon against running servers, side by side, in one run. Each server
// is its own process (one core) and autocannon runs here (the other core).
//
// Scenarios: bare Fastify hello (the ceiling); Gatehouse GET /v1/me with a bearer token; Gatehouse
// GET /v1/me with a Redis-backed cookie session; Gatehouse POST /v1/token refresh on PostgreSQL
// (every connection follows its own rotation chain, so each request is a real rotation); and
// Express 5 + express-session + connect-redis as the cookie-session peer.
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
const peerRps = results[3].rps;
console.log(
  `# HTTP benchmark: ${CONNECTIONS} connections, ${DURATION} s each; node ${process.version}, ${os.cpus()[0]?.model ?? ''} x${os.cpus().length}\n`,
);
console.log('| scenario | req/s | p50 ms | p99 ms | requests | non-2xx/errors |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results)
  console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.total} | ${r.bad} |`);
console.log('\n| target | measured |');
console.log('|---|---|');
console.log(
  `| bearer /v1/me >= 0.7x the Fastify ceiling | ${(results[1].rps / ceiling).toFixed(2)}x |`,
);
console.log(
  `| cookie /v1/me >= 3x express-session + connect-redis | ${(results[2].rps / peerRps).toFixed(2)}x |`,
);
console.log(`| refresh >= 1,000 req/s | ${Math.round(results[4].rps)} req/s |`);
