/**
 * The background work of an instance: sweeping the revocation list, and at every sync tick
 * reading revocations made elsewhere and (keys in the database) picking up key rotations: a new
 * key is published at the first tick that sees it, and signs from the first tick after its
 * `signsFromMs`. A failure is logged (at most once a minute per job, so an outage is one line,
 * not thousands) and the next tick tries again; nothing is swallowed silently. Mail: the outbox
 * is delivered every `mailIntervalMs` and whenever a request queued a message (`nudgeMail`), one
 * pass at a time per instance.
 */

import type { RevocationRegistry } from '../access/index.js';
import type { Clock } from '../core/index.js';
import type { KeyRing } from '../jwt/index.js';
import type { MailDelivery } from '../mail/index.js';
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
  /** The outbox's delivery; absent: no mail job. */
  readonly mail?: MailDelivery;
  /** How often the outbox is read for due messages (default 5 s). */
  readonly mailIntervalMs?: number;
}

export interface BackgroundJobs {
  /** One sync tick now (revocations, then keys); resolves when both are done or failed. */
  tick(): Promise<void>;
  /** One retention pass now; resolves when it is done or failed (and logged). */
  prune(): Promise<void>;
  /** One delivery pass now (after the one running, if any); resolves when done or failed (and logged). */
  deliverMail(): Promise<void>;
  /** Starts a delivery pass soon, without waiting for it. */
  nudgeMail(): void;
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
  // One pass at a time: a pass asked for during another runs right after it, once.
  let running: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  let stopped = false;
  const deliverMail = (): Promise<void> => {
    const mail = options.mail;
    if (mail === undefined) return Promise.resolve();
    // Stopped: no new pass, but the caller may wait for the one in flight (a clean close).
    if (stopped) return running;
    if (queued !== null) return queued;
    const next = running.then(() => {
      queued = null;
      return stopped
        ? undefined
        : mail.deliverDue(() => stopped).then(() => {}, failed('mail-delivery'));
    });
    queued = next;
    running = next;
    return next;
  };
  const mailTimer = setInterval(() => void deliverMail(), options.mailIntervalMs ?? 5000);
  sweep.unref();
  sync.unref();
  retention.unref();
  mailTimer.unref();
  return {
    tick,
    prune,
    deliverMail,
    nudgeMail() {
      void deliverMail();
    },
    stop() {
      stopped = true;
      clearInterval(sweep);
      clearInterval(sync);
      clearInterval(retention);
      clearInterval(mailTimer);
    },
  };
}
