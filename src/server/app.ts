/**
 * Builds the Fastify application (does not listen): services, hooks, the error mapping and the
 * routes. Everything it needs is passed in, so tests build it over any store and clock.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
  type RawServerDefault,
} from 'fastify';
import { createAccountService } from '../accounts/service.js';
import { type Clock, systemClock } from '../core/clock.js';
import { AuthError } from '../core/errors.js';
import { type RandomSource, systemRandom } from '../core/random.js';
import { createRandomId } from '../core/tokens.js';
import type { KeyRing } from '../jwt/key-ring.js';
import { signJwt } from '../jwt/sign.js';
import { createJwtVerifier, type JwtVerifyOptions } from '../jwt/verify.js';
import { createRefreshService } from '../refresh/service.js';
import { createRevocationList, type RevocationList } from '../revocation/list.js';
import { createSessionService } from '../sessions/service.js';
import type { SessionRecord } from '../sessions/store.js';
import type { RevocationFeed, Stores } from '../storage/index.js';
import type { ServerConfig } from './config.js';
import type { ServerContext } from './context.js';
import { httpErrorFor, httpErrorForFastify } from './errors.js';
import { reloadServerKeys } from './keys.js';
import { accountRoutes } from './routes/accounts.js';
import { discoveryRoutes } from './routes/discovery.js';
import { sessionRoutes } from './routes/sessions.js';
import { tokenRoutes } from './routes/token.js';
import { webRoutes } from './routes/web.js';

export interface AppDeps {
  readonly config: ServerConfig;
  readonly stores: Stores;
  readonly keyRing: KeyRing;
  /** A hash of a random password (see accounts/service.ts). */
  readonly dummyHash: string;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** pino options, or false for no logs (tests). */
  readonly logger?: boolean | Record<string, unknown>;
  /** Connects the revocation list to other instances (Redis pub/sub), when there are any. */
  readonly startRevocationFeed?: (list: RevocationList) => Promise<RevocationFeed>;
}

export const BODY_LIMIT_BYTES = 16 * 1024;

/** The application type: Fastify over node:http with the TypeBox type provider. */
export type GatehouseApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Request log fields: never headers, cookies, bodies or query strings (tokens live there). */
const serializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: request.url.split('?')[0] ?? '',
      ip: request.ip,
      id: request.id,
    };
  },
  res(reply: FastifyReply) {
    return { statusCode: reply.statusCode };
  },
};

/** Parses application/x-www-form-urlencoded; a repeated parameter is refused (RFC 6749 3.2). */
function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(out, name))
      throw Object.assign(new Error('repeated parameter'), {
        statusCode: 400,
        code: 'FST_ERR_VALIDATION',
      });
    // RFC 6749 3.2: parameters sent without a value are treated as omitted.
    if (value !== '') out[name] = value;
  }
  return out;
}

/**
 * Builds the application and its services.
 *
 * @example
 * const { app } = await buildApp({ config, stores, keyRing, dummyHash });
 * await app.listen({ port: config.port });
 */
export async function buildApp(
  deps: AppDeps,
): Promise<{ app: GatehouseApp; context: ServerContext }> {
  const { config, stores, keyRing } = deps;
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? systemRandom;
  const accessTtlMs = config.accessTokenTtlSeconds * 1000;

  const revocations = createRevocationList();
  const feed =
    deps.startRevocationFeed === undefined ? null : await deps.startRevocationFeed(revocations);
  const sessions = createSessionService({
    ...(feed === null ? {} : { onRevoked: feed.publish }),
    store: stores.sessions,
    policy: {
      absoluteTtlMs: config.sessionAbsoluteTtlSeconds * 1000,
      idleTtlMs: config.sessionIdleTtlSeconds * 1000,
      touchIntervalMs: config.sessionTouchIntervalSeconds * 1000,
    },
    revocations,
    accessTokenTtlMs: accessTtlMs,
    clock,
    random,
  });
  await sessions.loadRevocations();

  const accounts = createAccountService({
    store: stores.accounts,
    limits: stores.limits,
    events: stores.events,
    passwordParams: config.passwordParams,
    dummyHash: deps.dummyHash,
    clock,
    random,
  });

  /** RFC 9068 access token; never outlives its session. */
  const issueAccessToken = (session: SessionRecord, clientId: string) => {
    const key = keyRing.signingKey();
    if (key === null) throw new AuthError('ERR_KEYRING_INVALID', 'no signing key');
    const iat = Math.floor(clock.nowMs() / 1000);
    const exp = Math.min(
      iat + config.accessTokenTtlSeconds,
      Math.floor(session.expiresAtMs / 1000),
    );
    const token = signJwt(
      {
        iss: config.issuer,
        sub: session.userId,
        aud: config.audience,
        exp,
        iat,
        jti: createRandomId(random),
        client_id: clientId,
        sid: session.id,
      },
      key,
      { typ: 'at+jwt' },
    );
    return { token, expiresIn: exp - iat };
  };

  const refresh = createRefreshService({
    store: stores.refresh,
    sessions,
    policy: {
      refreshTtlMs: config.refreshTokenTtlSeconds * 1000,
      reuseGraceMs: config.refreshReuseGraceSeconds * 1000,
    },
    issueAccessToken,
    onReuse: (session) =>
      stores.events.recordEvent({
        type: 'refresh_reuse',
        userId: session.userId,
        sessionId: session.id,
        ip: null,
        atMs: clock.nowMs(),
      }),
    clock,
    random,
  });

  const verifierOptions: JwtVerifyOptions = {
    keys: keyRing,
    issuer: config.issuer,
    audience: config.audience,
    typ: 'at+jwt',
    requiredClaims: ['sub', 'sid', 'iat', 'jti'],
    clock,
    cacheSize: 10_000,
  };
  const context: ServerContext = {
    config,
    stores,
    keyRing,
    accounts,
    sessions,
    refresh,
    revocations,
    accessVerifier: createJwtVerifier(verifierOptions),
    expiredAccessVerifier: createJwtVerifier({
      ...verifierOptions,
      ignoreExpiration: true,
      cacheSize: 0,
    }),
    clock,
  };

  const requestIdPrefix = createRandomId(random).slice(0, 8);
  // The per-request line is at level info: written only when the level lets info through.
  const logEnabled =
    deps.logger !== false &&
    deps.logger !== undefined &&
    ['info', 'debug', 'trace'].includes(config.logLevel);
  let requestCount = 0;
  const logger = (
    deps.logger === false || deps.logger === undefined
      ? false
      : { level: config.logLevel, serializers, ...(deps.logger === true ? {} : deps.logger) }
  ) as NonNullable<FastifyServerOptions['logger']>;
  const app = Fastify({
    logger,
    // One line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    // Request ids only correlate log lines: a per-process random prefix and a counter will do.
    genReqId: () => `${requestIdPrefix}-${(++requestCount).toString(36)}`,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    (_request, body, done) => {
      try {
        done(null, parseForm(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  // Bodies are JSON; form bodies only for the OAuth endpoints (config.form). A body-less request
  // to an endpoint whose body is all optional (logout) counts as an empty object.
  app.addHook('preValidation', (request, _reply, done) => {
    const type = request.headers['content-type'];
    if (typeof type === 'string') {
      const mediaType = type.split(';')[0]?.trim().toLowerCase();
      const form =
        mediaType === 'application/x-www-form-urlencoded' &&
        request.routeOptions.config?.form === true;
      if (mediaType !== 'application/json' && !form) {
        done(
          Object.assign(new Error('unsupported media type'), {
            statusCode: 415,
            code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
          }),
        );
        return;
      }
    }
    if (request.body === undefined && request.routeOptions.config?.optionalBody === true)
      request.body = {};
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    if (logEnabled) {
      request.log.info(
        {
          req: request,
          res: reply,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          code: request.failureCode,
        },
        'request',
      );
    }
    done();
  });

  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });

  // An outage is logged once per backend per minute with its cause, not once per request.
  const outageLoggedAt = new Map<string, number>();
  const reportOutage = (error: AuthError) => {
    const backend = String(error.details?.backend ?? 'storage');
    const now = clock.nowMs();
    if (now - (outageLoggedAt.get(backend) ?? Number.NEGATIVE_INFINITY) < 60_000) return;
    outageLoggedAt.set(backend, now);
    app.log.error(
      { backend, cause: error.details?.cause },
      'storage unavailable: answering 503 until it returns',
    );
  };

  app.setErrorHandler((error: FastifyError | AuthError, request, reply) => {
    const oauth = request.routeOptions.config?.oauth === true;
    let http =
      error instanceof AuthError
        ? httpErrorFor(error.code)
        : httpErrorForFastify(error.code, error.statusCode);
    if (http === null) {
      request.log.error({ err: { type: error.name, code: error.code } }, 'unexpected error');
      http = { status: 500, error: 'server_error', description: 'Unexpected error.' };
    }
    // The precise reason goes to the log line of this request; never the token or the secret.
    request.failureCode =
      error instanceof AuthError ? String(error.details?.reason ?? error.code) : error.code;
    if (error instanceof AuthError && error.code === 'ERR_STORE_UNAVAILABLE') reportOutage(error);
    if (oauth) {
      // RFC 6749 5.2: the token endpoint speaks invalid_request / invalid_grant, with status 400.
      if (error instanceof AuthError && error.code === 'ERR_AUTH_INVALID_CREDENTIALS') {
        http = { status: 400, error: 'invalid_grant', description: 'Invalid email or password.' };
      } else if (http.status === 400 && http.error !== 'invalid_grant') {
        http = { ...http, error: 'invalid_request' };
      }
    }
    if (http.status === 401) {
      const presented = error instanceof AuthError && error.details?.presented === true;
      reply.header(
        'www-authenticate',
        presented
          ? `Bearer realm="gatehouse", error="invalid_token", error_description="${http.description}"`
          : 'Bearer realm="gatehouse"',
      );
    }
    if (http.status === 429 && error instanceof AuthError) {
      reply.header('retry-after', String(error.details?.retryAfterSeconds ?? 1));
    }
    return reply
      .status(http.status)
      .send({ error: http.error, error_description: http.description });
  });

  // Revocation entries end when the last access token they guard would have expired.
  const sweep = setInterval(() => revocations.sweep(clock.nowMs()), 60_000);
  sweep.unref();
  // Revocations by other instances arrive within one sync interval. A failing read (storage
  // down) is logged at most once per minute, and the next tick simply tries again.
  let lastSyncErrorMs = Number.NEGATIVE_INFINITY;
  const sync = setInterval(() => {
    // Keys shared through the database: pick up rotations made on any machine.
    if (config.keysSource === 'database') reloadServerKeys(keyRing, stores.keys).catch(() => {});
    sessions.syncRevocations().catch(() => {
      const now = clock.nowMs();
      if (now - lastSyncErrorMs >= 60_000) {
        lastSyncErrorMs = now;
        app.log.warn('revocation sync failed: storage unavailable; retrying');
      }
    });
  }, config.revocationSyncSeconds * 1000);
  sync.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    clearInterval(sync);
    await feed?.close();
  });

  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).send({ error: 'not_found', error_description: 'No such endpoint.' }),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse',
        version: '1',
        description: 'Authentication server: sessions, JWT access tokens, rotating refresh tokens.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          cookie: { type: 'apiKey', in: 'cookie', name: '__Host-gatehouse_session' },
        },
      },
    },
  });

  await app.register(discoveryRoutes(context));
  await app.register(accountRoutes(context));
  await app.register(tokenRoutes(context));
  await app.register(sessionRoutes(context));
  await app.register(webRoutes());
  return { app, context };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The AuthError code (or reason) of a refused request, for its log line. */
    failureCode?: string | undefined;
  }
  interface FastifyContextConfig {
    /** Accepts application/x-www-form-urlencoded bodies. */
    form?: boolean;
    /** Errors in RFC 6749 section 5.2 form. */
    oauth?: boolean;
    /** The body schema is all optional: no body means {}. */
    optionalBody?: boolean;
  }
}
