/**
 * Email verification and password reset over HTTP. Asking for a link (a reset, a new
 * verification) answers 202 with the same body whether or not the address has an account; the
 * message goes through the outbox. Following a link is a POST of its token from the page the
 * link opened (the token travels in the fragment: mail scanners that fetch links consume nothing).
 */
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  EmailRequest,
  errorResponses,
  MailAccepted,
  ResetPassword,
  VerifyEmail,
} from '../schemas.js';
import type { ServerContext } from '../services.js';

const ACCEPTED = { status: 'accepted' } as const;

export function emailRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const metaOf = (request: { ip: string; headers: Record<string, unknown> }) => {
      const agent = request.headers['user-agent'];
      return { ip: request.ip, userAgent: typeof agent === 'string' ? agent : null };
    };

    app.post(
      '/v1/email/verification',
      {
        schema: {
          tags: ['email'],
          summary:
            'Send a new verification link (throttled; the same answer whether or not the address has an unverified account)',
          body: EmailRequest,
          response: { 202: MailAccepted, ...errorResponses },
        },
      },
      async (request, reply) => {
        await ctx.lifecycle.resendVerification(request.body.email, metaOf(request));
        return reply.status(202).send(ACCEPTED);
      },
    );

    app.post(
      '/v1/email/verify',
      {
        schema: {
          tags: ['email'],
          summary: 'Verify the address with the token of a verification link (single use)',
          body: VerifyEmail,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await ctx.lifecycle.verifyEmail(request.body.token, metaOf(request));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/v1/password/forgot',
      {
        schema: {
          tags: ['email'],
          summary:
            'Send a password-reset link (throttled per address and per client; the same answer whether or not the address has an account)',
          body: EmailRequest,
          response: { 202: MailAccepted, ...errorResponses },
        },
      },
      async (request, reply) => {
        await ctx.lifecycle.requestPasswordReset(request.body.email, metaOf(request));
        return reply.status(202).send(ACCEPTED);
      },
    );

    app.post(
      '/v1/password/reset',
      {
        schema: {
          tags: ['email'],
          summary:
            'Set a new password with the token of a reset link (single use); every session of the user ends',
          body: ResetPassword,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await ctx.lifecycle.resetPassword(
          request.body.token,
          request.body.new_password,
          metaOf(request),
        );
        return reply.status(204).send(null);
      },
    );
  };
}
