/**
 * The token endpoint (RFC 6749 section 3.2: password and refresh_token grants) and the
 * revocation endpoint (RFC 7009). JSON or form bodies; unknown parameters are ignored. The client
 * is authenticated against the registry first, the same way for every grant (clients/).
 */
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  authenticateClient,
  parseScopeParameter,
  readClientCredentials,
} from '../../clients/index.js';
import { AuthError } from '../../core/index.js';
import { ErrorBody, RevokeRequest, TokenRequest, TokenResponse } from '../schemas.js';
import type { ServerContext } from '../services.js';

const missing = (what: string) => new AuthError('ERR_REQUEST_INVALID', `${what} required.`);

export function tokenRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/token',
      {
        config: { form: true, oauth: true },
        schema: {
          tags: ['oauth'],
          summary:
            'Token endpoint: grant_type=authorization_code (with PKCE), refresh_token or password (RFC 6749)',
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          body: TokenRequest,
          response: {
            200: TokenResponse,
            400: ErrorBody,
            401: ErrorBody,
            429: ErrorBody,
            503: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        reply.header('pragma', 'no-cache');
        // RFC 9449 section 8: every answer (errors too) hands out the nonce the next proof needs.
        if (ctx.dpop !== null) reply.header('dpop-nonce', ctx.dpop.nonces.current());
        const body = request.body;
        // RFC 6749 section 2.3: the client authenticates before its grant is looked at.
        const presented = readClientCredentials({
          authorization: request.headers.authorization,
          clientId: body.client_id,
          clientSecret: body.client_secret,
        });
        const client = await authenticateClient(presented, ctx.stores.clients);
        const tokenClient = { client, requestedScopes: parseScopeParameter(body.scope) };
        // Before the grant: a proof without the nonce costs no password hash and no rotation.
        const proof =
          ctx.dpop === null ? null : await ctx.dpop.tokenRequestKey(request.headers.dpop);
        const meta = { userAgent: request.headers['user-agent'] ?? null, ip: request.ip };
        switch (body.grant_type) {
          case undefined:
            throw missing('grant_type is');
          case 'password':
            if (body.username === undefined || body.password === undefined)
              throw missing('username and password are');
            return ctx.flows.passwordLogin(body.username, body.password, tokenClient, meta, proof);
          case 'authorization_code':
            if (body.code === undefined) throw missing('code is');
            if (body.code_verifier === undefined)
              throw missing('code_verifier is (PKCE, RFC 7636)');
            return ctx.flows.codeGrant(
              {
                code: body.code,
                redirectUri: body.redirect_uri ?? null,
                codeVerifier: body.code_verifier,
              },
              tokenClient,
              meta,
              proof,
            );
          case 'refresh_token':
            if (body.refresh_token === undefined) throw missing('refresh_token is');
            return ctx.flows.refreshGrant(
              body.refresh_token,
              tokenClient,
              request.headers.authorization,
              {
                dpopJkt: proof?.jkt ?? null,
                meta,
                ...(proof === null ? {} : { claimProof: proof.claim }),
              },
            );
          default:
            throw new AuthError(
              'ERR_GRANT_UNSUPPORTED',
              'Supported: authorization_code, refresh_token, password.',
            );
        }
      },
    );

    app.post(
      '/v1/revoke',
      {
        config: { form: true, oauth: true },
        schema: {
          tags: ['oauth'],
          summary: 'Revoke a refresh token (or access token) and its session (RFC 7009)',
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          body: RevokeRequest,
          response: { 200: Type.Null(), 400: ErrorBody, 401: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const body = request.body;
        // RFC 7009 section 2.1: a client that names itself is authenticated as at /v1/token (a
        // confidential one must send its secret: 401 invalid_client otherwise), and a
        // confidential client then revokes only its own tokens. A request naming no client is
        // not authenticated: the token is the proof (it ends only a session it belongs to).
        const presented = readClientCredentials({
          authorization: request.headers.authorization,
          clientId: body.client_id,
          clientSecret: body.client_secret,
        });
        const named =
          presented.secret !== null ||
          body.client_id !== undefined ||
          /^\s*basic\s/i.test(request.headers.authorization ?? '');
        const client = named ? await authenticateClient(presented, ctx.stores.clients) : null;
        const token = body.token;
        if (token === undefined) throw missing('token is');
        // RFC 7009 2.2: 200 whether or not the token was valid, so the answer reveals nothing.
        // RFC 7009 asks no DPoP proof, and client libraries send none (oauth4webapi's
        // revocationRequest): a token alone ends its session, bound or not. A thief holding a copy
        // can only end the session it cannot use, which is what its owner would want.
        await ctx.flows.revokeToken(token, client?.type === 'confidential' ? client.id : undefined);
        return reply.status(200).send(null);
      },
    );
  };
}
