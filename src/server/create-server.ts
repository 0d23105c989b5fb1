/**
 * One Gatehouse instance, not yet listening: services over the given stores, the revocation list
 * loaded (and connected to other instances through Redis when given), background jobs, and the
 * HTTP application. `startServer` and the tests both build instances with this.
 */
import { type Clock, type RandomSource, systemClock, systemRandom } from '../core/index.js';
import type { KeyRing } from '../jwt/index.js';
import {
  createFileTransport,
  createMailDelivery,
  createSmtpTransport,
  type MailTransport,
} from '../mail/index.js';
import { type RedisHandle, type Stores, startRevocationFeed } from '../storage/index.js';
import type { ServerConfig } from './config.js';
import { loadServerDpop } from './dpop.js';
import { createHttpApp, type GatehouseApp } from './http.js';
import { type BackgroundJobs, startBackgroundJobs } from './jobs.js';
import { createServices, type ServerContext } from './services.js';

export interface CreateServerOptions {
  readonly config: ServerConfig;
  readonly stores: Stores;
  readonly keyRing: KeyRing;
  /** A hash of a random password (see accounts/service.ts). */
  readonly dummyHash: string;
  /** Redis, when configured: revocations are pushed to and received from other instances. */
  readonly redis?: RedisHandle | null;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** pino options, true for defaults, or false for no logs (tests). */
  readonly logger?: boolean | Record<string, unknown>;
  /** Where mail goes; default: SMTP when `config.smtpUrl` is set, else .eml files in `config.mailOutboxDir`. */
  readonly mailTransport?: MailTransport;
}

export interface GatehouseServer {
  readonly app: GatehouseApp;
  readonly context: ServerContext;
  readonly jobs: BackgroundJobs;
}

/**
 * Builds an instance. Closing `app` stops its jobs and its revocation feed.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when the revocation list cannot be loaded
 * @example
 * const { app } = await createServer({ config, stores, keyRing, dummyHash });
 * await app.listen({ port: config.port, host: config.host });
 */
export async function createServer(options: CreateServerOptions): Promise<GatehouseServer> {
  const { config, stores, keyRing } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  // Bound once the jobs exist: a request can only queue mail after the app is built.
  let nudgeMail = () => {};
  const dpop = await loadServerDpop({
    mode: config.dpop,
    issuer: config.issuer,
    stores,
    redis: options.redis ?? null,
    clock,
    random,
  });
  const context = createServices({
    config,
    stores,
    keyRing,
    dummyHash: options.dummyHash,
    clock,
    random,
    dpop,
    onMailQueued: () => nudgeMail(),
  });
  await context.revocations.load();
  const feed =
    options.redis === undefined || options.redis === null
      ? null
      : await startRevocationFeed(
          options.redis.redis,
          `${options.redis.prefix}revocations`,
          context.revocations,
        );
  if (feed !== null) context.revocations.publishTo(feed.publish);
  const app = await createHttpApp(context, {
    random,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const transport =
    options.mailTransport ??
    (config.smtpUrl !== null
      ? createSmtpTransport(config.smtpUrl, config.mailFrom)
      : createFileTransport({ dir: config.mailOutboxDir, from: config.mailFrom, log: app.log }));
  const jobs = startBackgroundJobs({
    revocations: context.revocations,
    keyRing,
    stores,
    reloadKeys: config.keysSource === 'database',
    syncIntervalMs: config.revocationSyncSeconds * 1000,
    retention: {
      intervalMs: config.retentionIntervalSeconds * 1000,
      eventRetentionMs: config.eventRetentionSeconds * 1000,
      accessTokenTtlMs: config.accessTokenTtlSeconds * 1000,
    },
    clock,
    log: app.log,
    mail: createMailDelivery({ outbox: stores.outbox, transport, clock, random }),
  });
  nudgeMail = jobs.nudgeMail;
  app.addHook('onClose', async () => {
    jobs.stop();
    // The pass in flight ends after its message in hand; a transport that hangs does not hold the
    // close longer than 5 s (its message is then sent again after its lease: at least once).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      jobs.deliverMail(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5000);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    transport.close();
    await feed?.close();
  });
  return { app, context, jobs };
}
