/** Sign-up, who-am-I, password change, deleting one's own account. */
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { PublicUser } from '../../accounts/index.js';
import { AuthError } from '../../core/index.js';
import { authenticate } from '../authenticate.js';
import { clearSessionCookie } from '../cookies.js';
import {
  ChangePassword,
  Credentials,
  DeleteAccount,
  ErrorBody,
  errorResponses,
  User,
} from '../schemas.js';
import type { ServerContext } from '../services.js';

const userBody = (user: PublicUser) => ({
  id: user.id,
  email: user.email,
  email_verified: user.emailVerified,
});

export function accountRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/signup',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Create an account',
          body: Credentials,
          response: { 201: User, ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = await ctx.accounts.signup(
          request.body.email,
          request.body.password,
          request.ip,
          request.headers['user-agent'] ?? null,
        );
        // Queued in the outbox, sent by the delivery job: the answer never waits for SMTP.
        await ctx.lifecycle.sendVerification(user);
        return reply.status(201).send(userBody(user));
      },
    );

    app.get(
      '/v1/me',
      {
        schema: {
          tags: ['accounts'],
          summary: 'The authenticated user (Bearer token, session cookie, or Basic when enabled)',
          security: [{ bearer: [] }, { cookie: [] }],
          response: { 200: User, 401: ErrorBody, 503: ErrorBody },
        },
      },
      async (request) => {
        const principal = await authenticate(ctx, request);
        const user = await ctx.accounts.findUser(principal.userId);
        if (user === null)
          throw new AuthError('ERR_AUTH_UNAUTHENTICATED', 'user no longer exists', {
            presented: true,
          });
        return userBody(user);
      },
    );

    app.delete(
      '/v1/me',
      {
        schema: {
          tags: ['accounts'],
          summary:
            'Delete the account (the current password again): every session ends at once, then the account and its personal data go; an account_deleted event without personal data stays',
          security: [{ bearer: [] }, { cookie: [] }],
          body: DeleteAccount,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = await authenticate(ctx, request);
        await ctx.lifecycle.deleteAccount(principal.userId, request.body.password, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if (principal.via === 'cookie') clearSessionCookie(reply);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/v1/password',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Change the password; every other session and refresh token is revoked',
          security: [{ bearer: [] }, { cookie: [] }],
          body: ChangePassword,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = await authenticate(ctx, request);
        await ctx.flows.changePassword(
          principal,
          request.body.current_password,
          request.body.new_password,
          request.ip,
          request.headers['user-agent'] ?? null,
        );
        return reply.status(204).send(null);
      },
    );
  };
}
