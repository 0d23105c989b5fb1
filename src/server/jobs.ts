/**
 * The background work of an instance: sweeping the revocation list, and at every sync tick
 * reading revocations made elsewhere and (keys in the database) picking up key rotations: a new
 * key is published at the first tick that sees it, and signs from the first tick after its
 * `signsFromMs`. A failure is logged (at most once a minute per job, so an outage is one line,
 * not thousands) and the next tick tries again; nothing is swallowed silently.
 */

import type { RevocationRegistry } from '../access/index.js';
import type { Clock } from '../core/index.js';
import type { KeyRing } from '../jwt/index.js';
import type { Stores } from '../storage/index.js';
import { pruneStorage, type RetentionPolicy } from './retention.js';
import { reloadServerKeys } from './signing-keys.js';

export interface JobsLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface BackgroundJobsOptions {
  readonly revocations: RevocationRegistry;
  readonly keyRing: KeyRing;
  readonly stores: Stores;
  /** Reload the key ring from the database at every sync tick. */
  readonly reloadKeys: boolean;
  readonly syncIntervalMs: number;
  readonly sweepIntervalMs?: number;
  /** Deletes what storage no longer needs, this often (server/retention.ts). */
  readonly retention: RetentionPolicy & { readonly intervalMs: number };
  readonly clock: Clock;
  readonly log: JobsLogger;
}

export interface BackgroundJobs {
  /** One sync tick now (revocations, then keys); resolves when both are done or failed. */
  tick(): Promise<void>;
  /** One retention pass now; resolves when it is done or failed (and logged). */
  prune(): Promise<void>;
  stop(): void;
}

const LOG_EVERY_MS = 60_000;

/**
 * Starts the timers (unref'd: they never keep the process alive).
 *
 * @example
 * const jobs = startBackgroundJobs({ revocations, keyRing, stores, reloadKeys: false, syncIntervalMs: 2000, clock, log });
 * app.addHook('onClose', async () => jobs.stop());
 */
export function startBackgroundJobs(options: BackgroundJobsOptions): BackgroundJobs {
  const { revocations, keyRing, stores, clock, log } = options;
  const lastLoggedMs = new Map<string, number>();
  const failed = (job: string) => (error: unknown) => {
    const now = clock.nowMs();
    if (now - (lastLoggedMs.get(job) ?? Number.NEGATIVE_INFINITY) < LOG_EVERY_MS) return;
    lastLoggedMs.set(job, now);
    const code = (error as { code?: unknown } | null)?.code;
    log.warn(
      {
        job,
        code: typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown',
      },
      `background job ${job} failed; retrying at the next tick`,
    );
  };

  const tick = async () => {
    await Promise.all([
      revocations.sync().then(() => {}, failed('revocation-sync')),
      options.reloadKeys
        ? reloadServerKeys(keyRing, stores.keys, clock.nowMs()).then(() => {}, failed('key-reload'))
        : undefined,
    ]);
  };
  // Revocation entries end when the last access token they guard would have expired.
  const sweep = setInterval(() => revocations.sweep(), options.sweepIntervalMs ?? 60_000);
  const sync = setInterval(() => void tick(), options.syncIntervalMs);
  const prune = () =>
    pruneStorage(stores, clock.nowMs(), options.retention).then(() => {}, failed('retention'));
  const retention = setInterval(() => void prune(), options.retention.intervalMs);
  sweep.unref();
  sync.unref();
  retention.unref();
  return {
    tick,
    prune,
    stop() {
      clearInterval(sweep);
      clearInterval(sync);
      clearInterval(retention);
    },
  };
}
