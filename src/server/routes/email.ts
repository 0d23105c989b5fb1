/**
 * Email verification, password reset and email change over HTTP. Asking for a link (a reset, a new
 * verification) answers 202 with the same body whether or not the address has an account; the
 * message goes through the outbox. Following a link is a POST of its token from the page the
 * link opened (the token travels in the fragment: mail scanners that fetch links consume nothing).
 */
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import { authenticate } from '../authenticate.js';
import {
  ChangeEmail,
  EmailRequest,
  errorResponses,
  MailAccepted,
  ResetPassword,
  UndoEmailChange,
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

    app.post(
      '/v1/email/change',
      {
        schema: {
          tags: ['email'],
          summary:
            'Move the account to another address (the current password again): a confirmation link goes to the new address, a notice with an undo link to the old one (throttled; the same answer when another account has the new address)',
          security: [{ bearer: [] }, { cookie: [] }],
          body: ChangeEmail,
          response: { 202: MailAccepted, ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = await authenticate(ctx, request);
        await ctx.lifecycle.requestEmailChange(
          principal.userId,
          request.body.password,
          request.body.new_email,
          metaOf(request),
        );
        return reply.status(202).send(ACCEPTED);
      },
    );

    app.post(
      '/v1/email/change/confirm',
      {
        schema: {
          tags: ['email'],
          summary:
            'Confirm an email change with the token of the link sent to the new address (single use): the account takes the address, verified',
          body: VerifyEmail,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await ctx.lifecycle.confirmEmailChange(request.body.token, metaOf(request));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/v1/email/change/undo',
      {
        schema: {
          tags: ['email'],
          summary:
            'Undo an email change with the token of the link sent to the old address (single use): the old address comes back, every session ends, optionally a new password is set',
          body: UndoEmailChange,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await ctx.lifecycle.undoEmailChange(
          request.body.token,
          request.body.new_password,
          metaOf(request),
        );
        return reply.status(204).send(null);
      },
    );
  };
}
