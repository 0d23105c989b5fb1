/**
 * The HTTP face of an instance: Fastify with our body parsers, the one error path
 * (server/errors.ts), one log line per request, security headers, OpenAPI, and the routes. It
 * builds the application over assembled services; it does not listen.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import cors from '@fastify/cors';
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
import type { RandomSource } from '../core/index.js';
import { AuthError, createRandomId } from '../core/index.js';
import { createCorsOptions } from './cors.js';
import { failureReasonOf, routeNotFound, SERVER_ERROR, toHttpError } from './errors.js';
import { checkSingleHeaders, checkText, decodeBody, parseFormBody } from './input.js';
import { createHttpMetrics, createMetricsTokenCheck, type HttpMetrics } from './metrics.js';
import { fastifyTrustProxyOf } from './proxy.js';
import { createRouteMethods } from './route-methods.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { authorizeRoutes } from './routes/authorize.js';
import { discoveryRoutes } from './routes/discovery.js';
import { emailRoutes } from './routes/email.js';
import { introspectionRoutes } from './routes/introspection.js';
import { revocationRoutes } from './routes/revocations.js';
import { sessionRoutes } from './routes/sessions.js';
import { tokenRoutes } from './routes/token.js';
import { webRoutes } from './routes/web.js';
import type { ServerContext } from './services.js';

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

/** On every answer, errors included. */
const SECURITY_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's JSON parser in its callback form (what getDefaultJsonParser returns at run time). */
type JsonTextParser = (
  request: FastifyRequest,
  body: string,
  done: (error: Error | null, value?: unknown) => void,
) => void;

const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, string]>> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'The request headers are too large.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive.'],
};

/**
 * Errors node raises before a request exists (headers too large, malformed HTTP, a request
 * that did not arrive in time): answered in our format and with our headers, then closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket) {
  const [status, reason, description] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'The request is not valid HTTP.',
  ];
  if (socket.writable) {
    const body = JSON.stringify({ error: 'invalid_request', error_description: description });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n` +
        `x-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`,
    );
    // end() flushes, then closes; destroying at once could drop the answer (a reset instead).
    // A peer that never reads is cut after a second.
    setTimeout(() => socket.destroy(), 1000).unref();
    return;
  }
  socket.destroy();
}

export interface HttpAppOptions {
  readonly random: RandomSource;
  /** pino options, true for defaults, or false for no logs (tests). */
  readonly logger?: boolean | Record<string, unknown>;
}

/**
 * Builds the Fastify application over the services.
 *
 * @example
 * const app = await createHttpApp(context, { random: systemRandom, logger: true });
 */
/** Failure codes whose request line is logged at warn, not info. */
const WARN_FAILURES: ReadonlySet<string> = new Set([
  'ERR_REFRESH_REUSED',
  'key_mismatch',
  'proof_missing',
]);

export async function createHttpApp(
  context: ServerContext,
  options: HttpAppOptions,
): Promise<GatehouseApp> {
  const { config, clock } = context;
  const requestIdPrefix = createRandomId(options.random).slice(0, 8);
  // The per-request line is at level info: written only when the level lets info through.
  const logEnabled =
    options.logger !== false &&
    options.logger !== undefined &&
    ['info', 'debug', 'trace'].includes(config.logLevel);
  let requestCount = 0;
  // Prometheus metrics only when a scrape token is configured: otherwise no registry, no /metrics
  // route (404), and nothing added to a request's path.
  const metrics: HttpMetrics | null =
    config.metricsToken === null
      ? null
      : createHttpMetrics({ revocationListSize: () => context.revocations.size });
  const logger = (
    options.logger === false || options.logger === undefined
      ? false
      : { level: config.logLevel, serializers, ...(options.logger === true ? {} : options.logger) }
  ) as NonNullable<FastifyServerOptions['logger']>;
  // Errors Fastify meets before routing (a malformed %-escape in the path) skip every hook: the
  // error format, the headers of onSend and the request's log line are given here.
  const onFrameworkError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const http = toHttpError(error, { tokenEndpoint: false }) ?? { ...SERVER_ERROR, headers: {} };
    request.failureCode = failureReasonOf(error);
    reply
      .status(http.status)
      .headers({ ...http.headers, ...SECURITY_HEADERS, 'x-request-id': request.id })
      .send({ error: http.error, error_description: http.description });
    if (logEnabled)
      request.log.info({ req: request, res: reply, code: request.failureCode }, 'request');
    metrics?.observe(undefined, request.method, http.status, 0, request.failureCode, undefined);
  };
  /** Counts one answer under its route pattern, never the URL: ids and probes are unbounded. */
  const observe = (route: string | undefined, request: FastifyRequest, reply: FastifyReply) =>
    metrics?.observe(
      route,
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
      request.failureCode,
      (request.body as { grant_type?: unknown } | undefined)?.grant_type,
    );
  const app = Fastify({
    logger,
    frameworkErrors: onFrameworkError,
    clientErrorHandler: answerClientError,
    // One line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: fastifyTrustProxyOf(config.trustProxy),
    // A slow client (slowloris) holds a connection for a bounded time: its headers, then its whole
    // request, must arrive in time (else 408 and closed); a socket silent that long is closed too
    // (the response side: a client that stops reading); an idle keep-alive connection sooner.
    // A little longer than the request limit: node's own check answers a stalled request 408
    // first; the socket limit only closes what never answers at all.
    connectionTimeout: (config.requestTimeoutSeconds + 5) * 1000,
    requestTimeout: config.requestTimeoutSeconds * 1000,
    keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
    http: {
      headersTimeout: config.headersTimeoutSeconds * 1000,
      requestTimeout: config.requestTimeoutSeconds * 1000,
      // node enforces both limits in a sweep, every 30 s by default: every quarter of the headers
      // limit (at most every second) cuts a stalled client within 25% of its limit.
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutSeconds * 250),
    },
    // Request ids only correlate log lines: a per-process random prefix and a counter will do.
    // An X-Request-Id from the caller (a proxy's) is kept when it is a plain token, so log lines
    // correlate across hops; anything else could forge log content and is replaced.
    requestIdHeader: false,
    genReqId: (raw) => {
      const given = raw.headers['x-request-id'];
      if (typeof given === 'string' && REQUEST_ID.test(given)) return given;
      return `${requestIdPrefix}-${(++requestCount).toString(36)}`;
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are read as bytes: node's decoder would turn bytes that are not UTF-8 into U+FFFD
  // silently. Every string (keys too) must then be free of NUL and lone surrogates (input.ts).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (_request, body, done) => {
      try {
        done(null, parseFormBody(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  // Fastify's own JSON parser (its prototype-poisoning refusal, its error codes) over our decoding.
  const parseJson = app.getDefaultJsonParser('error', 'error') as JsonTextParser;
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (request, body, done) => {
      const { text, utf8 } = decodeBody(body as Buffer);
      parseJson(request, text, (error, value) => {
        if (error !== null) return done(error, undefined);
        try {
          checkText(value, { utf8, where: 'field' });
          done(null, value);
        } catch (refused) {
          done(refused as Error, undefined);
        }
      });
    },
  );

  // Each route counts its own answers with its pattern in hand: request.routeOptions would build
  // an object on every request just to read it. Before CORS, so its OPTIONS route counts too.
  if (metrics !== null) {
    app.addHook('onRoute', (route) => {
      const pattern = route.url;
      const count = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        observe(pattern, request, reply);
        done();
      };
      const given = route.onResponse ?? [];
      route.onResponse = [...(Array.isArray(given) ? given : [given]), count];
    });
  }

  // CORS first (GATEHOUSE_CORS_ORIGINS; none by default): a preflight is answered before any other
  // hook, and the refusals of the hooks below still carry the headers a browser app needs to read
  // them. Before the onRoute index below too: the plugin's catch-all OPTIONS route answers
  // preflights only, and must not make OPTIONS a method of every path (405 vs 404).
  if (config.corsOrigins.length > 0)
    await app.register(cors, createCorsOptions(config.corsOrigins));

  // Before any other work: a credential header sent twice (a proxy may read the other one), and
  // path and query parameters that are not well-formed text (a NUL would reach the database).
  app.addHook('onRequest', (request, _reply, done) => {
    try {
      checkSingleHeaders(request.raw.rawHeaders);
      // Most routes have no path parameters: skip the walk (this hook runs on every request).
      const params = request.params as Record<string, unknown>;
      for (const _ in params) {
        checkText(params, { utf8: true, where: 'path parameter' });
        break;
      }
      const query = request.query as Record<string, unknown>;
      for (const _ in query) {
        checkText(query, { utf8: true, where: 'parameter' });
        break;
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  // Which methods each path has, so that a known path with another method answers 405.
  const routeMethods = createRouteMethods();
  app.addHook('onRoute', (route) => routeMethods.add(route.method, route.url));

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
    // A refresh-token reuse (a stolen token, or a client bug) and a refresh with another DPoP key
    // (a stolen bound token) are security signals: their line is a warning, written at the
    // default level and above it.
    if (logger !== false && WARN_FAILURES.has(request.failureCode ?? '')) {
      request.log.warn(
        {
          req: request,
          res: reply,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          code: request.failureCode,
        },
        'request',
      );
    } else if (logEnabled) {
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
    // Matched requests are counted by their route's own hook (the onRoute hook above).
    if (request.is404) observe(undefined, request, reply);
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    // no-store unless a route chose its caching on purpose (the JWKS: max-age=15).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-request-id', request.id);
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

  app.setErrorHandler((error: unknown, request, reply) => {
    let http = toHttpError(error, {
      tokenEndpoint: request.routeOptions.config?.oauth === true,
      dpop: context.dpop,
    });
    if (http === null || http.status >= 500) {
      const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
      if (error instanceof AuthError && error.code === 'ERR_STORE_UNAVAILABLE') reportOutage(error);
      else request.log.error({ err: { type: name, code } }, 'unexpected error');
    }
    http ??= { ...SERVER_ERROR, headers: {} };
    // The precise reason goes to the log line of this request; never the token or the secret.
    request.failureCode = failureReasonOf(error);
    return reply
      .status(http.status)
      .headers(http.headers)
      .send({ error: http.error, error_description: http.description });
  });

  app.setNotFoundHandler((request, reply) => {
    const corsPreflight =
      request.method === 'OPTIONS' &&
      request.headers.origin !== undefined &&
      request.headers['access-control-request-method'] !== undefined;
    const http = routeNotFound(routeMethods.allowedFor(request.url), corsPreflight);
    request.failureCode = http.status === 405 ? 'method_not_allowed' : 'not_found';
    return reply
      .status(http.status)
      .headers(http.headers)
      .send({ error: http.error, error_description: http.description });
  });

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
          introspectionBasic: { type: 'http', scheme: 'basic' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'GATEHOUSE_ADMIN_TOKEN' },
        },
      },
    },
  });

  await app.register(discoveryRoutes(context));
  await app.register(accountRoutes(context));
  await app.register(emailRoutes(context));
  await app.register(tokenRoutes(context));
  await app.register(authorizeRoutes(context));
  await app.register(sessionRoutes(context));
  await app.register(revocationRoutes(context));
  // RFC 7662 introspection: resource-server with GATEHOUSE_INTROSPECTION_SECRET, and registered
  // confidential clients with their own secrets.
  await app.register(introspectionRoutes(context, config.introspectionSecret));
  // The admin API only with its token: otherwise no route at all (404).
  if (config.adminToken !== null) await app.register(adminRoutes(context, config.adminToken));
  await app.register(webRoutes(config));
  if (metrics !== null && config.metricsToken !== null) {
    const tokenMatches = createMetricsTokenCheck(config.metricsToken);
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (!tokenMatches(request.headers.authorization))
        throw new AuthError('ERR_AUTH_UNAUTHENTICATED', 'metrics token missing or wrong', {
          reason: 'metrics token',
          presented: request.headers.authorization !== undefined,
        });
      return reply.type(metrics.contentType).send(await metrics.render());
    });
  }
  return app;
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
