/**
 * Browser sessions (cookie), logout, and the user's list of sessions.
 */
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { AuthError } from '../../core/errors.js';
import type { SessionRecord } from '../../sessions/store.js';
import { authenticate } from '../authenticate.js';
import { SESSION_COOKIE, type ServerContext } from '../context.js';
import {
  Credentials,
  ErrorBody,
  errorResponses,
  Logout,
  SessionIdParams,
  SessionView,
} from '../schemas.js';

function setSessionCookie(reply: FastifyReply, value: string, maxAgeSeconds: number) {
  // __Host- requires Secure, Path=/ and no Domain; HttpOnly keeps it from scripts; Lax from most CSRF.
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`,
  );
}

function clearSessionCookie(reply: FastifyReply) {
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
  );
}

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
        // Login CSRF: a cross-site form must not log the victim into the attacker's account.
        const origin = request.headers.origin;
        if (typeof origin === 'string' && !ctx.config.allowedOrigins.includes(origin)) {
          throw new AuthError('ERR_SESSION_CSRF', 'origin not allowed');
        }
        const user = await ctx.accounts.authenticate(
          request.body.email,
          request.body.password,
          request.ip,
        );
        const { session, cookieValue } = await ctx.sessions.start(user.id, 'cookie', {
          userAgent: request.headers['user-agent'] ?? null,
          ip: request.ip,
        });
        setSessionCookie(
          reply,
          cookieValue as string,
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
        if (principal.sessionId !== null) await ctx.sessions.revoke(principal.sessionId, 'logout');
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
        if (request.body.scope === 'global') {
          await ctx.sessions.revokeAllForUser(principal.userId, 'logout_global');
        } else if (principal.sessionId !== null) {
          await ctx.sessions.revoke(principal.sessionId, 'logout');
        }
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
        const mine = (await ctx.sessions.list(principal.userId)).some(
          (s) => s.id === request.params.id,
        );
        if (!mine) throw new AuthError('ERR_SESSION_NOT_FOUND', 'no such session');
        await ctx.sessions.revoke(request.params.id, 'revoked_by_user');
        return reply.status(204).send(null);
      },
    );
  };
}
