/**
 * The token endpoint (RFC 6749 section 3.2: password and refresh_token grants) and the
 * revocation endpoint (RFC 7009). JSON or form bodies; unknown parameters are ignored.
 */
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { AuthError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { ErrorBody, RevokeRequest, TokenRequest, TokenResponse } from '../schemas.js';

const DEFAULT_CLIENT_ID = 'gatehouse';

function oauthError(reply: FastifyReply, error: string, description: string) {
  return reply.status(400).send({ error, error_description: description });
}

export function tokenRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/token',
      {
        config: { form: true, oauth: true },
        schema: {
          tags: ['oauth'],
          summary: 'Token endpoint: grant_type=password or refresh_token (RFC 6749)',
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          body: TokenRequest,
          response: { 200: TokenResponse, 400: ErrorBody, 429: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        reply.header('pragma', 'no-cache');
        const body = request.body;
        const clientId = body.client_id ?? DEFAULT_CLIENT_ID;
        switch (body.grant_type) {
          case undefined:
            return oauthError(reply, 'invalid_request', 'grant_type is required.');
          case 'password': {
            if (body.username === undefined || body.password === undefined) {
              return oauthError(reply, 'invalid_request', 'username and password are required.');
            }
            const user = await ctx.accounts.authenticate(body.username, body.password, request.ip);
            const { session } = await ctx.sessions.start(user.id, 'token', {
              userAgent: request.headers['user-agent'] ?? null,
              ip: request.ip,
            });
            return ctx.refresh.issue(session, clientId);
          }
          case 'refresh_token': {
            if (body.refresh_token === undefined)
              return oauthError(reply, 'invalid_request', 'refresh_token is required.');
            const expectSessionId = sessionOfPresentedAccessToken(
              ctx,
              request.headers.authorization,
            );
            if (expectSessionId === null)
              return oauthError(
                reply,
                'invalid_grant',
                'The access token sent along does not verify.',
              );
            return ctx.refresh.refresh(body.refresh_token, clientId, expectSessionId);
          }
          default:
            return oauthError(
              reply,
              'unsupported_grant_type',
              'Supported: password, refresh_token.',
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
          response: { 200: Type.Null(), 400: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const token = request.body.token;
        if (token === undefined) return oauthError(reply, 'invalid_request', 'token is required.');
        let sessionId = await ctx.refresh.sessionOf(token);
        if (sessionId === null) {
          try {
            const sid = ctx.expiredAccessVerifier.verify(token).payload.sid;
            sessionId = typeof sid === 'string' ? sid : null;
          } catch (error) {
            if (!(error instanceof AuthError)) throw error;
          }
        }
        // RFC 7009 2.2: 200 whether or not the token was valid, so the answer reveals nothing.
        if (sessionId !== null) await ctx.sessions.revoke(sessionId, 'revoked_by_client');
        return reply.status(200).send(null);
      },
    );
  };
}

/**
 * A refresh may carry the old access token (`Authorization: Bearer`). Its signature and every
 * claim but `exp` must hold; then the refresh token must be of the same session. Returns
 * undefined when no access token was sent, null when one was sent and does not verify.
 */
function sessionOfPresentedAccessToken(
  ctx: ServerContext,
  authorization: string | undefined,
): string | undefined | null {
  if (authorization === undefined) return undefined;
  const match = /^Bearer (\S+)$/i.exec(authorization.trim());
  if (match === null) return null;
  try {
    const sid = ctx.expiredAccessVerifier.verify(match[1]).payload.sid;
    return typeof sid === 'string' ? sid : null;
  } catch (error) {
    if (error instanceof AuthError) return null;
    throw error;
  }
}
