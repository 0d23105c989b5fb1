/**
 * Browser sessions (cookie), logout, and the user's list of sessions.
 */
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { SessionRecord } from '../../sessions/index.js';
import { authenticate, checkLoginOrigin } from '../authenticate.js';
import { clearSessionCookie, setSessionCookie } from '../cookies.js';
import {
  Credentials,
  ErrorBody,
  errorResponses,
  Logout,
  SessionIdParams,
  SessionView,
} from '../schemas.js';
import type { ServerContext } from '../services.js';

const view = (session: SessionRecord, currentId: string | null) => ({
  id: session.id,
  kind: session.kind,
  created_at: new Date(session.createdAtMs).toISOString(),
  last_used_at: new Date(session.lastUsedAtMs).toISOString(),
  expires_at: new Date(session.expiresAtMs).toISOString(),
  user_agent: session.userAgent,
  ip: session.ip,
  current: session.id === currentId,
});

export function sessionRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/session',
      {
        schema: {
          tags: ['sessions'],
          summary: 'Log in with a session cookie',
          body: Credentials,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        checkLoginOrigin(request, ctx.config.allowedOrigins);
        const { session, cookieValue } = await ctx.flows.cookieLogin(
          request.body.email,
          request.body.password,
          { userAgent: request.headers['user-agent'] ?? null, ip: request.ip },
        );
        setSessionCookie(
          reply,
          cookieValue,
          Math.floor((session.expiresAtMs - session.createdAtMs) / 1000),
        );
        return reply.status(204).send(null);
      },
    );

    app.delete(
      '/v1/session',
      {
        schema: {
          tags: ['sessions'],
          summary: 'End the cookie session',
          security: [{ cookie: [] }],
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = await authenticate(ctx, request);
        await ctx.flows.logout(principal, 'session', {
          userAgent: request.headers['user-agent'] ?? null,
          ip: request.ip,
        });
        clearSessionCookie(reply);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/v1/logout',
      {
        config: { optionalBody: true },
        schema: {
          tags: ['sessions'],
          summary:
            'End this session and its refresh tokens; scope "global" ends every session of the user',
          security: [{ bearer: [] }, { cookie: [] }],
          body: Logout,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = await authenticate(ctx, request);
        await ctx.flows.logout(principal, request.body.scope === 'global' ? 'global' : 'session', {
          userAgent: request.headers['user-agent'] ?? null,
          ip: request.ip,
        });
        if (principal.via === 'cookie') clearSessionCookie(reply);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/v1/sessions',
      {
        schema: {
          tags: ['sessions'],
          summary: "The user's active sessions",
          security: [{ bearer: [] }, { cookie: [] }],
          response: {
            200: {
              type: 'object',
              properties: { sessions: { type: 'array', items: SessionView } },
            },
            401: ErrorBody,
            503: ErrorBody,
          },
        },
      },
      async (request) => {
        const principal = await authenticate(ctx, request);
        const sessions = await ctx.sessions.list(principal.userId);
        return { sessions: sessions.map((s) => view(s, principal.sessionId)) };
      },
    );

    app.delete(
      '/v1/sessions/:id',
      {
        schema: {
          tags: ['sessions'],
          summary: 'Revoke one of the user’s sessions, by id',
          security: [{ bearer: [] }, { cookie: [] }],
          params: SessionIdParams,
          response: { 204: Type.Null(), 404: ErrorBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = await authenticate(ctx, request);
        await ctx.flows.endSession(principal, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
