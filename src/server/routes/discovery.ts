/** Discovery and health: RFC 8414 metadata, the public JWKS, OpenAPI, liveness and readiness. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OIDC_SCOPES, supportedScopes } from '../../clients/index.js';
import { canSignIdTokens } from '../../oauth/index.js';
import type { ServerContext } from '../services.js';

export function discoveryRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { issuer } = ctx.config;
    /** OpenID Connect needs an asymmetric signing key (an HMAC server secret cannot sign ID tokens a client checks). */
    const oidcKeyAlg = () => {
      const key = ctx.keyRing.signingKey();
      return canSignIdTokens(key) ? key.alg : null;
    };
    // One description of the server for RFC 8414 and OpenID Connect Discovery; it names only
    // what works with the configuration at hand.
    const metadata = () => {
      const alg = oidcKeyAlg();
      const scopes = supportedScopes({
        userScopes: ctx.config.userScopes,
        roleScopes: ctx.config.roleScopes,
      }).filter((scope) => alg !== null || !OIDC_SCOPES.includes(scope));
      return {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/v1/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        revocation_endpoint: `${issuer}/v1/revoke`,
        ...(alg === null
          ? {}
          : {
              userinfo_endpoint: `${issuer}/userinfo`,
              end_session_endpoint: `${issuer}/end-session`,
            }),
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'password'],
        // RFC 7636 with S256 only: plain is refused (OAuth 2.1 section 4.1.1).
        code_challenge_methods_supported: ['S256'],
        // RFC 9207: every answer of the authorization endpoint carries iss.
        authorization_response_iss_parameter_supported: true,
        // Public clients: client_id alone (or Basic with an empty secret, as simple-oauth2 and
        // oauth4webapi send); confidential clients: their secret in Basic or in the body.
        token_endpoint_auth_methods_supported: [
          'none',
          'client_secret_basic',
          'client_secret_post',
        ],
        scopes_supported: scopes,
        revocation_endpoint_auth_methods_supported: [
          'none',
          'client_secret_basic',
          'client_secret_post',
        ],
        ...(alg === null
          ? {}
          : {
              subject_types_supported: ['public'],
              id_token_signing_alg_values_supported: [alg],
              claims_supported: [
                'iss',
                'sub',
                'aud',
                'exp',
                'iat',
                'auth_time',
                'nonce',
                'at_hash',
                'sid',
                'email',
                'email_verified',
              ],
              // What the sign-in page does something for. `consent` and `select_account` are
              // accepted (every registered client is trusted: the operator consented; one account
              // per browser session) but change nothing, so they are not advertised.
              prompt_values_supported: ['none', 'login'],
              claims_parameter_supported: false,
              request_parameter_supported: false,
              request_uri_parameter_supported: false,
            }),
        // RFC 9449 section 5.1; absent when GATEHOUSE_DPOP=off.
        ...(ctx.dpop === null
          ? {}
          : { dpop_signing_alg_values_supported: [...ctx.dpop.verifier.algorithms] }),
        // RFC 8414 section 2 allows more parameters; names are registered with IANA (section
        // 7.1), so an unregistered one carries the product's prefix: no registration collides.
        gatehouse_revocation_feed_uri: `${issuer}/v1/revocations`,
        introspection_endpoint: `${issuer}/v1/introspect`,
        introspection_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
        ],
      };
    };

    app.get(
      '/.well-known/oauth-authorization-server',
      { schema: { tags: ['discovery'], summary: 'Authorization server metadata (RFC 8414)' } },
      async () => metadata(),
    );

    app.get(
      '/.well-known/openid-configuration',
      {
        schema: {
          tags: ['discovery'],
          summary: 'OpenID Provider metadata (OpenID Connect Discovery 1.0 section 3)',
        },
      },
      async (_request, reply) => {
        if (oidcKeyAlg() === null)
          return reply.status(404).send({
            error: 'not_found',
            error_description:
              'OpenID Connect needs an asymmetric signing key; this server signs with an HMAC secret (GATEHOUSE_JWT_SECRET). RFC 8414 metadata: /.well-known/oauth-authorization-server.',
          });
        return metadata();
      },
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
