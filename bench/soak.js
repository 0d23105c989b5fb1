// npm run soak: many clients against two instances on PostgreSQL and a Redis of its own, with
// that Redis restarted once in the middle. Bounded (SOAK_SECONDS, default 120). Reports requests
// and statuses per endpoint; fails on any 500, on any family with two live refresh tokens, or on
// token-session losses (token sessions live in PostgreSQL and must survive the Redis restart).
import { spawn } from 'node:child_process';
import pg from 'pg';
import { startProcess, stopProcesses } from './support.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 24);
const POSTGRES_URL =
  process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_PORT = 21_000 + (process.pid % 20_000);
const schema = `soak_${process.pid}`;
const children = [];

let redis = null;
function startRedis() {
  redis = spawn(
    'redis-server',
    ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  return new Promise((resolve) => setTimeout(resolve, 300));
}
function stopRedis() {
  const running = redis;
  redis = null;
  return new Promise((resolve) => {
    running.once('exit', resolve);
    running.kill('SIGKILL');
  });
}

const stats = new Map();
function count(endpoint, status) {
  const key = `${endpoint} ${status}`;
  stats.set(key, (stats.get(key) ?? 0) + 1);
}

async function call(base, method, path, body, headers = {}) {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    count(`${method} ${path.split('?')[0]}`, response.status);
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? null : JSON.parse(text),
    };
  } catch (error) {
    count(`${method} ${path}`, `network:${error.name}`);
    return { status: 0, headers: new Headers(), body: null };
  }
}

const db = new pg.Client({ connectionString: POSTGRES_URL });
await db.connect();
await db.query(`create schema ${schema}`);
let failed = false;
let lostTokenSessions = 0;
try {
  await startRedis();
  const pgUrl = new URL(POSTGRES_URL);
  pgUrl.searchParams.set('options', `-c search_path=${schema}`);
  const env = {
    GATEHOUSE_PORT: '0',
    GATEHOUSE_DATABASE_URL: pgUrl.toString(),
    GATEHOUSE_REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`,
    GATEHOUSE_ISSUER: 'http://localhost:3000',
    GATEHOUSE_LOG_LEVEL: 'warn',
  };
  const instances = await Promise.all([
    startProcess(children, ['bin/gatehouse.js', 'serve'], env),
    startProcess(children, ['bin/gatehouse.js', 'serve'], env),
  ]);
  const deadline = Date.now() + SECONDS * 1000;
  const outageAt = Date.now() + (SECONDS * 1000) / 2;

  const outage = (async () => {
    await new Promise((resolve) => setTimeout(resolve, outageAt - Date.now()));
    console.log('restarting Redis');
    await stopRedis();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await startRedis();
  })();

  const client = async (n) => {
    const email = `soak${n}@example.com`;
    const password = 'soak test password';
    const at = (i) => instances[(n + i) % 2];
    await call(at(0), 'POST', '/v1/signup', { email, password });
    let round = 0;
    while (Date.now() < deadline) {
      round++;
      const login = await call(at(round), 'POST', '/v1/token', {
        grant_type: 'password',
        username: email,
        password,
      });
      if (login.status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      let pair = login.body;
      for (let i = 0; i < 3; i++) {
        const me = await call(at(round + i), 'GET', '/v1/me', undefined, {
          authorization: `Bearer ${pair.access_token}`,
        });
        if (me.status === 401) lostTokenSessions++;
      }
      for (let i = 0; i < 2; i++) {
        const refreshed = await call(at(round + i), 'POST', '/v1/token', {
          grant_type: 'refresh_token',
          refresh_token: pair.refresh_token,
        });
        if (refreshed.status === 200) pair = refreshed.body;
        else if (refreshed.status === 400) lostTokenSessions++;
      }
      await call(
        at(round + 1),
        'POST',
        '/v1/logout',
        {},
        { authorization: `Bearer ${pair.access_token}` },
      );
      if (round % 3 === 0) {
        const cookieLogin = await call(
          at(round),
          'POST',
          '/v1/session',
          { email, password },
          { origin: 'http://localhost:3000' },
        );
        const cookie = cookieLogin.headers.get('set-cookie')?.split(';')[0];
        if (cookie) {
          await call(at(round + 1), 'GET', '/v1/me', undefined, { cookie });
          await call(at(round + 1), 'DELETE', '/v1/session', undefined, {
            cookie,
            origin: 'http://localhost:3000',
          });
        }
      }
    }
  };
  await Promise.all([...Array.from({ length: CLIENTS }, (_, n) => client(n)), outage]);

  const { rows } = await db.query(
    `select session_id, count(*)::int as live from ${schema}.refresh_tokens r join ${schema}.sessions s on s.id = r.session_id
     where r.consumed_at is null and s.revoked_at is null group by session_id having count(*) > 1`,
  );
  const total = [...stats.values()].reduce((a, b) => a + b, 0);
  const fives = [...stats].filter(([key]) => / 500$/.test(key)).reduce((a, [, v]) => a + v, 0);
  console.log(
    `\n# soak: ${CLIENTS} clients, ${SECONDS} s, two instances, Redis restarted at the midpoint\n`,
  );
  console.log('| endpoint and status | count |\n|---|---:|');
  for (const [key, value] of [...stats].sort()) console.log(`| ${key} | ${value} |`);
  console.log(
    `\nrequests: ${total}; 500s: ${fives}; families with two live tokens: ${rows.length}; token sessions lost: ${lostTokenSessions}`,
  );
  failed = fives > 0 || rows.length > 0 || lostTokenSessions > 0;
} finally {
  await stopProcesses(children);
  if (redis !== null) await stopRedis();
  await db.query(`drop schema if exists ${schema} cascade`);
  await db.end();
}
console.log(failed ? 'SOAK FAILED' : 'soak passed');
process.exitCode = failed ? 1 : 0;
