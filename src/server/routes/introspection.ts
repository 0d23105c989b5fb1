/**
 * POST /v1/introspect (RFC 7662): a resource server (GATEHOUSE_INTROSPECTION_SECRET) or a
 * registered confidential client authenticates (server/introspection-caller.ts), then learns
 * whether a token is active now; a client, only of its own tokens. Form or JSON bodies; unknown
 * parameters are ignored (section 2.1).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuthError } from '../../core/index.js';
import { createIntrospection } from '../introspection.js';
import { createIntrospectionCallerCheck } from '../introspection-caller.js';
import { ErrorBody, IntrospectionRequest, IntrospectionResponse } from '../schemas.js';
import type { ServerContext } from '../services.js';

export function introspectionRoutes(
  ctx: ServerContext,
  secret: string | null,
): FastifyPluginAsyncTypebox {
  const authenticateCaller = createIntrospectionCallerCheck(secret, ctx.stores.clients);
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
            'Token introspection (RFC 7662) for resource servers and confidential clients: is this access token active now? (A refresh token never is.)',
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
        const caller = await authenticateCaller({
          authorization: request.headers.authorization,
          clientId: body.client_id,
          clientSecret: body.client_secret,
        });
        if (body.token === undefined || body.token === '')
          throw new AuthError('ERR_REQUEST_INVALID', 'token is required.');
        const answer = await introspection.introspect(body.token);
        // A client learns only of its own tokens: another's looks like any inactive one.
        if (answer.active && caller.kind === 'client' && answer.client_id !== caller.clientId)
          return { active: false };
        return answer;
      },
    );
  };
}
