/**
 * POST /v1/introspect (RFC 7662), registered only when GATEHOUSE_INTROSPECTION_SECRET is set: a
 * resource server authenticates (server/introspection-caller.ts), then learns whether a token is
 * active now. Form or JSON bodies; unknown parameters are ignored (section 2.1).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuthError } from '../../core/index.js';
import { createIntrospection } from '../introspection.js';
import { createIntrospectionCallerCheck } from '../introspection-caller.js';
import { ErrorBody, IntrospectionRequest, IntrospectionResponse } from '../schemas.js';
import type { ServerContext } from '../services.js';

export function introspectionRoutes(ctx: ServerContext, secret: string): FastifyPluginAsyncTypebox {
  const authenticateCaller = createIntrospectionCallerCheck(secret);
  const introspection = createIntrospection({
    keyRing: ctx.keyRing,
    profile: ctx.access.profile,
    sessions: ctx.sessions,
    revocations: ctx.revocations,
    clock: ctx.clock,
  });
  return async (app) => {
    app.post(
      '/v1/introspect',
      {
        config: { form: true, oauth: true },
        schema: {
          tags: ['oauth'],
          summary:
            'Token introspection for resource servers (RFC 7662): is this access token active now? (A refresh token never is.)',
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          security: [{ introspectionBasic: [] }],
          body: IntrospectionRequest,
          response: {
            200: IntrospectionResponse,
            400: ErrorBody,
            401: ErrorBody,
            503: ErrorBody,
          },
        },
      },
      async (request) => {
        const body = request.body;
        // RFC 7662 section 2.1: the caller authenticates before the token is looked at.
        authenticateCaller({
          authorization: request.headers.authorization,
          clientId: body.client_id,
          clientSecret: body.client_secret,
        });
        if (body.token === undefined || body.token === '')
          throw new AuthError('ERR_REQUEST_INVALID', 'token is required.');
        return introspection.introspect(body.token);
      },
    );
  };
}
