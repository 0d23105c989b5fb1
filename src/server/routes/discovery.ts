/** Discovery and health: RFC 8414 metadata, the public JWKS, OpenAPI, liveness and readiness. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { supportedScopes } from '../../clients/index.js';
import type { ServerContext } from '../services.js';

export function discoveryRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { issuer } = ctx.config;
    app.get(
      '/.well-known/oauth-authorization-server',
      { schema: { tags: ['discovery'], summary: 'Authorization server metadata (RFC 8414)' } },
      async () => ({
        issuer,
        token_endpoint: `${issuer}/v1/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        revocation_endpoint: `${issuer}/v1/revoke`,
        grant_types_supported: ['password', 'refresh_token'],
        // Public clients: client_id alone (or Basic with an empty secret, as simple-oauth2 and
        // oauth4webapi send); confidential clients: their secret in Basic or in the body.
        token_endpoint_auth_methods_supported: [
          'none',
          'client_secret_basic',
          'client_secret_post',
        ],
        scopes_supported: supportedScopes({
          userScopes: ctx.config.userScopes,
          roleScopes: ctx.config.roleScopes,
        }),
        revocation_endpoint_auth_methods_supported: ['none'],
        // RFC 9449 section 5.1; absent when GATEHOUSE_DPOP=off.
        ...(ctx.dpop === null
          ? {}
          : { dpop_signing_alg_values_supported: [...ctx.dpop.verifier.algorithms] }),
        response_types_supported: [],
        // RFC 8414 section 2 allows more parameters; names are registered with IANA (section
        // 7.1), so an unregistered one carries the product's prefix: no registration collides.
        gatehouse_revocation_feed_uri: `${issuer}/v1/revocations`,
        ...(ctx.config.introspectionSecret === null
          ? {}
          : {
              introspection_endpoint: `${issuer}/v1/introspect`,
              introspection_endpoint_auth_methods_supported: [
                'client_secret_basic',
                'client_secret_post',
              ],
            }),
      }),
    );

    app.get(
      '/.well-known/jwks.json',
      { schema: { tags: ['discovery'], summary: 'Public signing keys (RFC 7517)' } },
      async (_request, reply) => {
        // Short: a rotated key is published a propagation delay before it signs, and that delay
        // (GATEHOUSE_KEY_PROPAGATION_DELAY, server/config.ts) counts on no cache holding an older
        // set for longer than this.
        reply.header('cache-control', 'public, max-age=15');
        return ctx.keyRing.toPublicJwks();
      },
    );

    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    app.get(
      '/healthz',
      { schema: { tags: ['health'], summary: 'The process is up' } },
      async () => ({ status: 'ok' }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['health'],
          summary: 'Every storage backend is reachable (which is not, when one is down)',
        },
      },
      async (_request, reply) => {
        const checks = await ctx.stores.health();
        const down = Object.entries(checks)
          .filter(([, state]) => state === 'down')
          .map(([name]) => name);
        if (down.length === 0) return { status: 'ready', checks };
        return reply.status(503).send({
          error: 'temporarily_unavailable',
          error_description: `Unavailable: ${down.join(', ')}.`,
          checks,
        });
      },
    );
  };
}
