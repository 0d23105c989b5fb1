/**
 * `gatehouse keys rotate`: a new signing key in the database, published by every instance at once
 * and used for signing only after the propagation delay.
 */
import { parseArgs } from 'node:util';
import { exportJwk, generateJwtKey, isJwsAlgorithm, JWS_ALGORITHMS } from '../../jwt/index.js';
import { parseDurationSeconds } from '../../server/index.js';
import { type ExitCode, UsageError } from '../io.js';
import { type KeysCliIo, showTime, withStoredKeys } from '../stored-keys.js';

export const usage = `gatehouse keys rotate [--alg ES256] [--delay=DURATION]
  Stores a new signing key in the database (GATEHOUSE_DATABASE_URL=postgres://..., keys in the
  database). Every instance publishes it in its JWKS within GATEHOUSE_REVOCATION_SYNC_INTERVAL and
  keeps signing with the current key until the delay has passed (default
  GATEHOUSE_KEY_PROPAGATION_DELAY, 60 s: time for every API to fetch the new JWKS); then the new
  key signs. --delay=0 switches at the next sync tick (after a leak: APIs that have not fetched
  the key yet refuse its tokens for up to 30 s). Older keys keep verifying until
  'gatehouse keys retire --kid=KID'.
`;

const MAX_DELAY_SECONDS = 86_400;

export async function run(args: readonly string[], io: KeysCliIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: [...args],
    options: { alg: { type: 'string', default: 'ES256' }, delay: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!isJwsAlgorithm(values.alg) || values.alg.startsWith('HS')) {
    throw new UsageError(
      `--alg must be an asymmetric algorithm: ${JWS_ALGORITHMS.filter((a) => !a.startsWith('HS')).join(', ')}`,
    );
  }
  const alg = values.alg;
  const delayArgument = values.delay === undefined ? null : parseDurationSeconds(values.delay);
  if (values.delay !== undefined && (delayArgument === null || delayArgument > MAX_DELAY_SECONDS))
    throw new UsageError('--delay must be a duration (seconds, or with s/m/h/d) up to 1d');
  return withStoredKeys(io, async (keys, config, clock) => {
    const delaySeconds = delayArgument ?? config.keyPropagationDelaySeconds;
    const key = generateJwtKey(alg);
    const nowMs = clock.nowMs();
    const signsFromMs = nowMs + delaySeconds * 1000;
    await keys.addSigningKey({
      kid: key.kid,
      privateJwk: JSON.stringify(exportJwk(key, { includePrivate: true })),
      createdAtMs: nowMs,
      signsFromMs,
    });
    io.stdout(
      `new signing key ${key.kid} (${alg}): published by every instance within ${config.revocationSyncSeconds} s, signs from ${showTime(signsFromMs)} (in ${delaySeconds} s)\n`,
    );
    // The sound minimum, as in server/config.ts: the middleware's 30 s refetch interval, the
    // JWKS's 15 s max-age, and one sync tick.
    const soundSeconds = 30 + 15 + config.revocationSyncSeconds;
    if (delaySeconds < soundSeconds)
      io.stderr(
        `warning: a delay under ${soundSeconds} s lets tokens signed by the new key reach APIs that have not fetched it yet; they refuse them until they do\n`,
      );
    return 0;
  });
}
