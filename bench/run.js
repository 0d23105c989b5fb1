// npm run bench: sign and verify ops/s, side by side, in one process: gatehouse/jwt, fast-jwt (no
// cache), jsonwebtoken, jose, and a raw node:crypto baseline (the least a correct verifier must do:
// split, HMAC or signature check, JSON.parse, exp check).
//
// Method: every library signs the same claims and verifies the same token. Each case runs in
// timed batches for BENCH_MS (default 600 ms) after a warm-up; rounds are interleaved across
// libraries (so drift hits all alike) and the median round is reported.
import {
  constants,
  createHash,
  createHmac,
  sign as cryptoSign,
  verify as cryptoVerify,
  generateKeyPairSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import os from 'node:os';
import { createSigner, createVerifier } from 'fast-jwt';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { createDpopVerifier, createMemoryReplayCache } from '../dist/dpop/index.js';
import { createJwtVerifier, exportJwk, generateJwtKey, signJwt } from '../dist/jwt/index.js';
import { getKeyMaterial } from '../dist/jwt/key-handle.js';

const BENCH_MS = Number(process.env.BENCH_MS ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ALGS = (process.env.BENCH_ALGS ?? 'HS256,ES256,EdDSA,RS256').split(',');

const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: 'https://auth.example',
  sub: 'user-1234567890',
  aud: 'api',
  iat: now,
  exp: now + 3600,
  jti: 'b2d5a8c1e4f7',
};

function measureSync(fn) {
  const deadline = process.hrtime.bigint() + BigInt(BENCH_MS) * 1_000_000n;
  let ops = 0;
  const start = process.hrtime.bigint();
  let t = start;
  while (t < deadline) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    t = process.hrtime.bigint();
  }
  return (ops * 1e9) / Number(t - start);
}

async function measureAsync(fn) {
  const deadline = process.hrtime.bigint() + BigInt(BENCH_MS) * 1_000_000n;
  let ops = 0;
  const start = process.hrtime.bigint();
  let t = start;
  while (t < deadline) {
    for (let i = 0; i < 20; i++) await fn();
    ops += 20;
    t = process.hrtime.bigint();
  }
  return (ops * 1e9) / Number(t - start);
}

const b64 = (s) => Buffer.from(s).toString('base64url');

/** The raw baseline: the minimum work of a correct compact-JWS verifier for one fixed algorithm. */
function rawFor(alg, keyObject, publicKey) {
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  const headerB64 = b64(JSON.stringify({ alg, typ: 'JWT' }));
  const verifySig = (data, sig) => {
    if (alg.startsWith('HS')) {
      const mac = createHmac(hash, keyObject).update(data).digest();
      return mac.length === sig.length && timingSafeEqual(mac, sig);
    }
    if (alg.startsWith('ES'))
      return cryptoVerify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
    if (alg.startsWith('PS'))
      return cryptoVerify(
        hash,
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        sig,
      );
    return cryptoVerify(hash, data, publicKey, sig);
  };
  const signSig = (data) => {
    if (alg.startsWith('HS')) return createHmac(hash, keyObject).update(data).digest();
    if (alg.startsWith('ES'))
      return cryptoSign(hash, data, { key: keyObject, dsaEncoding: 'ieee-p1363' });
    return cryptoSign(hash, data, keyObject);
  };
  return {
    verify(token) {
      const a = token.indexOf('.');
      const b = token.indexOf('.', a + 1);
      if (!verifySig(Buffer.from(token.slice(0, b)), Buffer.from(token.slice(b + 1), 'base64url')))
        throw new Error('bad signature');
      const payload = JSON.parse(Buffer.from(token.slice(a + 1, b), 'base64url').toString());
      if (!(payload.exp > Date.now() / 1000)) throw new Error('expired');
      return payload;
    },
    sign(payload) {
      const input = `${headerB64}.${b64(JSON.stringify(payload))}`;
      return `${input}.${signSig(Buffer.from(input)).toString('base64url')}`;
    },
  };
}

async function setup(alg) {
  const ours = generateJwtKey(alg, { kid: 'bench' });
  const { signingKey, verifyingKey } = getKeyMaterial(ours);
  const isHmac = alg.startsWith('HS');
  const secret = isHmac ? signingKey.export() : null;
  const privatePem = isHmac ? null : signingKey.export({ format: 'pem', type: 'pkcs8' });
  const publicPem = isHmac ? null : verifyingKey.export({ format: 'pem', type: 'spki' });
  const raw = rawFor(alg, signingKey, verifyingKey);
  const token = raw.sign(claims);
  const tokenBytes = Buffer.from(token, 'latin1');
  const joseSign = await jose.importJWK(exportJwk(ours, { includePrivate: true }), alg);
  const joseVerify = isHmac ? joseSign : await jose.importJWK(exportJwk(ours), alg);
  const oursVerifier = createJwtVerifier({
    keys: [ours],
    audience: 'api',
    issuer: 'https://auth.example',
  });
  const oursCached = createJwtVerifier({
    keys: [ours],
    audience: 'api',
    issuer: 'https://auth.example',
    cacheSize: 1000,
  });
  const fjOptions = {
    key: isHmac ? secret : publicPem,
    algorithms: [alg],
    allowedAud: 'api',
    allowedIss: 'https://auth.example',
  };
  const fjVerify = createVerifier({ ...fjOptions, cache: false });
  const fjCached = createVerifier({ ...fjOptions, cache: 1000 });
  const fjSign = createSigner({
    key: isHmac ? secret : privatePem,
    algorithm: alg,
    noTimestamp: true,
  });
  const jwtAlg = alg === 'EdDSA' ? undefined : alg;
  const libs = {
    gatehouse: {
      verify: () => oursVerifier.verify(token),
      sign: () => signJwt(claims, ours),
    },
    'fast-jwt': { verify: () => fjVerify(token), sign: () => fjSign(claims) },
    // jsonwebtoken gets KeyObjects: with a Buffer or string secret it runs at about 3k ops/s here.
    jsonwebtoken: jwtAlg
      ? {
          verify: () =>
            jsonwebtoken.verify(token, verifyingKey, {
              algorithms: [alg],
              audience: 'api',
              issuer: 'https://auth.example',
            }),
          sign: () => jsonwebtoken.sign(claims, signingKey, { algorithm: alg }),
        }
      : null,
    jose: {
      verifyAsync: () =>
        jose.jwtVerify(token, joseVerify, {
          algorithms: [alg],
          audience: 'api',
          issuer: 'https://auth.example',
        }),
      signAsync: () => new jose.SignJWT(claims).setProtectedHeader({ alg }).sign(joseSign),
    },
    'raw node:crypto': { verify: () => raw.verify(token), sign: () => raw.sign(claims) },
    // With their verified-token caches on and the same token every time: the best case of a
    // cache. Each call gets a fresh string, as a server gets from each request; reusing one
    // string object would let V8 reuse its cached hash and make every lookup nearly free.
    'gatehouse+cache': { verify: () => oursCached.verify(tokenBytes.toString('latin1')) },
    'fast-jwt+cache': { verify: () => fjCached(tokenBytes.toString('latin1')) },
  };
  // Every library must accept the shared token before it is timed.
  for (const [name, lib] of Object.entries(libs)) {
    if (lib === null) continue;
    try {
      if (lib.verify) lib.verify();
      else await lib.verifyAsync();
    } catch (error) {
      throw new Error(`${name} rejected the ${alg} benchmark token: ${error.message}`);
    }
  }
  return libs;
}

async function run() {
  const results = [];
  for (const alg of ALGS) {
    const libs = await setup(alg);
    for (const op of ['verify', 'sign']) {
      const samples = {};
      for (const name of Object.keys(libs)) samples[name] = [];
      for (let round = 0; round < ROUNDS + 1; round++) {
        for (const [name, lib] of Object.entries(libs)) {
          if (lib === null) continue;
          if (!lib[op] && !lib[`${op}Async`]) continue;
          const value = lib[op] ? measureSync(lib[op]) : await measureAsync(lib[`${op}Async`]);
          if (round > 0) samples[name].push(value); // round 0 is the warm-up
        }
      }
      const medians = {};
      for (const [name, values] of Object.entries(samples)) {
        if (values.length === 0) continue;
        values.sort((a, b) => a - b);
        medians[name] = values[Math.floor(values.length / 2)];
      }
      results.push({ alg, op, medians });
      printRow(alg, op, medians);
    }
  }
  return results;
}

const COLUMNS = [
  'gatehouse',
  'fast-jwt',
  'jsonwebtoken',
  'jose',
  'raw node:crypto',
  'gatehouse+cache',
  'fast-jwt+cache',
];
function fmt(n) {
  return n === undefined ? 'n/a' : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
}
let headerPrinted = false;
function printRow(alg, op, medians) {
  if (!headerPrinted) {
    console.log(
      `| alg | op | ${COLUMNS.join(' | ')} | vs fastest peer | vs raw | cache vs fast-jwt cache |`,
    );
    console.log(`|---|---|${COLUMNS.map(() => '---:').join('|')}|---:|---:|---:|`);
    headerPrinted = true;
  }
  const peers = ['fast-jwt', 'jsonwebtoken', 'jose']
    .map((p) => medians[p])
    .filter((v) => v !== undefined);
  const fastestPeer = Math.max(...peers);
  const ours = medians.gatehouse;
  console.log(
    `| ${alg} | ${op} | ${COLUMNS.map((c) => fmt(medians[c])).join(' | ')} | ${(ours / fastestPeer).toFixed(2)}x | ${(ours / medians['raw node:crypto']).toFixed(2)}x | ${medians['gatehouse+cache'] ? `${(medians['gatehouse+cache'] / medians['fast-jwt+cache']).toFixed(2)}x` : ''} |`,
  );
}

console.log(`# gatehouse/jwt benchmark: ops/s, median of ${ROUNDS} rounds of ${BENCH_MS} ms`);
console.log(
  `node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, ${os.platform()} ${os.release()}`,
);
console.log(
  '"vs fastest peer" compares uncached gatehouse with the fastest of fast-jwt (no cache), jsonwebtoken and jose.',
);
console.log(
  'jsonwebtoken does not support EdDSA (n/a). jose is async; the others are synchronous. Caches: verify only.\n',
);
await run();

// DPoP proofs (RFC 9449): what a server does per DPoP request beyond the access token. Each
// verification takes a new proof (ours claims every jti once); jose is what a resource server
// would write by hand: jwtVerify with the embedded JWK, typ and alg, then htm, htu, ath, iat and
// the thumbprint; raw is the ECDSA P-256 signature check alone, the floor of any implementation.
async function dpopRow() {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = (({ kty, crv, x, y }) => ({ kty, crv, x, y }))(
    key.publicKey.export({ format: 'jwk' }),
  );
  const b64 = (value) => Buffer.from(value).toString('base64url');
  const header = b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk }));
  const htu = 'https://api.example/orders';
  const accessToken = 'a'.repeat(600);
  const ath = createHash('sha256').update(accessToken).digest('base64url');
  const count = Number(process.env.BENCH_DPOP_PROOFS ?? 40_000);
  const proofs = [];
  for (let i = 0; i < count; i++) {
    const iat = Math.floor(Date.now() / 1000);
    const payload = { jti: randomBytes(16).toString('base64url'), htm: 'GET', htu, iat, ath };
    const input = `${header}.${b64(JSON.stringify(payload))}`;
    const signature = cryptoSign('sha256', Buffer.from(input), {
      key: key.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    proofs.push(`${input}.${signature.toString('base64url')}`);
  }
  const ours = createDpopVerifier({
    replay: createMemoryReplayCache({ maxEntries: count * 2, maxEntriesPerKey: count * 2 }),
  });
  const request = { method: 'GET', url: htu, accessToken };
  let next = 0;
  const take = () => {
    if (next === proofs.length) throw new Error('BENCH_DPOP_PROOFS is too small for this machine');
    return proofs[next++];
  };
  let joseNext = 0;
  const joseTake = () => proofs[joseNext++ % proofs.length];
  const libs = {
    gatehouse: () => ours.verify({ ...request, proof: take() }),
    jose: async () => {
      const { payload, protectedHeader } = await jose.jwtVerify(joseTake(), jose.EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256'],
      });
      if (payload.htm !== 'GET' || payload.htu !== htu || payload.ath !== ath)
        throw new Error('claims');
      if (Math.abs(payload.iat - Math.floor(Date.now() / 1000)) > 300) throw new Error('iat');
      await jose.calculateJwkThumbprint(protectedHeader.jwk);
    },
    raw: () => {
      const proof = joseTake();
      const dot = proof.lastIndexOf('.');
      return cryptoVerify(
        'sha256',
        Buffer.from(proof.slice(0, dot)),
        { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(proof.slice(dot + 1), 'base64url'),
      );
    },
  };
  const samples = { gatehouse: [], jose: [], raw: [] };
  for (let round = 0; round < ROUNDS + 1; round++)
    for (const [name, fn] of Object.entries(libs)) {
      const value = await measureAsync(fn);
      if (round > 0) samples[name].push(value);
    }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const m = Object.fromEntries(Object.entries(samples).map(([name, v]) => [name, median(v)]));
  console.log(
    '\n| DPoP proof (ES256) | gatehouse | jose by hand | raw ECDSA verify | vs jose | vs raw |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(
    `| verify | ${fmt(m.gatehouse)} | ${fmt(m.jose)} | ${fmt(m.raw)} | ${(m.gatehouse / m.jose).toFixed(2)}x | ${(m.gatehouse / m.raw).toFixed(2)}x |`,
  );
}
await dpopRow();
